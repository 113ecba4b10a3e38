//! The command line: clap definitions and one module per command. Commands
//! parse, call the library, and print; the logic lives elsewhere.

mod build;
mod common;
mod completion;
mod create;
mod delete;
mod doctor;
mod export;
mod get;
mod kubeconfig;
mod list;
mod load;
mod start;
mod stop;
mod test;
mod version;

use clap::{Parser, Subcommand};

use crate::ui::Ui;

#[derive(Debug, Parser)]
#[command(
    name = "devk",
    version,
    about = "Local Kubernetes clusters in containers, and a test runner for your manifests",
    long_about = "devk creates single- or multi-node Kubernetes clusters whose nodes are Docker \
                  containers running the real upstream components, merges a kubeconfig so kubectl \
                  works at once, and runs directories of manifests as tests (`devk test`).",
    after_help = "Examples:\n  devk create                     one node, context devk-devk\n  \
                  devk create --config dev.yaml   the cluster a config file describes\n  \
                  devk test ./deploy --ephemeral  create, test, delete\n  \
                  devk delete                     remove the cluster and its kubeconfig entry"
)]
pub struct Cli {
    /// More output (step details, engine output).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Errors only.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a cluster.
    Create(create::Args),
    /// Delete a cluster: nodes, volumes, network and kubeconfig entry.
    Delete(delete::Args),
    /// List clusters.
    List(list::Args),
    /// Show details of a cluster.
    #[command(subcommand)]
    Get(get::GetCommand),
    /// Run directories of manifests as tests against a cluster.
    Test(test::Args),
    /// Stop a cluster's node containers; everything in them is kept.
    Stop(stop::Args),
    /// Start a stopped cluster and wait until it is usable again.
    Start(start::Args),
    /// Load images from this machine into a cluster's nodes.
    #[command(subcommand)]
    Load(load::LoadCommand),
    /// Export a cluster's logs, or its kubeconfig entry.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Print a cluster's admin kubeconfig.
    Kubeconfig(kubeconfig::Args),
    /// Build images devk uses.
    #[command(subcommand)]
    Build(build::BuildCommand),
    /// Check that this machine can run devk clusters, and say how to fix what cannot.
    Doctor(doctor::Args),
    /// Print devk's version and what it builds by default.
    Version(version::Args),
    /// Print a shell completion script.
    Completion(completion::Args),
}

/// Run a parsed command line; the exit code on success.
pub async fn run(cli: Cli) -> crate::Result<u8> {
    let ui = Ui::detect(cli.quiet, cli.verbose);
    match cli.command {
        Command::Create(args) => create::run(args, &ui).await,
        Command::Delete(args) => delete::run(args, &ui).await,
        Command::List(args) => list::run(args).await,
        Command::Get(cmd) => get::run(cmd).await,
        Command::Test(args) => test::run(args, &ui).await,
        Command::Stop(args) => stop::run(args, &ui).await,
        Command::Start(args) => start::run(args, &ui).await,
        Command::Load(cmd) => load::run(cmd, &ui).await,
        Command::Export(cmd) => export::run(cmd, &ui).await,
        Command::Kubeconfig(args) => kubeconfig::run(args).await,
        Command::Build(cmd) => build::run(cmd, &ui).await,
        Command::Doctor(args) => doctor::run(args, &ui).await,
        Command::Version(args) => version::run(args),
        Command::Completion(args) => completion::run(args),
    }
}
