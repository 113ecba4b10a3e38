//! `devk stop` and `devk start`: the node containers (and the balancer)
//! stopped and started in parallel. Everything a node needs lives in its
//! /var volume and /etc, and nodes keep their static addresses, so a
//! started cluster is the same cluster; start waits until it is usable
//! again (API, every node Ready since the start, DNS).

use std::time::{Duration, Instant};

use serde::Serialize;

use super::existing::{self, ExistingCluster, NodeMetadata};
use super::wait::{self, Deadline, WaitNode, WaitTarget};
use super::{ClusterError, Phase, boot};
use crate::bootstrap::{KUBELET_CONFIG, env_path};
use crate::engine::Engine;
use crate::ui::Ui;

/// Grace the engine gives a node before killing it: the node's own stop
/// timeout (systemd's unit timeouts are below it; nodes take ~2 s).
pub const NODE_STOP_GRACE_SECS: i32 = super::NODE_STOP_TIMEOUT_SECS as i32;
/// haproxy stops at once.
const BALANCER_STOP_GRACE_SECS: i32 = 2;
/// systemd in a started node is up in seconds; this bounds a broken one.
const BOOT_TIMEOUT: Duration = Duration::from_secs(90);

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StopReport {
    /// Containers that were running and are now stopped.
    pub stopped: Vec<String>,
    /// Containers that were not running already.
    pub already_stopped: Vec<String>,
    #[serde(serialize_with = "secs")]
    pub total: Duration,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartReport {
    pub started: Vec<String>,
    pub already_running: Vec<String>,
    pub phases: Vec<Phase>,
    #[serde(serialize_with = "secs")]
    pub total: Duration,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Stop every container of the cluster at once.
pub async fn stop(engine: &Engine, name: &str) -> Result<StopReport, ClusterError> {
    let started = Instant::now();
    let cluster = ExistingCluster::find(engine, name).await?;
    let (running, already_stopped): (Vec<_>, Vec<_>) = cluster
        .containers()
        .partition(|c| ExistingCluster::is_running(c));
    let stops = running.iter().map(|c| {
        let grace = if c.role == existing::ROLE_BALANCER {
            BALANCER_STOP_GRACE_SECS
        } else {
            NODE_STOP_GRACE_SECS
        };
        engine.stop_container(&c.name, grace)
    });
    futures::future::try_join_all(stops).await?;
    Ok(StopReport {
        stopped: running.iter().map(|c| c.name.clone()).collect(),
        already_stopped: already_stopped.iter().map(|c| c.name.clone()).collect(),
        total: started.elapsed(),
    })
}

/// Start every stopped container of the cluster, wait for each node's
/// systemd, then (unless `wait` is zero) until the cluster is usable.
pub async fn start(
    engine: &Engine,
    ui: &Ui,
    name: &str,
    wait: Duration,
) -> Result<StartReport, ClusterError> {
    let begun = Instant::now();
    let mut phases = Vec::new();
    let cluster = ExistingCluster::find(engine, name).await?;
    let (running, stopped): (Vec<_>, Vec<_>) = cluster
        .containers()
        .partition(|c| ExistingCluster::is_running(c));

    let step = ui.step(format!(
        "Starting {} container{}",
        stopped.len(),
        if stopped.len() == 1 { "" } else { "s" }
    ));
    // Heartbeats are whole seconds: a Ready from this second on is new.
    let since = unix_now() - 1;
    futures::future::try_join_all(stopped.iter().map(|c| engine.start_container(&c.name))).await?;
    futures::future::try_join_all(
        cluster
            .nodes
            .iter()
            .map(|n| boot::wait_for_systemd(engine, &n.name, BOOT_TIMEOUT)),
    )
    .await?;
    phases.push(phase("boot", step.done()));

    if !wait.is_zero() {
        let deadline = Deadline::after(wait);
        let step = ui.step("Waiting for the API server");
        let client = existing::admin_client(engine, &cluster).await?;
        let mut target = wait_target(engine, &cluster).await?;
        // Nodes that kept running keep their Ready; restarted ones must
        // report again.
        target.ready_since_unix = (!stopped.is_empty()).then_some(since);
        wait::api_ready(engine, &target, &client, deadline).await?;
        phases.push(phase("api", step.done()));

        let step = ui.step("Waiting for nodes to be Ready");
        wait::nodes(engine, &target, &client, true, deadline).await?;
        phases.push(phase("ready", step.done()));

        let step = ui.step("Waiting for DNS");
        wait::dns(engine, &target, deadline).await?;
        phases.push(phase("dns", step.done()));
    }
    Ok(StartReport {
        started: stopped.iter().map(|c| c.name.clone()).collect(),
        already_running: running.iter().map(|c| c.name.clone()).collect(),
        phases,
        total: begun.elapsed(),
    })
}

fn phase(name: &str, duration: Duration) -> Phase {
    Phase {
        name: name.to_string(),
        duration,
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// What the waits need, read back from the nodes (running or not): each
/// node's name, pod CIDR and role (node.json), the DNS address and domain
/// (the primary control plane's kubelet config) and the `kubernetes`
/// Service address (the first of the API server's service range).
pub async fn wait_target(
    engine: &Engine,
    cluster: &ExistingCluster,
) -> Result<WaitTarget, ClusterError> {
    let cp = &cluster.primary_control_plane()?.name;
    let metadata = futures::future::try_join_all(
        cluster
            .nodes
            .iter()
            .map(|n| existing::node_metadata(engine, &n.name)),
    )
    .await?;
    let kubelet = engine.read_file(cp, KUBELET_CONFIG).await?;
    let flags = engine.read_file(cp, &env_path("kube-apiserver")).await?;
    target_from_files(cp, metadata, &kubelet, &flags)
}

/// The waits' target from what create wrote into the nodes: node.json of
/// each node, the primary control plane's kubelet config and API server
/// flags.
pub fn target_from_files(
    primary_control_plane: &str,
    metadata: Vec<NodeMetadata>,
    kubelet_config: &[u8],
    apiserver_env: &[u8],
) -> Result<WaitTarget, ClusterError> {
    let unreadable = |path: String| {
        let what = format!("{primary_control_plane}:{path}");
        move |message| ClusterError::Node { what, message }
    };
    let (dns_service_ip, dns_domain) =
        cluster_dns_of(kubelet_config).map_err(unreadable(KUBELET_CONFIG.to_string()))?;
    let kubernetes_service_ip =
        kubernetes_service_ip_of(apiserver_env).map_err(unreadable(env_path("kube-apiserver")))?;
    Ok(WaitTarget {
        primary_control_plane: primary_control_plane.to_string(),
        nodes: metadata
            .into_iter()
            .map(|m| WaitNode {
                labels: role_labels(&m.role),
                name: m.node,
                pod_cidr: m.pod_cidr,
            })
            .collect(),
        dns_domain,
        dns_service_ip,
        kubernetes_service_ip,
        ready_since_unix: None,
    })
}

/// The role label devk gives control planes; user labels were set at
/// create and stay on the Node objects.
fn role_labels(role: &str) -> std::collections::BTreeMap<String, String> {
    let mut labels = std::collections::BTreeMap::new();
    if role == existing::ROLE_CONTROL_PLANE {
        labels.insert(
            "node-role.kubernetes.io/control-plane".to_string(),
            String::new(),
        );
    }
    labels
}

/// `clusterDNS[0]` and `clusterDomain` of a kubelet config.
pub fn cluster_dns_of(kubelet_config: &[u8]) -> Result<(std::net::Ipv4Addr, String), String> {
    // devk writes JSON; YAML parses it too, and a hand-edited file.
    let value: serde_json::Value = serde_saphyr::from_str(&String::from_utf8_lossy(kubelet_config))
        .map_err(|e| e.to_string())?;
    let ip = value
        .pointer("/clusterDNS/0")
        .and_then(|v| v.as_str())
        .ok_or("no clusterDNS")?
        .parse()
        .map_err(|e| format!("clusterDNS: {e}"))?;
    let domain = value
        .get("clusterDomain")
        .and_then(|v| v.as_str())
        .unwrap_or(super::plan::DNS_DOMAIN)
        .to_string();
    Ok((ip, domain))
}

/// The first address of `--service-cluster-ip-range` in the API server's
/// flags file: the `kubernetes` Service's address.
pub fn kubernetes_service_ip_of(env_file: &[u8]) -> Result<std::net::Ipv4Addr, String> {
    const FLAG: &str = "--service-cluster-ip-range=";
    let text = String::from_utf8_lossy(env_file);
    // `DEVK_ARGS=--a=b --service-cluster-ip-range=...`: the flag may be the first.
    let range = text
        .split_whitespace()
        .find_map(|arg| arg.split_once(FLAG).map(|(_, value)| value))
        .ok_or("no --service-cluster-ip-range")?;
    // Dual-stack ranges list IPv4 first.
    let first = range.split(',').next().unwrap_or(range);
    let net: ipnet::Ipv4Net = first
        .parse()
        .map_err(|e| format!("--service-cluster-ip-range={range}: {e}"))?;
    Ok(super::plan::nth_address(net, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_read_back_from_the_nodes_files_is_the_plans() {
        use crate::bootstrap::{self, HostFacts, NODE_METADATA};
        use crate::config::{Cluster, Node, Role};
        let mut config = Cluster::default_named("rt");
        config.nodes = vec![Node::new(Role::ControlPlane), Node::new(Role::Worker)];
        config.networking.service_subnet = "10.100.0.0/16".parse().unwrap();
        let plan = crate::cluster::plan::plan(
            &config,
            &crate::cluster::plan::PlanInputs {
                subnets_in_use: vec![],
                free_api_port: 40000,
                default_image: "img".into(),
            },
        )
        .unwrap();
        let pki = crate::pki::ClusterPki::generate(&bootstrap::pki_inputs(&plan)).unwrap();
        let version = crate::nodeimage::KubeVersion::parse("v1.36.2").unwrap();
        let host = HostFacts {
            cgroup_v1: false,
            restricted: false,
        };
        let files = bootstrap::cluster_files(&plan, &pki, &host, &version).unwrap();
        let read = |node: &str, path: &str| -> Vec<u8> {
            files[node]
                .iter()
                .find(|f| f.path == path)
                .unwrap_or_else(|| panic!("{node} has no {path}"))
                .contents
                .clone()
        };
        let metadata = plan
            .nodes
            .iter()
            .map(|n| serde_json::from_slice(&read(&n.name, NODE_METADATA)).unwrap())
            .collect();
        let cp = &plan.primary_control_plane().name;
        let target = target_from_files(
            cp,
            metadata,
            &read(cp, KUBELET_CONFIG),
            &read(cp, &env_path("kube-apiserver")),
        )
        .unwrap();
        assert_eq!(target, WaitTarget::from(&plan));
        assert_eq!(target.kubernetes_service_ip.to_string(), "10.100.0.1");
    }

    #[test]
    fn cluster_dns_comes_from_the_kubelet_config() {
        type Want<'a> = Result<(&'a str, &'a str), &'a str>;
        let cases: [(&str, Want); 4] = [
            (
                r#"{"clusterDNS":["10.96.0.10"],"clusterDomain":"cluster.local"}"#,
                Ok(("10.96.0.10", "cluster.local")),
            ),
            (
                r#"{"clusterDNS":["10.0.0.10"]}"#,
                Ok(("10.0.0.10", "cluster.local")),
            ),
            (r#"{"clusterDomain":"x"}"#, Err("no clusterDNS")),
            (r#"{"clusterDNS":["nope"]}"#, Err("clusterDNS:")),
        ];
        for (text, want) in cases {
            let got = cluster_dns_of(text.as_bytes());
            match (got, want) {
                (Ok((ip, domain)), Ok((want_ip, want_domain))) => {
                    assert_eq!(
                        (ip.to_string().as_str(), domain.as_str()),
                        (want_ip, want_domain)
                    )
                }
                (Err(e), Err(want)) => assert!(e.contains(want), "{e}"),
                (got, want) => panic!("{text}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn only_control_planes_get_the_role_label() {
        assert!(role_labels("control-plane").contains_key("node-role.kubernetes.io/control-plane"));
        assert!(role_labels("worker").is_empty());
    }

    #[test]
    fn the_kubernetes_service_is_the_first_address_of_the_service_range() {
        let cases = [
            (
                "DEVK_ARGS=--a=b --service-cluster-ip-range=10.96.0.0/16 --c",
                Ok("10.96.0.1"),
            ),
            (
                "DEVK_ARGS=--service-cluster-ip-range=10.0.0.0/24,fd00::/108",
                Ok("10.0.0.1"),
            ),
            (
                "DEVK_ARGS=--secure-port=6443",
                Err("no --service-cluster-ip-range"),
            ),
            ("DEVK_ARGS=--service-cluster-ip-range=x", Err("=x:")),
        ];
        for (text, want) in cases {
            match (kubernetes_service_ip_of(text.as_bytes()), want) {
                (Ok(ip), Ok(want)) => assert_eq!(ip.to_string(), want),
                (Err(e), Err(want)) => assert!(e.contains(want), "{e}"),
                (got, want) => panic!("{text}: got {got:?}, want {want:?}"),
            }
        }
    }
}
