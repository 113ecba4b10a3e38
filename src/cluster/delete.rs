//! `devk delete`: every container (with its volumes), the network and the
//! kubeconfig entries of a cluster, found by label. Idempotent.

use std::path::Path;

use serde::Serialize;

use super::ClusterError;
use crate::engine::{Engine, labels};
use crate::kubeconfig;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteReport {
    pub containers: usize,
    pub networks: usize,
    /// Kubeconfig files the cluster's entry was removed from.
    pub kubeconfigs: Vec<String>,
}

impl DeleteReport {
    pub fn found_anything(&self) -> bool {
        self.containers > 0 || self.networks > 0 || !self.kubeconfigs.is_empty()
    }
}

pub async fn delete(
    engine: &Engine,
    name: &str,
    kubeconfig_path: Option<&Path>,
) -> Result<DeleteReport, ClusterError> {
    let filter = labels::cluster_filter(Some(name));
    let containers = engine.list_containers(&filter).await?;
    let removals = containers.iter().map(|c| engine.remove_container(&c.name));
    let removed = futures::future::try_join_all(removals).await?;
    let mut report = DeleteReport {
        containers: removed.iter().filter(|r| **r).count(),
        ..Default::default()
    };
    for network in engine.list_networks(Some(&filter)).await? {
        if engine.remove_network(&network.name).await? {
            report.networks += 1;
        }
    }
    // The entry may live in any file of the KUBECONFIG list.
    let entry = kubeconfig::entry_name(name);
    for file in kubeconfig::default_precedence(kubeconfig_path) {
        if file.exists() && kubeconfig::remove_from_file(&file, &entry)? {
            report.kubeconfigs.push(file.display().to_string());
        }
    }
    Ok(report)
}
