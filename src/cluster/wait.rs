//! Waiting until a new cluster is usable: the API answering, every node
//! registered (then labelled) and Ready, DNS answering through its Service.
//! Health endpoints and watches, never fixed sleeps; a timeout names what is
//! not ready and shows the relevant component's last log lines.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::watcher;
use serde_json::json;

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
    plan: &ClusterPlan,
    client: &kube::Client,
    deadline: Deadline,
) -> Result<(), ClusterError> {
    loop {
        if let Ok(body) = get_text(client, "/readyz").await
            && body.trim() == "ok"
        {
            return Ok(());
        }
        if deadline.expired() {
            let cp = &plan.primary_control_plane().name;
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

fn is_ready(node: &Node) -> bool {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// Watch Nodes: label each of ours (and give it its planned pod CIDR) as it
/// registers, and return once every node is registered and, when
/// `want_ready`, Ready.
pub async fn nodes(
    engine: &Engine,
    plan: &ClusterPlan,
    client: &kube::Client,
    want_ready: bool,
    deadline: Deadline,
) -> Result<(), ClusterError> {
    let api: Api<Node> = Api::all(client.clone());
    let mut configured: BTreeMap<String, bool> = BTreeMap::new();
    let mut ready: BTreeMap<String, bool> = BTreeMap::new();
    let done = |configured: &BTreeMap<String, bool>, ready: &BTreeMap<String, bool>| {
        plan.nodes.iter().all(|n| {
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
            let Some(planned) = plan.node(&name) else {
                continue;
            };
            if !configured.get(&name).copied().unwrap_or(false) {
                configure_node(&api, plan, &node, planned.pod_cidr.to_string()).await?;
                configured.insert(name.clone(), true);
            }
            ready.insert(name.clone(), is_ready(&node));
        }
        if done(&configured, &ready) {
            return Ok(());
        }
    }
    // Timed out: name the nodes that are missing or not Ready.
    let mut details = String::new();
    for n in &plan.nodes {
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
    plan: &ClusterPlan,
    node: &Node,
    pod_cidr: String,
) -> Result<(), ClusterError> {
    let name = node.metadata.name.clone().unwrap_or_default();
    let labels = node_labels(plan, &name);
    let mut patch = json!({ "metadata": { "labels": labels } });
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
    plan: &ClusterPlan,
    deadline: Deadline,
) -> Result<(), ClusterError> {
    let node = &plan.primary_control_plane().name;
    let name = format!("kubernetes.default.svc.{}", plan.dns_domain);
    let server = plan.dns_service_ip.to_string();
    let want = plan.kubernetes_service_ip.to_string();
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
