//! `devk list` and `devk get nodes`: what the engine's labels say exists.

use std::collections::BTreeMap;

use serde::Serialize;

use super::ClusterError;
use crate::engine::{ContainerState, Engine, labels};

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeInfo {
    pub name: String,
    pub cluster: String,
    pub role: String,
    pub state: ContainerState,
    pub ip: Option<String>,
    pub image: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSummary {
    pub name: String,
    /// Running, Stopped, or Partial when only some nodes run.
    pub state: String,
    pub nodes: usize,
    pub control_planes: usize,
    pub workers: usize,
}

/// Nodes (and balancers) of one cluster, or of every cluster.
pub async fn nodes(engine: &Engine, cluster: Option<&str>) -> Result<Vec<NodeInfo>, ClusterError> {
    let containers = engine
        .list_containers(&labels::cluster_filter(cluster))
        .await?;
    Ok(containers
        .into_iter()
        .filter_map(|c| {
            let cluster = c.labels.get(labels::CLUSTER)?.clone();
            let role = c.labels.get(labels::ROLE).cloned().unwrap_or_default();
            if role == "probe" {
                return None;
            }
            let network = super::plan::network_name(&cluster);
            Some(NodeInfo {
                ip: c.addresses.get(&network).cloned(),
                name: c.name,
                cluster,
                role,
                state: c.state,
                image: c.image,
            })
        })
        .collect())
}

pub fn summarize(nodes: &[NodeInfo]) -> Vec<ClusterSummary> {
    let mut by_cluster: BTreeMap<&str, Vec<&NodeInfo>> = BTreeMap::new();
    for n in nodes {
        by_cluster.entry(&n.cluster).or_default().push(n);
    }
    by_cluster
        .into_iter()
        .map(|(name, members)| {
            let k8s_nodes: Vec<&&NodeInfo> =
                members.iter().filter(|n| n.role != "balancer").collect();
            let running = members
                .iter()
                .filter(|n| n.state == ContainerState::Running)
                .count();
            let state = if running == members.len() {
                "Running"
            } else if running == 0 {
                "Stopped"
            } else {
                "Partial"
            };
            ClusterSummary {
                name: name.to_string(),
                state: state.to_string(),
                nodes: k8s_nodes.len(),
                control_planes: k8s_nodes
                    .iter()
                    .filter(|n| n.role == "control-plane")
                    .count(),
                workers: k8s_nodes.iter().filter(|n| n.role == "worker").count(),
            }
        })
        .collect()
}

pub async fn clusters(engine: &Engine) -> Result<Vec<ClusterSummary>, ClusterError> {
    Ok(summarize(&nodes(engine, None).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(cluster: &str, role: &str, state: ContainerState) -> NodeInfo {
        NodeInfo {
            name: format!("{cluster}-{role}"),
            cluster: cluster.to_string(),
            role: role.to_string(),
            state,
            ip: None,
            image: "img".to_string(),
        }
    }

    #[test]
    fn clusters_are_summarized_by_label_with_their_state() {
        use ContainerState::*;
        let nodes = vec![
            node("a", "control-plane", Running),
            node("a", "worker", Running),
            node("b", "control-plane", Exited),
            node("c", "control-plane", Running),
            node("c", "worker", Exited),
            node("c", "balancer", Running),
        ];
        let s = summarize(&nodes);
        assert_eq!(s.len(), 3);
        assert_eq!(
            (s[0].name.as_str(), s[0].state.as_str(), s[0].nodes),
            ("a", "Running", 2)
        );
        assert_eq!(s[1].state, "Stopped");
        assert_eq!(
            (s[2].state.as_str(), s[2].nodes, s[2].workers),
            ("Partial", 2, 1)
        );
    }
}
