use std::path::PathBuf;

use clap::{Args as ClapArgs, Subcommand};

use super::common::{NameArg, OutputArg, print_json};
use crate::engine::Engine;
use crate::kubeconfig;
use crate::logs::{self, ExportOptions};
use crate::ui::{Ui, format_duration};

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Collect every node's journals, pod logs and state, and the cluster's objects and events.
    #[command(after_help = "Examples:\n  \
        devk export logs                       into a new temporary directory (printed)\n  \
        devk export logs ./out --name ci-1\n  \
        devk export logs ./out --archive       one file: ./out.tar.gz\n\n\
        Never included: private keys, kubeconfigs, service-account tokens, Secret data\n\
        (Secrets are listed by name). Every file is also scanned for keys and tokens.")]
    Logs(LogsArgs),
    /// Merge the cluster's kubeconfig entry into your kubeconfig again (context devk-<name>, made current).
    #[command(after_help = "Examples:\n  devk export kubeconfig\n  \
        devk export kubeconfig --name ci-1 --kubeconfig ./ci.kubeconfig")]
    Kubeconfig(KubeconfigArgs),
}

#[derive(Debug, ClapArgs)]
pub struct LogsArgs {
    /// Where to write (a new or empty directory); default: a new temporary directory.
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub name: NameArg,
    /// Write one DIR.tar.gz instead of a directory.
    #[arg(long)]
    pub archive: bool,
    #[command(flatten)]
    pub output: OutputArg,
}

#[derive(Debug, ClapArgs)]
pub struct KubeconfigArgs {
    #[command(flatten)]
    pub name: NameArg,
    /// The kubeconfig file to merge into (default: as kubectl chooses).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
}

pub async fn run(cmd: ExportCommand, ui: &Ui) -> crate::Result<u8> {
    match cmd {
        ExportCommand::Logs(args) => export_logs(args, ui).await,
        ExportCommand::Kubeconfig(args) => export_kubeconfig(args, ui).await,
    }
}

async fn export_logs(args: LogsArgs, ui: &Ui) -> crate::Result<u8> {
    let name = args.name.resolve()?;
    let engine = Engine::connect().await?;
    let options = ExportOptions {
        dir: args.dir,
        archive: args.archive,
    };
    let report = logs::export_logs(&engine, &name, &options, ui).await?;
    if args.output.json() {
        print_json(&report)?;
        return Ok(0);
    }
    ui.info(format!(
        "Exported {} files ({:.1} MB) of cluster {name} in {}",
        report.files,
        report.bytes as f64 / 1e6,
        format_duration(report.duration)
    ));
    if !report.problems.is_empty() {
        ui.warn(format!(
            "{} thing{} could not be collected (listed in problems.txt)",
            report.problems.len(),
            if report.problems.len() == 1 { "" } else { "s" }
        ));
    }
    // The path is the command's data: stdout, for scripts.
    println!("{}", report.path.display());
    Ok(0)
}

async fn export_kubeconfig(args: KubeconfigArgs, ui: &Ui) -> crate::Result<u8> {
    let name = args.name.resolve()?;
    let entry = super::kubeconfig::entry(&name, false).await?;
    let target = kubeconfig::default_target(args.kubeconfig.as_deref());
    kubeconfig::merge_into_file(&target, &entry, true)?;
    ui.info(format!(
        "Context {} in {} is current:\n  kubectl get nodes",
        entry.name,
        target.display()
    ));
    Ok(0)
}
