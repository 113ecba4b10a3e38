//! `devk doctor`: is this machine ready to run devk clusters, and if not,
//! what exactly to do. Organisers run it on every laptop before a workshop;
//! users run it when `devk create` fails.
//!
//! Each check is a module with plain-data facts, a gatherer that reads them
//! from the engine and the host, and a pure rule (`check`) from facts to a
//! [`Finding`]: the rules are unit-tested on hand-written facts, the
//! gatherers against the real machine. A check that cannot run (the engine
//! is down, or runs on another machine) says so as a warning; only real
//! problems fail. docs/troubleshooting.md explains every check.

mod access;
pub mod cgroups;
pub mod clusters;
pub mod engine;
mod finding;
pub mod host;
pub mod inotify;
pub mod kernel;
pub mod kubeconfig;
pub mod kubectl;
pub mod node_image;
pub mod ports;
pub mod privileged;
mod render;
pub mod resources;

use std::path::PathBuf;

pub use finding::{Finding, Status, exit_code};
pub use render::render_text;

/// For the checks' table tests: the finding has the status, and its
/// message and fix contain the given text.
#[cfg(test)]
pub(crate) fn assert_finding(case: &str, got: &Finding, status: Status, message: &str, fix: &str) {
    assert_eq!(got.status, status, "{case}: {got:?}");
    assert!(got.message.contains(message), "{case}: {got:?}");
    assert!(
        got.fix.as_deref().unwrap_or("").contains(fix),
        "{case}: {got:?}"
    );
}

use host::{HostRoot, Locality, engine_locality};

/// Every check name, in the order a run reports them (`config` only with
/// `--config`).
pub const CHECK_NAMES: &[&str] = &[
    engine::NAME,
    cgroups::NAME,
    privileged::NAME,
    kernel::NAME,
    kernel::IP_FORWARD_NAME,
    inotify::NAME,
    resources::DISK_NAME,
    resources::MEMORY_NAME,
    node_image::NAME,
    kubectl::NAME,
    kubeconfig::NAME,
    CONFIG_NAME,
    ports::NAME,
    clusters::NAME,
];

pub const CONFIG_NAME: &str = "config";

/// What to diagnose for.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--name` / `DEVK_CLUSTER_NAME`: the cluster about to be created.
    pub name: Option<String>,
    /// `--config FILE`: the cluster it describes (its fixed ports).
    pub config: Option<PathBuf>,
}

/// Run every check. Never fails: what goes wrong becomes a finding.
pub async fn diagnose(opts: &Options) -> Vec<Finding> {
    let root = HostRoot::real();
    let mut findings = Vec::new();

    let (engine_facts, engine) = engine::gather().await;
    findings.push(engine::check(&engine_facts));
    let details = engine_facts.details();
    let locality = engine_locality(
        &engine_facts.host,
        details.and_then(|d| d.kernel.as_deref()),
        details.and_then(|d| d.operating_system.as_deref()),
        root.kernel_release().as_deref(),
    );
    let local = locality == Locality::Local;
    let host = engine_facts.host.as_str();

    findings.push(match details {
        Some(d) => cgroups::check(&cgroups::gather(d, locality, &root)),
        None => Finding::engine_needed(cgroups::NAME),
    });

    let image_name = crate::cluster::default_image_name();
    let image = node_image::gather(engine.as_ref(), &image_name).await;
    let privileged_facts = match &engine {
        None => privileged::PrivilegedFacts::EngineDown,
        Some(_) if !image.present() => privileged::PrivilegedFacts::NoImage {
            image: image_name.clone(),
        },
        Some(e) => privileged::gather(e, &image_name).await,
    };
    findings.push(privileged::check(&privileged_facts));

    if local {
        findings.push(kernel::check(&kernel::gather(&root)));
        findings.push(kernel::check_ip_forward(
            root.read("/proc/sys/net/ipv4/ip_forward").as_deref(),
        ));
        // Nodes of a rootful engine run as root; a rootless one's as us.
        let node_uid = match details {
            // SAFETY: getuid has no preconditions.
            Some(d) if d.rootless => unsafe { libc::getuid() },
            _ => 0,
        };
        findings.push(inotify::check(&inotify::gather(&root, node_uid)));
    } else {
        for name in [kernel::NAME, kernel::IP_FORWARD_NAME, inotify::NAME] {
            findings.push(Finding::remote_engine(name, host));
        }
    }

    findings.push(match details.and_then(|d| d.root_dir.as_deref()) {
        _ if details.is_none() => Finding::engine_needed(resources::DISK_NAME),
        _ if !local => Finding::remote_engine(resources::DISK_NAME, host),
        Some(dir) => resources::check_disk(&resources::gather_disk(dir, &root)),
        None => Finding::warn(
            resources::DISK_NAME,
            "the engine does not say where it keeps its data",
            "check the free space of the engine's data root with `docker info` and `df -h`",
        ),
    });
    let memory = if local || details.is_none() {
        resources::gather_memory(&root)
    } else {
        resources::MemoryFacts {
            bytes: details.and_then(|d| d.mem_total_bytes),
            source: resources::MemorySource::EngineTotal,
        }
    };
    findings.push(resources::check_memory(&memory));

    findings.push(node_image::check(&image));

    let (cluster, config_finding) = load_config(opts);
    let cluster_name = cluster
        .as_ref()
        .map(|(_, c)| c.name.clone())
        .or_else(|| opts.name.clone())
        .unwrap_or_else(|| crate::config::DEFAULT_CLUSTER_NAME.to_string());
    let (cluster_version, from) = match image.kubernetes() {
        Some(v) => (v.to_string(), format!("the node image {image_name}")),
        None => (
            crate::nodeimage::DEFAULT_KUBERNETES_VERSION.to_string(),
            "the version devk builds by default".to_string(),
        ),
    };
    let kubectl_facts = kubectl::gather(
        cluster_version,
        from,
        format!("{cluster_name}-control-plane"),
    )
    .await;
    findings.push(kubectl::check(&kubectl_facts));

    findings.push(kubeconfig::check(&kubeconfig::gather()));

    if let Some(f) = config_finding {
        findings.push(f);
    }
    findings.push(if local || details.is_none() {
        let rootless = details.is_some_and(|d| d.rootless);
        let config = cluster.as_ref().map(|(source, c)| (source.clone(), c));
        ports::check(&ports::gather(&root, config, rootless))
    } else {
        Finding::remote_engine(ports::NAME, host)
    });

    findings.push(clusters::check(
        &clusters::gather(engine.as_ref()).await,
        &cluster_name,
    ));
    findings
}

/// With `--config`: the loaded cluster (and the file's name), and the
/// finding that says whether it loads.
fn load_config(opts: &Options) -> (Option<(String, crate::config::Cluster)>, Option<Finding>) {
    let Some(path) = &opts.config else {
        return (None, None);
    };
    let source = path.display().to_string();
    match crate::config::load_file(path, opts.name.as_deref()) {
        Ok(cluster) => {
            let finding = Finding::ok(
                CONFIG_NAME,
                format!(
                    "{source}: cluster {}, {} node{}",
                    cluster.name,
                    cluster.nodes.len(),
                    if cluster.nodes.len() == 1 { "" } else { "s" }
                ),
            );
            (Some((source, cluster)), Some(finding))
        }
        Err(e) => {
            let fix = e
                .hint()
                .unwrap_or_else(|| format!("correct {source}; docs/config.md lists every field"));
            (None, Some(Finding::fail(CONFIG_NAME, e.to_string(), fix)))
        }
    }
}
