use clap::Args as ClapArgs;

use super::common::{NameArg, OutputArg, print_json};
use crate::cluster;
use crate::engine::Engine;
use crate::ui::{Ui, format_duration};

#[derive(Debug, ClapArgs)]
#[command(after_help = "Examples:\n  devk stop\n  devk stop --name ci-1\n\n\
    The nodes keep everything (workloads, images, volumes); `devk start` brings the cluster back.")]
pub struct Args {
    #[command(flatten)]
    pub name: NameArg,
    #[command(flatten)]
    pub output: OutputArg,
}

pub async fn run(args: Args, ui: &Ui) -> crate::Result<u8> {
    let name = args.name.resolve()?;
    let engine = Engine::connect().await?;
    let step = ui.step(format!("Stopping cluster {name}"));
    let report = cluster::stop(&engine, &name).await?;
    if report.stopped.is_empty() {
        step.done_with("(it was not running)");
    } else {
        step.done();
    }
    if args.output.json() {
        print_json(&report)?;
    } else {
        ui.info(format!(
            "Cluster {name} stopped ({} container{}) in {}; `devk start --name {name}` brings it back",
            report.stopped.len(),
            if report.stopped.len() == 1 { "" } else { "s" },
            format_duration(report.total)
        ));
    }
    Ok(0)
}
