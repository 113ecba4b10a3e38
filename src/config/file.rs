//! The raw `devk.dev/v1alpha1` file, exactly as written: every field
//! optional where the format allows leaving it out, every struct strict
//! (unknown fields are errors). [`super::resolve`] turns it into the model.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use serde::Deserialize;

use super::model::{KubeProxyMode, Propagation, Protocol, Role};

pub(crate) const DEVK_API_VERSION: &str = "devk.dev/v1alpha1";
pub(crate) const CLUSTER_KIND: &str = "Cluster";

/// Just `apiVersion` and `kind`, read first to choose the format; every
/// other field is skipped here.
#[derive(Debug, Default, Deserialize)]
#[serde(rename = "Cluster", rename_all = "camelCase")]
pub(crate) struct Header {
    pub api_version: Option<String>,
    pub kind: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename = "Cluster", rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FileCluster {
    // Checked by the header pass; declared so strictness accepts them.
    #[allow(dead_code)]
    pub api_version: Option<String>,
    #[allow(dead_code)]
    pub kind: Option<String>,
    pub name: Option<String>,
    pub nodes: Option<Vec<FileNode>>,
    pub networking: Option<FileNetworking>,
    pub kubernetes: Option<FileKubernetes>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename = "Node", rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FileNode {
    pub role: Option<Role>,
    pub image: Option<String>,
    pub labels: Option<BTreeMap<String, String>>,
    pub extra_port_mappings: Option<Vec<FilePortMapping>>,
    pub extra_mounts: Option<Vec<FileMount>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename = "PortMapping", rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FilePortMapping {
    pub container_port: PortValue,
    pub host_port: Option<PortValue>,
    pub listen_address: Option<IpAddr>,
    pub protocol: Option<Protocol>,
}

#[derive(Debug, Deserialize)]
#[serde(rename = "Mount", rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FileMount {
    pub host_path: String,
    pub container_path: String,
    pub read_only: Option<bool>,
    pub propagation: Option<Propagation>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename = "Networking", rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FileNetworking {
    pub api_server_address: Option<IpAddr>,
    pub api_server_port: Option<PortValue>,
    // Strings, not Ipv4Net: IPv6 and host bits get their own validation messages.
    pub pod_subnet: Option<String>,
    pub service_subnet: Option<String>,
    #[serde(rename = "disableDefaultCNI")]
    pub disable_default_cni: Option<bool>,
    pub kube_proxy_mode: Option<KubeProxyMode>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename = "Kubernetes", rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FileKubernetes {
    pub feature_gates: Option<BTreeMap<String, bool>>,
    pub runtime_config: Option<BTreeMap<String, String>>,
    pub extra_args: Option<FileExtraArgs>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename = "ExtraArgs", rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FileExtraArgs {
    pub api_server: Option<BTreeMap<String, String>>,
    pub controller_manager: Option<BTreeMap<String, String>>,
    pub scheduler: Option<BTreeMap<String, String>>,
    pub kubelet: Option<BTreeMap<String, String>>,
    pub kube_proxy: Option<BTreeMap<String, String>>,
    pub etcd: Option<BTreeMap<String, String>>,
}

/// A port as written: any integer, so that an out-of-range port is a
/// validation problem reported with the others (and kind's `-1` can be
/// read), while a string or a list is a type error at its location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PortValue(pub i64);

impl<'de> Deserialize<'de> for PortValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PortVisitor;
        impl serde::de::Visitor<'_> for PortVisitor {
            type Value = PortValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a port number")
            }
            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<PortValue, E> {
                Ok(PortValue(value))
            }
            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<PortValue, E> {
                // Saturate: anything this large is out of range either way.
                Ok(PortValue(i64::try_from(value).unwrap_or(i64::MAX)))
            }
        }
        deserializer.deserialize_any(PortVisitor)
    }
}
