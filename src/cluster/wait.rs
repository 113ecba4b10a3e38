//! Waiting until a cluster is usable: the API answering, every node
//! registered (then labelled) and Ready, DNS answering through its Service.
//! Health endpoints and watches, never fixed sleeps; a timeout names what is
//! not ready and shows the relevant component's last log lines.
//!
//! The waits take a [`WaitTarget`]: the few facts they need, which `create`
//! takes from its plan and `devk start` reads back from a running cluster.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::watcher;
use serde_json::json;

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::ClusterError;
use super::plan::ClusterPlan;
use crate::config::Role;
use crate::engine::Engine;
use crate::kube::{KubeError, get_text};

/// How often health endpoints are asked while waiting.
const POLL: Duration = Duration::from_millis(200);

/// A time budget shared by consecutive waits (`--wait 5m` covers them all).
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    at: Instant,
    budget: Duration,
}

impl Deadline {
    pub fn after(budget: Duration) -> Deadline {
        Deadline {
            at: Instant::now() + budget,
            budget,
        }
    }
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }
    pub fn expired(&self) -> bool {
        Instant::now() >= self.at
    }
    pub fn budget(&self) -> Duration {
        self.budget
    }
}

/// What the waits need to know about a cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitTarget {
    /// Where devk execs its checks and reads the control plane's journals.
    pub primary_control_plane: String,
    pub nodes: Vec<WaitNode>,
    /// `kubernetes.default.svc.<domain>` is resolved through this server...
    pub dns_domain: String,
    pub dns_service_ip: Ipv4Addr,
    /// ...and must answer this address.
    pub kubernetes_service_ip: Ipv4Addr,
    /// A node counts as Ready only with a heartbeat at or after this Unix
    /// time: after a restart the API still shows the Ready of before the
    /// stop until the kubelet reports again. None: any Ready counts.
    pub ready_since_unix: Option<i64>,
}

/// One node the waits expect to register.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitNode {
    pub name: String,
    /// Given to the Node when it has none yet.
    pub pod_cidr: Ipv4Net,
    /// Put on the Node (added, never removed).
    pub labels: BTreeMap<String, String>,
}

impl WaitTarget {
    fn node(&self, name: &str) -> Option<&WaitNode> {
        self.nodes.iter().find(|n| n.name == name)
    }
}

impl From<&ClusterPlan> for WaitTarget {
    fn from(plan: &ClusterPlan) -> WaitTarget {
        WaitTarget {
            primary_control_plane: plan.primary_control_plane().name.clone(),
            nodes: plan
                .nodes
                .iter()
                .map(|n| WaitNode {
                    name: n.name.clone(),
                    pod_cidr: n.pod_cidr,
                    labels: node_labels(plan, &n.name),
                })
                .collect(),
            dns_domain: plan.dns_domain.clone(),
            dns_service_ip: plan.dns_service_ip,
            kubernetes_service_ip: plan.kubernetes_service_ip,
            ready_since_unix: None,
        }
    }
}

impl From<&WaitTarget> for WaitTarget {
    fn from(target: &WaitTarget) -> WaitTarget {
        target.clone()
    }
}

/// The last lines of a unit's journal on a node, for timeout messages.
pub async fn unit_log_tail(engine: &Engine, node: &str, unit: &str, lines: usize) -> String {
    let n = lines.to_string();
    engine
        .exec(
            node,
            &[
                "journalctl",
                "-u",
                unit,
                "--no-pager",
                "-o",
                "cat",
                "-n",
                &n,
            ],
        )
        .await
        .map(|o| o.stdout_str())
        .unwrap_or_default()
}

fn timeout_error(what: &str, deadline: Deadline, details: String) -> ClusterError {
    ClusterError::WaitTimeout {
        what: what.to_string(),
        after: crate::ui::format_duration(deadline.budget()),
        details,
    }
}

