use clap::Args as ClapArgs;

use super::common::NameArg;
use crate::cluster::{self, ApiEndpoint, ExistingCluster};
use crate::engine::Engine;
use crate::kubeconfig;

#[derive(Debug, ClapArgs)]
#[command(after_help = "Examples:\n  \
    devk kubeconfig > dev.kubeconfig          for kubectl on this machine\n  \
    devk kubeconfig --internal                for containers on the cluster's network\n  \
    devk export kubeconfig                    merge it into your kubeconfig again")]
pub struct Args {
    #[command(flatten)]
    pub name: NameArg,
    /// Point at the API server's address on the cluster network
    /// (https://<control plane or balancer>:6443) instead of the host port.
    #[arg(long)]
    pub internal: bool,
}

/// The cluster's admin kubeconfig entry, for the host or the cluster network.
pub async fn entry(name: &str, internal: bool) -> crate::Result<kubeconfig::Entry> {
    let engine = Engine::connect().await?;
    let found = ExistingCluster::find(&engine, name).await?;
    let endpoint = if internal {
        ApiEndpoint::Internal
    } else {
        ApiEndpoint::Host
    };
    Ok(cluster::existing::admin_entry(&engine, &found, endpoint).await?)
}

pub async fn run(args: Args) -> crate::Result<u8> {
    let name = args.name.resolve()?;
    let entry = entry(&name, args.internal).await?;
    print!("{}", kubeconfig::render(&entry)?);
    Ok(0)
}
