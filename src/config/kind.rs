//! Reading kind's `kind.x-k8s.io/v1alpha4` Cluster files: the fields devk can
//! honour are translated into the devk format; every other field kind has is
//! rejected by name with what to do instead, rather than silently ignored.
//! Fields kind itself does not have are unknown-field errors, as in devk files.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::error::Problem;
use super::file::{
    FileCluster, FileKubernetes, FileMount, FileNetworking, FileNode, FilePortMapping, PortValue,
};
use super::model::{KubeProxyMode, Propagation, Role};

pub(crate) const KIND_API_VERSION: &str = "kind.x-k8s.io/v1alpha4";

const NO_KUBEADM: &str =
    "devk does not use kubeadm; use kubernetes.extraArgs in a devk.dev/v1alpha1 config instead";
const NO_CONTAINERD_PATCHES: &str = "devk does not patch the nodes' containerd config; remove it (to get local images into the nodes, use `devk load image`)";

#[derive(Debug, Deserialize)]
#[serde(rename = "Cluster", rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct KindCluster {
    #[allow(dead_code)]
    pub api_version: Option<String>,
    #[allow(dead_code)]
    pub kind: Option<String>,
    pub name: Option<String>,
    pub nodes: Option<Vec<KindNode>>,
    pub networking: Option<KindNetworking>,
    pub feature_gates: Option<BTreeMap<String, bool>>,
    pub runtime_config: Option<BTreeMap<String, String>>,
    pub kubeadm_config_patches: Option<IgnoredAny>,
    #[serde(rename = "kubeadmConfigPatchesJSON6902")]
    pub kubeadm_config_patches_json6902: Option<IgnoredAny>,
    pub containerd_config_patches: Option<IgnoredAny>,
    #[serde(rename = "containerdConfigPatchesJSON6902")]
    pub containerd_config_patches_json6902: Option<IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(rename = "Node", rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct KindNode {
    pub role: Option<Role>,
    pub image: Option<String>,
    pub labels: Option<BTreeMap<String, String>>,
    pub extra_mounts: Option<Vec<KindMount>>,
    // kind's port mapping has exactly devk's fields.
    pub extra_port_mappings: Option<Vec<FilePortMapping>>,
    pub gpus: Option<IgnoredAny>,
    pub kubeadm_config_patches: Option<IgnoredAny>,
    #[serde(rename = "kubeadmConfigPatchesJSON6902")]
    pub kubeadm_config_patches_json6902: Option<IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(rename = "Mount", rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct KindMount {
    pub container_path: String,
    pub host_path: String,
    pub read_only: Option<bool>,
    pub selinux_relabel: Option<bool>,
    pub propagation: Option<Propagation>,
}

#[derive(Debug, Deserialize)]
#[serde(rename = "Networking", rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct KindNetworking {
    pub ip_family: Option<KindIpFamily>,
    pub api_server_port: Option<PortValue>,
    pub api_server_address: Option<IpAddr>,
    pub pod_subnet: Option<String>,
    pub service_subnet: Option<String>,
    #[serde(rename = "disableDefaultCNI")]
    pub disable_default_cni: Option<bool>,
    pub kube_proxy_mode: Option<KindProxyMode>,
    pub dns_search: Option<IgnoredAny>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum KindIpFamily {
    Ipv4,
    Ipv6,
    Dual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum KindProxyMode {
    Iptables,
    Ipvs,
    Nftables,
    None,
}

/// The devk file a kind file means, or every field devk cannot honour.
pub(crate) fn translate(kind: KindCluster) -> Result<FileCluster, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut reject = |present: bool, path: String, message: &str| {
        if present {
            problems.push(Problem::new(path, message));
        }
    };

    reject(
        kind.kubeadm_config_patches.is_some(),
        "kubeadmConfigPatches".into(),
        NO_KUBEADM,
    );
    reject(
        kind.kubeadm_config_patches_json6902.is_some(),
        "kubeadmConfigPatchesJSON6902".into(),
        NO_KUBEADM,
    );
    reject(
        kind.containerd_config_patches.is_some(),
        "containerdConfigPatches".into(),
        NO_CONTAINERD_PATCHES,
    );
    reject(
        kind.containerd_config_patches_json6902.is_some(),
        "containerdConfigPatchesJSON6902".into(),
        NO_CONTAINERD_PATCHES,
    );

    let mut nodes = None;
    if let Some(kind_nodes) = kind.nodes {
        let mut translated = Vec::with_capacity(kind_nodes.len());
        for (i, node) in kind_nodes.into_iter().enumerate() {
            let at = format!("nodes[{i}]");
            reject(
                node.gpus.is_some(),
                format!("{at}.gpus"),
                "devk does not pass GPUs to nodes yet; remove it",
            );
            reject(
                node.kubeadm_config_patches.is_some(),
                format!("{at}.kubeadmConfigPatches"),
                NO_KUBEADM,
            );
            reject(
                node.kubeadm_config_patches_json6902.is_some(),
                format!("{at}.kubeadmConfigPatchesJSON6902"),
                NO_KUBEADM,
            );
            let mounts = node.extra_mounts.map(|mounts| {
                mounts
                    .into_iter()
                    .enumerate()
                    .map(|(j, mount)| {
                        // `false` is what devk does anyway; only a request to relabel cannot be honoured.
                        reject(
                            mount.selinux_relabel == Some(true),
                            format!("{at}.extraMounts[{j}].selinuxRelabel"),
                            "devk does not relabel mounts for SELinux; relabel the host path yourself \
                             (chcon -Rt container_file_t PATH) and remove the field",
                        );
                        FileMount {
                            host_path: mount.host_path,
                            container_path: mount.container_path,
                            read_only: mount.read_only,
                            propagation: mount.propagation,
                        }
                    })
                    .collect()
            });
            let port_mappings = node.extra_port_mappings.map(|mappings| {
                mappings
                    .into_iter()
                    .map(|mut mapping| {
                        mapping.host_port = mapping.host_port.and_then(kind_random_port);
                        mapping
                    })
                    .collect()
            });
            translated.push(FileNode {
                role: node.role,
                image: node.image,
                labels: node.labels,
                extra_port_mappings: port_mappings,
                extra_mounts: mounts,
            });
        }
        // kind cannot tell `nodes: []` from no nodes, and defaults both.
        if !translated.is_empty() {
            nodes = Some(translated);
        }
    }

    let networking = kind.networking.map(|net| {
        reject(
            matches!(net.ip_family, Some(KindIpFamily::Ipv6 | KindIpFamily::Dual)),
            "networking.ipFamily".into(),
            "devk supports IPv4 clusters only for now; use ipv4 or remove the field",
        );
        reject(
            net.dns_search.is_some(),
            "networking.dnsSearch".into(),
            "devk does not set the nodes' DNS search domains; remove it",
        );
        reject(
            net.kube_proxy_mode == Some(KindProxyMode::Ipvs),
            "networking.kubeProxyMode".into(),
            "devk does not run kube-proxy in ipvs mode; use iptables, nftables or none",
        );
        FileNetworking {
            api_server_address: net.api_server_address,
            api_server_port: net.api_server_port.and_then(kind_random_port),
            pod_subnet: net.pod_subnet,
            service_subnet: net.service_subnet,
            disable_default_cni: net.disable_default_cni,
            kube_proxy_mode: net.kube_proxy_mode.and_then(|mode| match mode {
                KindProxyMode::Iptables => Some(KubeProxyMode::Iptables),
                KindProxyMode::Nftables => Some(KubeProxyMode::Nftables),
                KindProxyMode::None => Some(KubeProxyMode::None),
                KindProxyMode::Ipvs => None, // rejected above
            }),
        }
    });

    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(FileCluster {
        api_version: None,
        kind: None,
        name: kind.name,
        nodes,
        networking,
        kubernetes: Some(FileKubernetes {
            feature_gates: kind.feature_gates,
            runtime_config: kind.runtime_config,
            extra_args: None,
        }),
    })
}

/// kind's `-1` means "let the engine pick", which is what devk does for an
/// absent port.
fn kind_random_port(port: PortValue) -> Option<PortValue> {
    (port.0 != -1).then_some(port)
}

/// A problem path in the devk model, as the kind file spells it.
pub(crate) fn kind_path(devk_path: &str) -> String {
    for (devk, kind) in [
        ("kubernetes.featureGates", "featureGates"),
        ("kubernetes.runtimeConfig", "runtimeConfig"),
    ] {
        if let Some(rest) = devk_path.strip_prefix(devk) {
            return format!("{kind}{rest}");
        }
    }
    devk_path.to_string()
}
