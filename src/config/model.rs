//! The validated cluster model: what the rest of devk plans from. Every value
//! here has passed loading, defaulting and validation (or was built by
//! [`Cluster::default_named`]), so consumers need no `Option`s for defaults.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

/// A whole cluster: its nodes, network and Kubernetes settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cluster {
    pub name: String,
    pub nodes: Vec<Node>,
    pub networking: Networking,
    pub kubernetes: Kubernetes,
}

impl Cluster {
    /// Nodes that run etcd and the control-plane components, in file order.
    pub fn control_planes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.role == Role::ControlPlane)
    }

    /// Nodes that run only the kubelet and kube-proxy, in file order.
    pub fn workers(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.role == Role::Worker)
    }
}

/// One node container.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    pub role: Role,
    /// The node image; `None` means devk's default image.
    pub image: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub extra_port_mappings: Vec<PortMapping>,
    pub extra_mounts: Vec<Mount>,
}

impl Node {
    /// A node of `role` with every default.
    pub fn new(role: Role) -> Node {
        Node {
            role,
            image: None,
            labels: BTreeMap::new(),
            extra_port_mappings: Vec::new(),
            extra_mounts: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    #[serde(rename = "control-plane")]
    ControlPlane,
    #[serde(rename = "worker")]
    Worker,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::ControlPlane => "control-plane",
            Role::Worker => "worker",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A host port published to a port of the node container.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortMapping {
    pub container_port: u16,
    /// `None`: the engine picks a free port.
    pub host_port: Option<u16>,
    pub listen_address: IpAddr,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Protocol {
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "UDP")]
    Udp,
    #[serde(rename = "SCTP")]
    Sctp,
}

impl Protocol {
    /// The names a file may use; matched case-insensitively.
    pub const NAMES: &'static [&'static str] = &["TCP", "UDP", "SCTP"];

    /// Lowercase, as Docker writes it in `8080/tcp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// Hand-written so that `tcp`, `Tcp` and `TCP` are all accepted while an
// error lists only the canonical names (serde aliases would list every
// spelling).
impl<'de> Deserialize<'de> for Protocol {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        match name.to_ascii_uppercase().as_str() {
            "TCP" => Ok(Protocol::Tcp),
            "UDP" => Ok(Protocol::Udp),
            "SCTP" => Ok(Protocol::Sctp),
            _ => Err(serde::de::Error::unknown_variant(&name, Protocol::NAMES)),
        }
    }
}

/// A host path bind-mounted into the node container.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mount {
    /// Absolute: a relative path in the file is resolved against the file's
    /// directory (stdin: the current directory) when loading.
    pub host_path: PathBuf,
    pub container_path: PathBuf,
    pub read_only: bool,
    pub propagation: Propagation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Propagation {
    #[default]
    None,
    HostToContainer,
    Bidirectional,
}

impl Propagation {
    pub fn as_str(self) -> &'static str {
        match self {
            Propagation::None => "None",
            Propagation::HostToContainer => "HostToContainer",
            Propagation::Bidirectional => "Bidirectional",
        }
    }
}

impl fmt::Display for Propagation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Cluster-wide network settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Networking {
    /// Host address the API server is published on.
    pub api_server_address: IpAddr,
    /// Host port of the API server; `None`: the engine picks a free port.
    pub api_server_port: Option<u16>,
    pub pod_subnet: Ipv4Net,
    pub service_subnet: Ipv4Net,
    #[serde(rename = "disableDefaultCNI")]
    pub disable_default_cni: bool,
    pub kube_proxy_mode: KubeProxyMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KubeProxyMode {
    #[default]
    Iptables,
    Nftables,
    None,
}

impl KubeProxyMode {
    /// As kube-proxy's `--proxy-mode` takes it (`None` means: do not run
    /// kube-proxy at all).
    pub fn as_str(self) -> &'static str {
        match self {
            KubeProxyMode::Iptables => "iptables",
            KubeProxyMode::Nftables => "nftables",
            KubeProxyMode::None => "none",
        }
    }
}

impl fmt::Display for KubeProxyMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Settings passed to the Kubernetes components.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Kubernetes {
    /// Passed to every component as `--feature-gates`.
    pub feature_gates: BTreeMap<String, bool>,
    /// Passed to kube-apiserver as `--runtime-config`.
    pub runtime_config: BTreeMap<String, String>,
    pub extra_args: ExtraArgs,
}

/// Extra command-line flags per component: flag name (no dashes) -> value.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtraArgs {
    pub api_server: BTreeMap<String, String>,
    pub controller_manager: BTreeMap<String, String>,
    pub scheduler: BTreeMap<String, String>,
    pub kubelet: BTreeMap<String, String>,
    pub kube_proxy: BTreeMap<String, String>,
    pub etcd: BTreeMap<String, String>,
}

/// The components `extraArgs` can pass flags to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Component {
    ApiServer,
    ControllerManager,
    Scheduler,
    Kubelet,
    KubeProxy,
    Etcd,
}

impl Component {
    pub const ALL: [Component; 6] = [
        Component::ApiServer,
        Component::ControllerManager,
        Component::Scheduler,
        Component::Kubelet,
        Component::KubeProxy,
        Component::Etcd,
    ];

    /// The key under `kubernetes.extraArgs`.
    pub fn field_name(self) -> &'static str {
        match self {
            Component::ApiServer => "apiServer",
            Component::ControllerManager => "controllerManager",
            Component::Scheduler => "scheduler",
            Component::Kubelet => "kubelet",
            Component::KubeProxy => "kubeProxy",
            Component::Etcd => "etcd",
        }
    }

    /// The binary the flags go to.
    pub fn binary(self) -> &'static str {
        match self {
            Component::ApiServer => "kube-apiserver",
            Component::ControllerManager => "kube-controller-manager",
            Component::Scheduler => "kube-scheduler",
            Component::Kubelet => "kubelet",
            Component::KubeProxy => "kube-proxy",
            Component::Etcd => "etcd",
        }
    }
}

impl ExtraArgs {
    pub fn for_component(&self, component: Component) -> &BTreeMap<String, String> {
        match component {
            Component::ApiServer => &self.api_server,
            Component::ControllerManager => &self.controller_manager,
            Component::Scheduler => &self.scheduler,
            Component::Kubelet => &self.kubelet,
            Component::KubeProxy => &self.kube_proxy,
            Component::Etcd => &self.etcd,
        }
    }
}
