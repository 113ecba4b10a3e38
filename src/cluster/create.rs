//! `devk create`: the pipeline as named steps. Nothing is created before the
//! config is valid and the name is free; any failure or interrupt after
//! that removes what was created (unless `--retain`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::plan::{ClusterPlan, PlanInputs, plan};
use super::wait::Deadline;
use super::{ClusterError, addons, balancer, boot, delete, host_network, node_container, wait};
use crate::bootstrap::{self, HostFacts};
use crate::config;
use crate::engine::{Engine, EngineError, FileEntry, SecurityMode, labels};
use crate::kube::Applier;
use crate::kubeconfig;
use crate::nodeimage::{self, BuildOptions, KubeVersion};
use crate::pki::ClusterPki;
use crate::ui::Ui;

/// How node containers get their powers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecurityChoice {
    /// Privileged where the engine allows it, restricted where it refuses.
    Auto,
    Force(SecurityMode),
}

pub struct CreateOptions {
    pub config: config::Cluster,
    /// Overrides every node's image.
    pub image: Option<String>,
    pub retain: bool,
    /// How long to wait for nodes Ready and DNS; zero returns as soon as
    /// the API answers and the nodes registered.
    pub wait: Duration,
    pub kubeconfig: Option<PathBuf>,
    pub security: SecurityChoice,
    /// False: boot the node containers with their container runtime but no
    /// Kubernetes (for testing devk itself).
    pub kubernetes: bool,
    /// How to build the default node image when it is absent; None: fail
    /// with a hint instead.
    pub build_default_image: Option<BuildOptions>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Phase {
    pub name: String,
    #[serde(serialize_with = "secs")]
    pub duration: Duration,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateReport {
    pub plan: ClusterPlan,
    pub security: SecurityMode,
    pub phases: Vec<Phase>,
    #[serde(serialize_with = "secs")]
    pub total: Duration,
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
}

/// The API must come up even with `--wait 0`: add-ons and node labels need it.
const CONTROL_PLANE_BUDGET: Duration = Duration::from_secs(240);
const BOOT_TIMEOUT: Duration = Duration::from_secs(90);
/// Re-plan this many times when a parallel create takes our subnet.
const NETWORK_ATTEMPTS: usize = 5;

struct Timeline {
    phases: Vec<Phase>,
}

impl Timeline {
    fn record(&mut self, name: &str, duration: Duration) {
        self.phases.push(Phase {
            name: name.to_string(),
            duration,
        });
    }
}

pub async fn create(
    engine: &Engine,
    ui: &Ui,
    mut opts: CreateOptions,
) -> Result<CreateReport, ClusterError> {
    let started = Instant::now();
    let name = opts.config.name.clone();
    let mut timeline = Timeline { phases: Vec::new() };

    if let Some(image) = &opts.image {
        for node in &mut opts.config.nodes {
            node.image = Some(image.clone());
        }
    }
    ensure_absent(engine, &name).await?;

    let step = ui.step("Ensuring node image");
    let default_image = ensure_images(engine, ui, &opts)
        .await
        .map_err(ClusterError::in_step("ensuring the node image"))?;
    timeline.record("image", step.done());

    let created = tokio::select! {
        r = provision(engine, ui, &opts, &default_image, &mut timeline) => r,
        _ = crate::signal::shutdown() => Err(ClusterError::Interrupted),
    };
    match created {
        Ok((plan, security, kubeconfig_path)) => Ok(CreateReport {
            context: kubeconfig_path
                .as_ref()
                .map(|_| kubeconfig::entry_name(&name)),
            plan,
            security,
            phases: timeline.phases,
            total: started.elapsed(),
            kubeconfig: kubeconfig_path,
        }),
        Err(e) => {
            if opts.retain {
                ui.warn(format!(
                    "kept what was created of cluster {name} (--retain); remove it with `devk delete --name {name}`"
                ));
            } else {
                let step = ui.step(format!("Removing what was created of {name}"));
                // An interrupt during cleanup must not leave half a cluster.
                let kubeconfig_target = opts.kubeconfig.clone();
                let cleanup = delete::delete(engine, &name, kubeconfig_target.as_deref());
                if let Err(cleanup_err) = cleanup.await {
                    ui.warn(format!("cleaning up failed too: {cleanup_err}"));
                }
                step.done();
            }
            Err(e)
        }
    }
}

/// A cluster of this name must not exist: neither containers nor network.
async fn ensure_absent(engine: &Engine, name: &str) -> Result<(), ClusterError> {
    let containers = engine
        .list_containers(&labels::cluster_filter(Some(name)))
        .await?;
    let network = engine
        .network_exists(&super::plan::network_name(name))
        .await?;
    if !containers.is_empty() || network {
        return Err(ClusterError::Exists {
            name: name.to_string(),
        });
    }
    Ok(())
}

/// Every node image must be present; the default one is built when absent.
async fn ensure_images(
    engine: &Engine,
    ui: &Ui,
    opts: &CreateOptions,
) -> Result<String, ClusterError> {
    let default_image = default_image_name();
    let mut wanted: Vec<String> = opts
        .config
        .nodes
        .iter()
        .map(|n| n.image.clone().unwrap_or_else(|| default_image.clone()))
        .collect();
    wanted.sort();
    wanted.dedup();
    for image in &wanted {
        if engine.image(image).await?.is_some() {
            continue;
        }
        match (&opts.build_default_image, image == &default_image) {
            (Some(build), true) => {
                ui.info(format!(
                    "Node image {image} is not there yet: building it (once)"
                ));
                nodeimage::build_node_image(engine, ui, build).await?;
            }
            _ => {
                return Err(EngineError::ImageMissing {
                    image: image.clone(),
                }
                .into());
            }
        }
    }
    Ok(default_image)
}

/// The default node image: `DEVK_NODE_IMAGE` or `devk/node:<default version>`.
pub fn default_image_name() -> String {
    std::env::var("DEVK_NODE_IMAGE")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("devk/node:{}", nodeimage::DEFAULT_KUBERNETES_VERSION))
}

/// The Kubernetes version a node image carries, from its labels.
async fn image_version(engine: &Engine, image: &str) -> Result<KubeVersion, ClusterError> {
    let contents = nodeimage::image_contents(engine, image)
        .await?
        .ok_or_else(|| ClusterError::Node {
            what: format!("image {image}"),
            message: "it carries no devk metadata: build node images with `devk build node-image`"
                .to_string(),
        })?;
    KubeVersion::parse(&contents.kubernetes).map_err(|message| ClusterError::Node {
        what: format!("image {image}"),
        message,
    })
}

/// Everything from the plan to a usable cluster. Returns the plan, the
/// security mode used and where the kubeconfig was written.
async fn provision(
    engine: &Engine,
    ui: &Ui,
    opts: &CreateOptions,
    default_image: &str,
    timeline: &mut Timeline,
) -> Result<(ClusterPlan, SecurityMode, Option<PathBuf>), ClusterError> {
    let step = ui.step("Preparing nodes");
    let plan_image = opts.config.nodes[0]
        .image
        .clone()
        .unwrap_or_else(|| default_image.to_string());
    let (plan, security, host, admin_entry) = prepare(engine, opts, default_image, &plan_image)
        .await
        .map_err(ClusterError::in_step("preparing nodes"))?;
    timeline.record("prepare", step.done());

    let step = ui.step(format!(
        "Starting {} node{}",
        plan.nodes.len(),
        if plan.nodes.len() == 1 { "" } else { "s" }
    ));
    start_nodes(engine, &plan)
        .await
        .map_err(ClusterError::in_step("starting nodes"))?;
    timeline.record("boot", step.done());
    tracing::debug!(?host, "host facts");

    // None: the nodes run no Kubernetes.
    let Some(pki_admin) = admin_entry else {
        return Ok((plan, security, None));
    };
    let client = crate::kube::from_kubeconfig_yaml(
        &kubeconfig::render(&pki_admin).map_err(ClusterError::from)?,
        None,
    )
    .await?;

    let step = ui.step("Starting control plane");
    let control_plane_deadline = Deadline::after(CONTROL_PLANE_BUDGET.max(opts.wait));
    wait::api_ready(engine, &plan, &client, control_plane_deadline)
        .await
        .map_err(ClusterError::in_step("starting the control plane"))?;
    timeline.record("api", step.done());

    let step = ui.step("Installing add-ons and joining nodes");
    let applier = Applier::new(client.clone());
    let (addons, joined) = tokio::join!(
        addons::apply(&applier, &plan),
        wait::nodes(engine, &plan, &client, false, control_plane_deadline)
    );
    addons.map_err(ClusterError::in_step("installing add-ons"))?;
    joined.map_err(ClusterError::in_step("joining nodes"))?;
    timeline.record("join", step.done());

    let step = ui.step("Writing kubeconfig");
    let target = kubeconfig::default_target(opts.kubeconfig.as_deref());
    kubeconfig::merge_into_file(&target, &pki_admin, true)
        .map_err(|e| ClusterError::in_step("writing kubeconfig")(e.into()))?;
    timeline.record("kubeconfig", step.done());

    if !opts.wait.is_zero() {
        let deadline = Deadline::after(opts.wait);
        let step = ui.step("Waiting for nodes to be Ready");
        wait::nodes(engine, &plan, &client, true, deadline)
            .await
            .map_err(ClusterError::in_step("waiting for nodes"))?;
        timeline.record("ready", step.done());
        let step = ui.step("Waiting for DNS");
        wait::dns(engine, &plan, deadline)
            .await
            .map_err(ClusterError::in_step("waiting for DNS"))?;
        timeline.record("dns", step.done());
    }
    Ok((plan, security, Some(target)))
}

/// Plan, probe, generate, create: every container created with its files
/// in place, not started. Returns the admin kubeconfig entry when the
/// nodes run Kubernetes.
async fn prepare(
    engine: &Engine,
    opts: &CreateOptions,
    default_image: &str,
    probe_image: &str,
) -> Result<
    (
        ClusterPlan,
        SecurityMode,
        HostFacts,
        Option<kubeconfig::Entry>,
    ),
    ClusterError,
> {
    let name = &opts.config.name;
    // Independent questions, asked at once.
    let probe_name = format!("{name}-devk-probe");
    let (security, cgroup, version) = tokio::join!(
        async {
            match opts.security {
                SecurityChoice::Force(mode) => Ok(mode),
                SecurityChoice::Auto => engine.probe_security_mode(probe_image, &probe_name).await,
            }
        },
        engine.cgroup_version(),
        async {
            match opts.kubernetes {
                true => image_version(engine, probe_image).await.map(Some),
                false => Ok(None),
            }
        },
    );
    let security = security?;
    let host = HostFacts::new(&cgroup?, security);
    let version = version?;

    let mut attempt = 0;
    let plan = loop {
        attempt += 1;
        let mut in_use = engine.subnets_in_use().await?;
        in_use.extend(host_network::host_routes());
        let free_api_port = host_network::free_port(opts.config.networking.api_server_address)
            .map_err(|e| ClusterError::Node {
                what: format!(
                    "finding a free port on {}",
                    opts.config.networking.api_server_address
                ),
                message: e.to_string(),
            })?;
        let plan = plan(
            &opts.config,
            &PlanInputs {
                subnets_in_use: in_use,
                free_api_port,
                default_image: default_image.to_string(),
            },
        )?;
        match engine
            .create_network(
                &plan.network.name,
                ipnet::IpNet::V4(plan.network.subnet),
                plan.network.gateway.into(),
                &plan.name,
                None,
            )
            .await
        {
            Ok(()) => break plan,
            // Another create took the subnet between our look and our create.
            Err(e) if attempt < NETWORK_ATTEMPTS && e.to_string().contains("overlap") => continue,
            Err(e) => return Err(e.into()),
        }
    };

    let (mut by_node, admin_entry) = match &version {
        Some(version) => {
            let (files, entry) = kubernetes_files(&plan, &host, version).await?;
            (files, Some(entry))
        }
        // No Kubernetes: the nodes still get their container runtime.
        None => (
            plan.nodes
                .iter()
                .map(|n| (n.name.clone(), bootstrap::runtime_files(&plan, n, &host)))
                .collect(),
            None,
        ),
    };

    let host_has_modules = std::path::Path::new("/lib/modules").is_dir();
    let mut specs: Vec<crate::engine::ContainerSpec> = plan
        .nodes
        .iter()
        .map(|n| node_container::node_spec(&plan, n, security, host_has_modules))
        .collect();
    if let Some(b) = &plan.balancer {
        specs.push(balancer::balancer_spec(
            &plan,
            b,
            &plan.primary_control_plane().image,
        ));
        by_node.insert(b.name.clone(), balancer::balancer_files(&plan));
    }
    // Create every container and put its files in place, all at once.
    let creations = specs.iter().map(|spec| {
        let files = by_node.get(&spec.name).cloned().unwrap_or_default();
        async move {
            engine.create_container(spec).await?;
            engine.upload_files(&spec.name, &files).await
        }
    });
    futures::future::try_join_all(creations).await?;
    Ok((plan, security, host, admin_entry))
}

/// Certificates, component configs and the admin kubeconfig entry.
async fn kubernetes_files(
    plan: &ClusterPlan,
    host: &HostFacts,
    version: &KubeVersion,
) -> Result<(BTreeMap<String, Vec<FileEntry>>, kubeconfig::Entry), ClusterError> {
    // Certificates are CPU work: off the async threads.
    let plan_for_pki = plan.clone();
    let pki = tokio::task::spawn_blocking(move || {
        ClusterPki::generate(&bootstrap::pki_inputs(&plan_for_pki))
    })
    .await
    .map_err(|e| ClusterError::Node {
        what: "generating certificates".to_string(),
        message: e.to_string(),
    })??;
    let files = bootstrap::cluster_files(plan, &pki, host, version)?;
    let entry = kubeconfig::Entry {
        name: kubeconfig::entry_name(&plan.name),
        server: plan.host_server_url(),
        ca_pem: pki.ca.cert_pem.clone(),
        client_cert_pem: pki.admin.cert_pem.clone(),
        client_key_pem: pki.admin.key_pem.clone(),
    };
    Ok((files, entry))
}

/// Start every container and wait for each node's systemd.
async fn start_nodes(engine: &Engine, plan: &ClusterPlan) -> Result<(), ClusterError> {
    let mut names: Vec<&str> = plan.nodes.iter().map(|n| n.name.as_str()).collect();
    if let Some(b) = &plan.balancer {
        names.push(&b.name);
    }
    futures::future::try_join_all(names.iter().map(|n| engine.start_container(n))).await?;
    futures::future::try_join_all(
        plan.nodes
            .iter()
            .map(|n| boot::wait_for_systemd(engine, &n.name, BOOT_TIMEOUT)),
    )
    .await?;
    Ok(())
}
