use std::path::PathBuf;

use clap::{Args as ClapArgs, Subcommand};

use super::common::{NameArg, OutputArg, print_json};
use crate::engine::Engine;
use crate::images::{self, LoadReport, Outcome};
use crate::ui::{Ui, format_duration};

#[derive(Debug, Subcommand)]
pub enum LoadCommand {
    /// Copy images from this machine's engine into the cluster's nodes.
    #[command(after_help = "Examples:\n  \
        devk load image myapp:dev                     into every node of cluster devk\n  \
        devk load image myapp:dev sidecar:1 --name ci-1\n  \
        devk load image myapp:dev --nodes worker,worker2\n\n\
        Nodes that already hold the image (same image ID) are skipped; a node that holds it\n\
        under another name gets the new name. Pods can then use it with imagePullPolicy:\n\
        IfNotPresent or Never (a tag other than :latest defaults to IfNotPresent).")]
    Image(ImageArgs),
    /// Copy the images of a `docker save` (or OCI layout) tar file into the nodes.
    #[command(after_help = "Examples:\n  \
        devk load archive images.tar\n  \
        docker save myapp:dev -o myapp.tar && devk load archive myapp.tar --nodes worker")]
    Archive(ArchiveArgs),
}

#[derive(Debug, ClapArgs)]
pub struct Targets {
    #[command(flatten)]
    pub name: NameArg,
    /// Only these nodes (comma-separated; the `<cluster>-` prefix may be left out).
    #[arg(long, value_delimiter = ',', value_name = "NODES")]
    pub nodes: Option<Vec<String>>,
    #[command(flatten)]
    pub output: OutputArg,
}

#[derive(Debug, ClapArgs)]
pub struct ImageArgs {
    /// Images as `docker images` names them (repository:tag).
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,
    #[command(flatten)]
    pub targets: Targets,
}

#[derive(Debug, ClapArgs)]
pub struct ArchiveArgs {
    /// A tar file written by `docker save` (or an OCI image layout tar).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub targets: Targets,
}

pub async fn run(cmd: LoadCommand, ui: &Ui) -> crate::Result<u8> {
    let engine = Engine::connect().await?;
    let (report, targets) = match cmd {
        LoadCommand::Image(args) => {
            let name = args.targets.name.resolve()?;
            let report = images::load_images(
                &engine,
                &name,
                &args.images,
                args.targets.nodes.as_deref(),
                ui,
            )
            .await?;
            (report, args.targets)
        }
        LoadCommand::Archive(args) => {
            let name = args.targets.name.resolve()?;
            let report = images::load_archive(
                &engine,
                &name,
                &args.file,
                args.targets.nodes.as_deref(),
                ui,
            )
            .await?;
            (report, args.targets)
        }
    };
    if targets.output.json() {
        print_json(&report)?;
    } else {
        ui.info(summary(&report));
    }
    Ok(0)
}

fn summary(report: &LoadReport) -> String {
    let nodes: std::collections::BTreeSet<&str> = report
        .sources
        .iter()
        .flat_map(|s| s.nodes.iter().map(|n| n.node.as_str()))
        .collect();
    format!(
        "Cluster {}: {} loaded, {} retagged, {} already there, on {} node{} in {}",
        report.cluster,
        report.count(Outcome::Loaded),
        report.count(Outcome::Retagged),
        report.count(Outcome::Skipped),
        nodes.len(),
        if nodes.len() == 1 { "" } else { "s" },
        format_duration(report.total)
    )
}
