//! What each node runs, as files devk writes before the node boots: the
//! component flags (one environment file per unit; a unit starts only where
//! its file exists), component configs, certificates and kubeconfigs, the
//! containerd config and the pod network's data. No kubeadm: devk writes the
//! flags itself, which is what makes it fast and offline.

mod containerd;
mod control_plane;
mod coredns;
mod flags;
mod host;
mod node_agents;
pub mod versions;

pub use containerd::{CNI_BIN_DIR, CNI_CONF_DIR, CONFIG_PATH as CONTAINERD_CONFIG};
pub use control_plane::{ETCD_CLIENT_PORT, ETCD_DATA_DIR};
pub use coredns::{COREFILE, DNS_PORT, READY_PORT};
pub use flags::Flags;
pub use host::HostFacts;
pub use node_agents::{CONTROL_PLANE_TAINT_KEY, KUBE_PROXY_CONFIG, KUBELET_CONFIG};

use std::collections::BTreeMap;

use crate::cluster::plan::{API_SERVER_PORT, ClusterPlan, NodePlan};
use crate::config::Role;
use crate::engine::FileEntry;
use crate::network;
use crate::nodeimage::KubeVersion;
use crate::pki::{self, ApiServers, ClusterPki, PkiError};

/// Where each unit's flags live: `/etc/devk/<unit>.env`.
pub fn env_path(unit: &str) -> String {
    format!("/etc/devk/{unit}.env")
}

/// Metadata about the node devk created, for day-two commands.
pub const NODE_METADATA: &str = "/etc/devk/node.json";

/// The MTU of the pod network's veths: the cluster bridge's.
pub const POD_MTU: u32 = 1500;

/// Everything one node's files depend on.
pub struct NodeContext<'a> {
    pub plan: &'a ClusterPlan,
    pub node: &'a NodePlan,
    pub host: &'a HostFacts,
    pub version: &'a KubeVersion,
}

/// The units a node of this role runs (and so the journals worth reading).
pub fn units_for(role: Role, plan: &ClusterPlan) -> Vec<&'static str> {
    let mut units = vec!["containerd", "kubelet"];
    if plan.kube_proxy_mode != crate::config::KubeProxyMode::None {
        units.push("kube-proxy");
    }
    if role == Role::ControlPlane {
        units.extend([
            "etcd",
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
            "coredns",
        ]);
    }
    units
}

fn text(path: &str, contents: impl Into<String>) -> FileEntry {
    FileEntry::new(path, contents.into().into_bytes(), 0o644)
}

fn json_file(path: &str, value: &serde_json::Value) -> FileEntry {
    let mut body = serde_json::to_string_pretty(value).unwrap_or_default();
    body.push('\n');
    text(path, body)
}

fn from_pki(files: Vec<pki::PkiFile>) -> impl Iterator<Item = FileEntry> {
    files
        .into_iter()
        .map(|f| FileEntry::new(f.path, f.contents, f.mode))
}

/// What every node needs to run containers at all, Kubernetes or not: the
/// containerd config and the pod network's data.
pub fn runtime_files(plan: &ClusterPlan, node: &NodePlan, host: &HostFacts) -> Vec<FileEntry> {
    let mut files = vec![text(containerd::CONFIG_PATH, containerd::config(host))];

    if !plan.disable_default_cni {
        files.push(json_file(
            network::CNI_CONFLIST_PATH,
            &network::conflist(node.pod_cidr, POD_MTU),
        ));
    }
    let peers: Vec<_> = if plan.disable_default_cni {
        Vec::new()
    } else {
        plan.nodes.iter().map(|n| (n.ip, n.pod_cidr)).collect()
    };
    files.push(text(
        network::ROUTES_PATH,
        network::routes_batch(node.ip, &peers),
    ));
    files.push(text(
        network::MASQUERADE_RULES_PATH,
        network::masquerade_rules(plan.pod_subnet),
    ));
    files
}

/// The files of one node.
pub fn node_files(ctx: &NodeContext, pki: &ClusterPki) -> Result<Vec<FileEntry>, PkiError> {
    let node = ctx.node;
    let plan = ctx.plan;
    let is_cp = node.role == Role::ControlPlane;
    let mut files = runtime_files(plan, node, ctx.host);

    files.extend(from_pki(pki::node_files(pki, &node.name, is_cp)?));
    let servers = ApiServers {
        local: format!("https://{}:{API_SERVER_PORT}", node.ip),
        cluster: plan.api_server.internal_endpoint.clone(),
    };
    files.extend(from_pki(pki::node_kubeconfigs(
        pki, &node.name, is_cp, &servers,
    )?));

    files.push(json_file(
        node_agents::KUBELET_CONFIG,
        &node_agents::kubelet_config(ctx),
    ));
    files.push(text(
        &env_path("kubelet"),
        node_agents::kubelet_flags(ctx).env_file(),
    ));
    if let Some(config) = node_agents::kube_proxy_config(ctx) {
        files.push(json_file(node_agents::KUBE_PROXY_CONFIG, &config));
        files.push(text(
            &env_path("kube-proxy"),
            node_agents::kube_proxy_flags(ctx).env_file(),
        ));
    }

    if is_cp {
        files.push(text(&env_path("etcd"), control_plane::etcd(ctx).env_file()));
        files.push(text(
            &env_path("kube-apiserver"),
            control_plane::kube_apiserver(ctx).env_file(),
        ));
        files.push(text(
            &env_path("kube-controller-manager"),
            control_plane::kube_controller_manager(ctx).env_file(),
        ));
        files.push(text(
            &env_path("kube-scheduler"),
            control_plane::kube_scheduler(ctx).env_file(),
        ));
        files.push(text(coredns::COREFILE, coredns::corefile(ctx)));
        files.push(text(&env_path("coredns"), coredns::flags().env_file()));
    }

    files.push(json_file(
        NODE_METADATA,
        &serde_json::json!({
            "cluster": plan.name,
            "node": node.name,
            "role": node.role,
            "ip": node.ip.to_string(),
            "podCIDR": node.pod_cidr.to_string(),
            "kubernetes": ctx.version.to_string(),
            "units": units_for(node.role, plan),
        }),
    ));
    Ok(files)
}

/// The files of every node, by node name.
pub fn cluster_files(
    plan: &ClusterPlan,
    pki: &ClusterPki,
    host: &HostFacts,
    version: &KubeVersion,
) -> Result<BTreeMap<String, Vec<FileEntry>>, PkiError> {
    plan.nodes
        .iter()
        .map(|node| {
            let ctx = NodeContext {
                plan,
                node,
                host,
                version,
            };
            node_files(&ctx, pki).map(|f| (node.name.clone(), f))
        })
        .collect()
}

/// The PKI inputs a plan implies.
pub fn pki_inputs(plan: &ClusterPlan) -> pki::PkiInputs<'_> {
    let identity = |n: &NodePlan| pki::NodeIdentity {
        name: n.name.clone(),
        ip: n.ip,
    };
    let mut extra = Vec::new();
    if let Some(b) = &plan.balancer {
        extra.push(b.name.clone());
        extra.push(b.ip.to_string());
    }
    pki::PkiInputs {
        cluster_name: &plan.name,
        dns_domain: &plan.dns_domain,
        first_service_ip: plan.kubernetes_service_ip,
        api_server_address: plan.api_server.host_address,
        extra_api_sans: extra,
        control_planes: plan.control_planes().map(identity).collect(),
        nodes: plan.nodes.iter().map(identity).collect(),
    }
}

#[cfg(test)]
mod tests;