/// Wait for `/readyz` to answer `ok`.
pub async fn api_ready(
    engine: &Engine,
    target: impl Into<WaitTarget>,
    client: &kube::Client,
    deadline: Deadline,
) -> Result<(), ClusterError> {
    let target = target.into();
    loop {
        if let Ok(body) = get_text(client, "/readyz").await
            && body.trim() == "ok"
        {
            return Ok(());
        }
        if deadline.expired() {
            let cp = &target.primary_control_plane;
            let mut details = String::new();
            for unit in ["etcd", "kube-apiserver"] {
                details.push_str(&format!(
                    "\n--- {unit} on {cp} (last lines) ---\n{}",
                    unit_log_tail(engine, cp, unit, 15).await
                ));
            }
            return Err(timeout_error(
                "the API server to be ready",
                deadline,
                details,
            ));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The labels devk puts on a node: its role (the kubelet may not set
/// `node-role.kubernetes.io/*` itself) and the user's.
pub fn node_labels(plan: &ClusterPlan, node: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    if let Some(n) = plan.node(node) {
        if n.role == Role::ControlPlane {
            labels.insert(
                "node-role.kubernetes.io/control-plane".to_string(),
                String::new(),
            );
        }
        labels.extend(n.labels.clone());
    }
    labels
}

/// Ready, and (with `since`) reported Ready at or after that Unix time.
/// Taints the node lifecycle controller keeps until it has seen the node
/// Ready: pods cannot schedule before they go, so a node is not usable yet.
const LIFECYCLE_TAINTS: &[&str] = &[
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
];

fn is_ready(node: &Node, since: Option<i64>) -> bool {
    let tainted = node
        .spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .is_some_and(|ts| {
            ts.iter()
                .any(|t| LIFECYCLE_TAINTS.contains(&t.key.as_str()))
        });
    !tainted
        && node
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| {
                cs.iter().any(|c| {
                    c.type_ == "Ready"
                        && c.status == "True"
                        && since.is_none_or(|since| {
                            c.last_heartbeat_time
                                .as_ref()
                                .is_some_and(|t| t.0.as_second() >= since)
                        })
                })
            })
}

/// Watch Nodes: label each of ours (and give it its planned pod CIDR) as it
/// registers, and return once every node is registered and, when
/// `want_ready`, Ready.
pub async fn nodes(
    engine: &Engine,
    target: impl Into<WaitTarget>,
    client: &kube::Client,
    want_ready: bool,
    deadline: Deadline,
) -> Result<(), ClusterError> {
    let target = target.into();
    let api: Api<Node> = Api::all(client.clone());
    let mut configured: BTreeMap<String, bool> = BTreeMap::new();
    let mut ready: BTreeMap<String, bool> = BTreeMap::new();
    let done = |configured: &BTreeMap<String, bool>, ready: &BTreeMap<String, bool>| {
        target.nodes.iter().all(|n| {
            configured.get(&n.name).copied().unwrap_or(false)
                && (!want_ready || ready.get(&n.name).copied().unwrap_or(false))
        })
    };
    let mut stream = watcher(api.clone(), watcher::Config::default()).boxed();
    loop {
        let remaining = deadline.remaining();
        let event = match tokio::time::timeout(remaining, stream.next()).await {
            Ok(Some(event)) => event,
            Ok(None) => break,
            Err(_) => break,
        };
        let nodes: Vec<Node> = match event {
            Ok(watcher::Event::Apply(n)) | Ok(watcher::Event::InitApply(n)) => vec![n],
            Ok(_) => continue,
            // The watch restarts by itself; a transient error is not fatal.
            Err(_) => continue,
        };
        for node in nodes {
            let Some(name) = node.metadata.name.clone() else {
                continue;
            };
            let Some(planned) = target.node(&name) else {
                continue;
            };
            if !configured.get(&name).copied().unwrap_or(false) {
                configure_node(&api, planned, &node).await?;
                configured.insert(name.clone(), true);
            }
            ready.insert(name.clone(), is_ready(&node, target.ready_since_unix));
        }
        if done(&configured, &ready) {
            return Ok(());
        }
    }
    // Timed out: name the nodes that are missing or not Ready.
    let mut details = String::new();
    for n in &target.nodes {
        let state = if !configured.get(&n.name).copied().unwrap_or(false) {
            "not registered"
        } else if !ready.get(&n.name).copied().unwrap_or(false) {
            "not Ready"
        } else {
            continue;
        };
        details.push_str(&format!(
            "\n--- {} is {state}; kubelet (last lines) ---\n{}",
            n.name,
            unit_log_tail(engine, &n.name, "kubelet", 15).await
        ));
    }
    Err(timeout_error(
        if want_ready {
            "every node to be Ready"
        } else {
            "every node to register"
        },
        deadline,
        details,
    ))
}

async fn configure_node(
    api: &Api<Node>,
    planned: &WaitNode,
    node: &Node,
) -> Result<(), ClusterError> {
    let name = node.metadata.name.clone().unwrap_or_default();
    let pod_cidr = planned.pod_cidr.to_string();
    let mut patch = json!({ "metadata": { "labels": planned.labels } });
    // spec.podCIDR can be set once; after a restart it is already there.
    let has_cidr = node
        .spec
        .as_ref()
        .and_then(|s| s.pod_cidr.as_ref())
        .is_some();
    if !has_cidr {
        patch["spec"] = json!({ "podCIDR": pod_cidr, "podCIDRs": [pod_cidr] });
    }
    api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .map_err(KubeError::api(format!("labelling node {name}")))?;
    Ok(())
}

/// Resolve `kubernetes.default` through the DNS Service address from the
/// primary control plane, which exercises kube-proxy's rules, the
/// EndpointSlice and CoreDNS.
pub async fn dns(
    engine: &Engine,
    target: impl Into<WaitTarget>,
    deadline: Deadline,
) -> Result<(), ClusterError> {
    let target = target.into();
    let node = &target.primary_control_plane;
    let name = format!("kubernetes.default.svc.{}", target.dns_domain);
    let server = target.dns_service_ip.to_string();
    let want = target.kubernetes_service_ip.to_string();
    loop {
        if let Ok(out) = engine
            .exec(node, &["busybox", "nslookup", &name, &server])
            .await
            && out.success()
            && out.stdout_str().contains(&want)
        {
            return Ok(());
        }
        if deadline.expired() {
            let details = format!(
                "\n--- coredns on {node} (last lines) ---\n{}\n--- kube-proxy on {node} (last lines) ---\n{}",
                unit_log_tail(engine, node, "coredns", 15).await,
                unit_log_tail(engine, node, "kube-proxy", 15).await
            );
            return Err(timeout_error("cluster DNS to answer", deadline, details));
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{NodeCondition, NodeStatus};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    fn node_with_ready(status: &str, heartbeat_unix: i64) -> Node {
        Node {
            status: Some(NodeStatus {
                conditions: Some(vec![NodeCondition {
                    type_: "Ready".to_string(),
                    status: status.to_string(),
                    last_heartbeat_time: Some(Time(
                        k8s_openapi::jiff::Timestamp::from_second(heartbeat_unix).unwrap(),
                    )),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_ready_from_before_the_restart_does_not_count() {
        let cases = [
            ("True", 1000, None, true),
            ("False", 1000, None, false),
            ("True", 1000, Some(1000), true),
            ("True", 999, Some(1000), false),
            ("False", 2000, Some(1000), false),
        ];
        for (status, heartbeat, since, want) in cases {
            assert_eq!(
                is_ready(&node_with_ready(status, heartbeat), since),
                want,
                "{status} at {heartbeat}, since {since:?}"
            );
        }
    }

    #[test]
    fn a_node_still_tainted_not_ready_is_not_usable_yet() {
        let mut node = node_with_ready("True", 1000);
        node.spec = Some(k8s_openapi::api::core::v1::NodeSpec {
            taints: Some(vec![k8s_openapi::api::core::v1::Taint {
                key: "node.kubernetes.io/not-ready".to_string(),
                effect: "NoSchedule".to_string(),
                ..Default::default()
            }]),
            ..Default::default()
        });
        assert!(!is_ready(&node, None));
        // The control plane's own taint is the user's business, not readiness.
        node.spec.as_mut().unwrap().taints.as_mut().unwrap()[0].key =
            "node-role.kubernetes.io/control-plane".to_string();
        assert!(is_ready(&node, None));
    }

    #[test]
    fn the_target_of_a_plan_labels_control_planes() {
        let mut config = crate::config::Cluster::default_named("w");
        config
            .nodes
            .push(crate::config::Node::new(crate::config::Role::Worker));
        let plan = crate::cluster::plan::plan(
            &config,
            &crate::cluster::plan::PlanInputs {
                subnets_in_use: vec![],
                free_api_port: 40000,
                default_image: "img".into(),
            },
        )
        .unwrap();
        let target = WaitTarget::from(&plan);
        assert_eq!(target.primary_control_plane, "w-control-plane");
        assert_eq!(target.nodes.len(), 2);
        assert!(
            target.nodes[0]
                .labels
                .contains_key("node-role.kubernetes.io/control-plane")
        );
        assert!(target.nodes[1].labels.is_empty());
        assert_eq!(target.dns_service_ip, plan.dns_service_ip);
        assert_eq!(target.ready_since_unix, None);
    }
}
