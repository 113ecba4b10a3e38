use std::path::PathBuf;

use clap::Args as ClapArgs;

use super::common::NameArg;
use crate::cluster;
use crate::engine::Engine;
use crate::ui::Ui;

#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Examples:\n  devk delete                 the cluster named devk\n  \
                        devk delete --name ci-1\n  devk delete --all           every devk cluster"
)]
pub struct Args {
    #[command(flatten)]
    pub name: NameArg,
    /// Delete every devk cluster.
    #[arg(long, conflicts_with = "name")]
    pub all: bool,
    /// The kubeconfig file to remove the entry from (default: every file kubectl reads).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
}

pub async fn run(args: Args, ui: &Ui) -> crate::Result<u8> {
    let engine = Engine::connect().await?;
    let names = if args.all {
        cluster::clusters(&engine)
            .await?
            .into_iter()
            .map(|c| c.name)
            .collect()
    } else {
        vec![args.name.resolve()?]
    };
    if names.is_empty() {
        ui.info("No devk clusters to delete.");
    }
    let deletions = names.iter().map(|name| {
        let engine = engine.clone();
        let kubeconfig = args.kubeconfig.clone();
        async move {
            let step = ui.step(format!("Deleting cluster {name}"));
            let report = cluster::delete(&engine, name, kubeconfig.as_deref()).await?;
            if report.found_anything() {
                step.done();
            } else {
                step.done_with("(nothing to delete: it does not exist)");
            }
            Ok::<_, crate::Error>(())
        }
    });
    futures::future::try_join_all(deletions).await?;
    Ok(0)
}
