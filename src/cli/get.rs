use clap::{Args as ClapArgs, Subcommand};

use super::common::{NameArg, OutputArg, print_json};
use crate::cluster;
use crate::engine::Engine;

#[derive(Debug, Subcommand)]
pub enum GetCommand {
    /// The node containers of a cluster (or of all), with role, state, address and image.
    #[command(
        after_help = "Examples:\n  devk get nodes\n  devk get nodes --name ci-1 -o json\n  devk get nodes --all"
    )]
    Nodes(NodesArgs),
}

#[derive(Debug, ClapArgs)]
pub struct NodesArgs {
    #[command(flatten)]
    pub name: NameArg,
    /// Nodes of every devk cluster.
    #[arg(long, conflicts_with = "name")]
    pub all: bool,
    #[command(flatten)]
    pub output: OutputArg,
}

pub async fn run(cmd: GetCommand) -> crate::Result<u8> {
    let GetCommand::Nodes(args) = cmd;
    let engine = Engine::connect().await?;
    let name = if args.all {
        None
    } else {
        Some(args.name.resolve()?)
    };
    let nodes = cluster::nodes(&engine, name.as_deref()).await?;
    if args.output.json() {
        print_json(&nodes)?;
        return Ok(0);
    }
    if nodes.is_empty() {
        eprintln!(
            "No nodes{}.",
            name.map(|n| format!(" for cluster {n}"))
                .unwrap_or_default()
        );
        return Ok(0);
    }
    println!(
        "{:<36} {:<16} {:<14} {:<9} {:<15} IMAGE",
        "NAME", "CLUSTER", "ROLE", "STATE", "IP"
    );
    for n in nodes {
        println!(
            "{:<36} {:<16} {:<14} {:<9} {:<15} {}",
            n.name,
            n.cluster,
            n.role,
            n.state.to_string(),
            n.ip.unwrap_or_else(|| "-".to_string()),
            n.image
        );
    }
    Ok(0)
}
