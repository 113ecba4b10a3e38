use std::time::Duration;

use clap::Args as ClapArgs;

use super::common::{NameArg, OutputArg, parse_wait, print_json};
use crate::cluster;
use crate::engine::Engine;
use crate::ui::{Ui, format_duration};

#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Examples:\n  devk start\n  devk start --name ci-1 --wait 10m\n  \
    devk start --wait 0                  start the nodes, do not wait"
)]
pub struct Args {
    #[command(flatten)]
    pub name: NameArg,
    /// How long to wait for the API, every node Ready and DNS; 0 skips.
    #[arg(long, default_value = "5m", value_parser = parse_wait, value_name = "DURATION")]
    pub wait: Duration,
    #[command(flatten)]
    pub output: OutputArg,
}

pub async fn run(args: Args, ui: &Ui) -> crate::Result<u8> {
    let name = args.name.resolve()?;
    let engine = Engine::connect().await?;
    let report = cluster::start(&engine, ui, &name, args.wait).await?;
    if args.output.json() {
        print_json(&report)?;
    } else if args.wait.is_zero() {
        ui.info(format!(
            "Cluster {name}: nodes started in {}",
            format_duration(report.total)
        ));
    } else {
        ui.info(format!(
            "Cluster {name} is ready in {}",
            format_duration(report.total)
        ));
    }
    Ok(0)
}
