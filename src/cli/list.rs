use clap::Args as ClapArgs;

use super::common::{OutputArg, print_json};
use crate::cluster;
use crate::engine::Engine;

#[derive(Debug, ClapArgs)]
#[command(after_help = "Examples:\n  devk list\n  devk list -o json")]
pub struct Args {
    #[command(flatten)]
    pub output: OutputArg,
}

pub async fn run(args: Args) -> crate::Result<u8> {
    let engine = Engine::connect().await?;
    let clusters = cluster::clusters(&engine).await?;
    if args.output.json() {
        print_json(&clusters)?;
    } else if clusters.is_empty() {
        eprintln!("No devk clusters.");
    } else {
        println!(
            "{:<24} {:<9} {:>5} {:>14} {:>8}",
            "NAME", "STATE", "NODES", "CONTROL-PLANES", "WORKERS"
        );
        for c in clusters {
            println!(
                "{:<24} {:<9} {:>5} {:>14} {:>8}",
                c.name, c.state, c.nodes, c.control_planes, c.workers
            );
        }
    }
    Ok(0)
}
