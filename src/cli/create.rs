use std::path::PathBuf;
use std::time::Duration;

use clap::Args as ClapArgs;

use super::build::{NodeImageArgs, node_image_options};
use super::common::{NameArg, OutputArg, parse_wait, print_json};
use crate::cluster::{self, CreateOptions, SecurityChoice, plan::PlanInputs};
use crate::config::{self, Source};
use crate::engine::{Engine, SecurityMode};
use crate::ui::{Ui, format_duration};

#[derive(Debug, ClapArgs)]
#[command(after_help = "Examples:\n  \
    devk create                          one node named devk; context devk-devk\n  \
    devk create --name ci-1 --wait 10m   a second cluster, more patient\n  \
    devk create --config dev.yaml        the cluster a config file describes (devk or kind format)\n  \
    cat dev.yaml | devk create --config -\n  \
    devk create --config dev.yaml --dry-run -o json   print the plan, create nothing")]
pub struct Args {
    #[command(flatten)]
    pub name: NameArg,
    /// A cluster config file (devk.dev/v1alpha1 or kind.x-k8s.io/v1alpha4), or - for stdin.
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<String>,
    /// The node image for every node (default: devk/node:<version>, built when absent).
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// Keep what was created when create fails (for inspection).
    #[arg(long)]
    pub retain: bool,
    /// How long to wait for the nodes to be Ready and DNS to answer; 0 skips.
    #[arg(long, default_value = "5m", value_parser = parse_wait, value_name = "DURATION")]
    pub wait: Duration,
    /// The kubeconfig file to merge into (default: as kubectl chooses).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Print the plan and create nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub output: OutputArg,
    /// How node containers get their privileges: auto (privileged where the
    /// engine allows it), privileged, or restricted.
    #[arg(long, default_value = "auto", value_parser = ["auto", "privileged", "restricted"])]
    pub node_security: String,
    /// Boot the node containers without Kubernetes (for testing devk itself).
    #[arg(long, hide = true)]
    pub no_kubernetes: bool,
    /// Where to take Kubernetes binaries from when the default node image
    /// must be built (see `devk build node-image --kube-binaries`).
    #[arg(long, env = "DEVK_KUBE_BINARIES", value_name = "DIR")]
    pub kube_binaries: Option<PathBuf>,
}

pub async fn run(args: Args, ui: &Ui) -> crate::Result<u8> {
    let cluster = load_config(&args)?;
    let engine = Engine::connect().await?;

    if args.dry_run {
        let plan = cluster::plan::plan(
            &cluster,
            &PlanInputs {
                subnets_in_use: engine.subnets_in_use().await?,
                free_api_port: cluster.networking.api_server_port.unwrap_or(0),
                default_image: args
                    .image
                    .clone()
                    .unwrap_or_else(cluster::default_image_name),
            },
        )
        .map_err(cluster::ClusterError::from)?;
        if args.output.json() {
            print_json(&plan)?;
        } else {
            print!("{}", cluster::plan::render_text(&plan));
            if cluster.networking.api_server_port.is_none() {
                println!("  (the API server's host port is chosen when the cluster is created)");
            }
        }
        return Ok(0);
    }

    let build_default_image = node_image_options(
        &engine,
        NodeImageArgs {
            kubernetes_version: crate::nodeimage::DEFAULT_KUBERNETES_VERSION.to_string(),
            kube_binaries: args.kube_binaries.clone(),
            base_image: None,
            toolchain_image: None,
            image: Some(cluster::default_image_name()),
            preload: Vec::new(),
            release_mirror: std::env::var("DEVK_RELEASE_MIRROR").ok(),
        },
    )
    .await?;
    let security = match args.node_security.as_str() {
        "privileged" => SecurityChoice::Force(SecurityMode::Privileged),
        "restricted" => SecurityChoice::Force(SecurityMode::Restricted),
        _ => SecurityChoice::Auto,
    };
    let name = cluster.name.clone();
    ui.info(format!("Creating cluster {name} ..."));
    let report = cluster::create(
        &engine,
        ui,
        CreateOptions {
            config: cluster,
            image: args.image,
            retain: args.retain,
            wait: args.wait,
            kubeconfig: args.kubeconfig,
            security,
            kubernetes: !args.no_kubernetes,
            build_default_image: Some(build_default_image),
        },
    )
    .await?;

    if args.output.json() {
        print_json(&report)?;
    } else if let Some(context) = &report.context {
        ui.info(format!(
            "Cluster {name} is ready in {}. kubectl now uses context {context}:\n  kubectl get nodes",
            format_duration(report.total)
        ));
    } else {
        ui.info(format!(
            "Cluster {name}: nodes started in {}",
            format_duration(report.total)
        ));
    }
    Ok(0)
}

fn load_config(args: &Args) -> crate::Result<config::Cluster> {
    let name_override = args.name.name.as_deref();
    let cluster = match args.config.as_deref() {
        None => {
            let name = args.name.resolve()?;
            config::Cluster::default_named(&name)
        }
        Some("-") => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
                crate::Error::usage(format!("reading the config from stdin: {e}"), None)
            })?;
            config::load(&Source::Stdin, &text, name_override)?
        }
        Some(path) => config::load_file(std::path::Path::new(path), name_override)?,
    };
    Ok(cluster)
}
