//! What a node container looks like to the engine: plain data built from
//! the plan, so it can be printed and tested.

use std::collections::BTreeMap;

use super::plan::{API_SERVER_PORT, ClusterPlan, NodePlan};
use crate::config::Propagation;
use crate::engine::{ContainerSpec, MountSpec, PortSpec, SecurityMode, VolumeSpec, labels};

/// Docker's stop signal for systemd: SIGRTMIN+3 makes it shut down cleanly.
pub const SYSTEMD_STOP_SIGNAL: &str = "SIGRTMIN+3";
/// How long the engine waits for a node to shut down before killing it.
pub const NODE_STOP_TIMEOUT_SECS: i64 = 15;

pub fn node_labels(cluster: &str, role: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (labels::CLUSTER.to_string(), cluster.to_string()),
        (labels::ROLE.to_string(), role.to_string()),
    ])
}

fn propagation(p: Propagation) -> Option<String> {
    match p {
        Propagation::None => None,
        Propagation::HostToContainer => Some("rslave".to_string()),
        Propagation::Bidirectional => Some("rshared".to_string()),
    }
}

/// The container of one node. `host_has_modules`: whether /lib/modules
/// exists on the host (it is mounted read-only for kube-proxy and CNI).
pub fn node_spec(
    plan: &ClusterPlan,
    node: &NodePlan,
    security: SecurityMode,
    host_has_modules: bool,
) -> ContainerSpec {
    let mut ports: Vec<PortSpec> = node
        .port_mappings
        .iter()
        .map(|p| PortSpec {
            container_port: p.container_port,
            host_port: p.host_port.filter(|h| *h != 0),
            host_ip: p.listen_address.to_string(),
            protocol: p.protocol.as_str().to_string(),
        })
        .collect();
    if plan.api_server.published_by == node.name {
        ports.push(api_port(plan));
    }
    let mut mounts: Vec<MountSpec> = node
        .mounts
        .iter()
        .map(|m| MountSpec {
            host_path: m.host_path.display().to_string(),
            container_path: m.container_path.display().to_string(),
            read_only: m.read_only,
            propagation: propagation(m.propagation),
        })
        .collect();
    if host_has_modules {
        mounts.push(MountSpec {
            host_path: "/lib/modules".to_string(),
            container_path: "/lib/modules".to_string(),
            read_only: true,
            propagation: None,
        });
    }
    ContainerSpec {
        name: node.name.clone(),
        hostname: node.name.clone(),
        image: node.image.clone(),
        labels: node_labels(&plan.name, node.role.as_str()),
        env: vec!["container=docker".to_string()],
        network: plan.network.name.clone(),
        ipv4: Some(node.ip),
        ports,
        mounts,
        tmpfs: vec!["/run".to_string(), "/tmp".to_string()],
        volumes: vec![VolumeSpec {
            container_path: "/var".to_string(),
        }],
        security: Some(security),
        restart_unless_stopped: true,
        stop_signal: Some(SYSTEMD_STOP_SIGNAL.to_string()),
        stop_timeout_secs: Some(NODE_STOP_TIMEOUT_SECS),
        private_cgroup_namespace: true,
        ..Default::default()
    }
}

pub fn api_port(plan: &ClusterPlan) -> PortSpec {
    PortSpec {
        container_port: API_SERVER_PORT,
        host_port: Some(plan.api_server.host_port),
        host_ip: plan.api_server.host_address.to_string(),
        protocol: "tcp".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::plan::{PlanInputs, plan};
    use crate::config::{Cluster, Mount, Node, PortMapping, Protocol, Role};

    fn two_node_plan() -> ClusterPlan {
        let mut c = Cluster::default_named("dev");
        let mut worker = Node::new(Role::Worker);
        worker.extra_port_mappings.push(PortMapping {
            container_port: 30080,
            host_port: Some(8080),
            listen_address: "127.0.0.1".parse().unwrap(),
            protocol: Protocol::Tcp,
        });
        worker.extra_mounts.push(Mount {
            host_path: "/srv/data".into(),
            container_path: "/data".into(),
            read_only: false,
            propagation: Propagation::HostToContainer,
        });
        c.nodes.push(worker);
        plan(
            &c,
            &PlanInputs {
                subnets_in_use: vec![],
                free_api_port: 40123,
                default_image: "devk/node:v1.36.2".into(),
            },
        )
        .unwrap()
    }

    #[test]
    fn the_control_plane_publishes_the_api_and_workers_their_mappings() {
        let p = two_node_plan();
        let cp = node_spec(&p, &p.nodes[0], SecurityMode::Restricted, false);
        assert_eq!(cp.ports, vec![api_port(&p)]);
        assert_eq!(cp.ports[0].host_port, Some(40123));
        assert_eq!(cp.ports[0].host_ip, "127.0.0.1");
        let worker = node_spec(&p, &p.nodes[1], SecurityMode::Restricted, true);
        assert_eq!(worker.ports.len(), 1);
        assert_eq!(worker.ports[0].container_port, 30080);
        assert_eq!(worker.mounts[0].propagation.as_deref(), Some("rslave"));
        assert!(
            worker
                .mounts
                .iter()
                .any(|m| m.container_path == "/lib/modules" && m.read_only)
        );
    }

    #[test]
    fn nodes_are_systemd_containers_labelled_with_their_cluster() {
        let p = two_node_plan();
        let spec = node_spec(&p, &p.nodes[1], SecurityMode::Privileged, false);
        assert_eq!(spec.labels[labels::CLUSTER], "dev");
        assert_eq!(spec.labels[labels::ROLE], "worker");
        assert_eq!(spec.ipv4, Some(p.nodes[1].ip));
        assert_eq!(spec.hostname, "dev-worker");
        assert!(
            spec.tmpfs.contains(&"/run".to_string()) && spec.tmpfs.contains(&"/tmp".to_string())
        );
        assert_eq!(spec.volumes[0].container_path, "/var");
        assert!(spec.private_cgroup_namespace && spec.restart_unless_stopped);
        assert_eq!(spec.stop_signal.as_deref(), Some(SYSTEMD_STOP_SIGNAL));
        assert_eq!(spec.security, Some(SecurityMode::Privileged));
    }
}
