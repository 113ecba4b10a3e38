//! The cluster's PKI, generated on the host: three CAs (cluster, etcd, front
//! proxy), the service-account key pair and a certificate for every
//! component, then laid out as files for each node (kubeadm's paths) and as
//! component kubeconfigs. No kubeadm, no TLS bootstrap: every node gets its
//! certificates before it boots.
//!
//! Decisions:
//! - ECDSA P-256 everywhere; a 3-node PKI takes milliseconds.
//! - CAs are valid 10 years, leaves 5 years ([`LEAF_VALIDITY`]); all from one
//!   hour in the past ([`BACKDATE`]) to absorb host/container clock skew.
//! - CA subjects name the cluster (`devk-<cluster>-ca`), so two clusters'
//!   CAs are told apart in a trust store or an error message.
//! - Identities (what RBAC sees): the admin is `devk-admin` in
//!   `system:masters` (works before any RBAC object exists); components use
//!   their well-known `system:` names; kubelets are `system:node:<name>` in
//!   `system:nodes` (the Node authorizer); the API server's kubelet client is
//!   `kube-apiserver-kubelet-client` with no group, so it needs a binding to
//!   `system:kubelet-api-admin`; CoreDNS is `system:coredns` and needs a
//!   binding to `system:coredns` (or an equivalent role).

mod cert_key;
mod error;
mod issue;
mod kubeconfig_doc;
mod node_files;
pub mod paths;
pub mod sans;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

use time::OffsetDateTime;

pub use cert_key::{CertKey, ServiceAccountKeys};
pub use error::PkiError;
pub use issue::{BACKDATE, CA_VALIDITY, LEAF_VALIDITY};
pub use kubeconfig_doc::component_kubeconfig;
pub use node_files::{ApiServers, PkiFile, node_files, node_kubeconfigs};

use issue::{Authority, LeafSpec, Usage};

/// Common names and groups of the client identities.
pub mod identities {
    pub const ADMIN_USER: &str = "devk-admin";
    pub const ADMIN_GROUP: &str = "system:masters";
    pub const API_SERVER: &str = "kube-apiserver";
    pub const API_SERVER_KUBELET_CLIENT: &str = "kube-apiserver-kubelet-client";
    pub const API_SERVER_ETCD_CLIENT: &str = "kube-apiserver-etcd-client";
    /// Pass to the API server as `--requestheader-allowed-names`.
    pub const FRONT_PROXY_CLIENT: &str = "front-proxy-client";
    pub const CONTROLLER_MANAGER: &str = "system:kube-controller-manager";
    pub const SCHEDULER: &str = "system:kube-scheduler";
    pub const KUBE_PROXY: &str = "system:kube-proxy";
    pub const COREDNS: &str = "system:coredns";
    pub const NODES_GROUP: &str = "system:nodes";

    /// The kubelet's user name, as the Node authorizer expects it.
    pub fn node_user(node: &str) -> String {
        format!("system:node:{node}")
    }
}

/// What the PKI is generated for.
#[derive(Debug, Clone)]
pub struct PkiInputs<'a> {
    pub cluster_name: &'a str,
    /// The cluster DNS domain, e.g. "cluster.local".
    pub dns_domain: &'a str,
    /// The `kubernetes` Service's IP (first address of the service CIDR).
    pub first_service_ip: Ipv4Addr,
    /// The host-facing listen address; 0.0.0.0 / :: add no IP SAN.
    pub api_server_address: IpAddr,
    /// More names for the API server (e.g. the HA balancer's name and IP);
    /// IP addresses become IP SANs, anything else a DNS SAN.
    pub extra_api_sans: Vec<String>,
    pub control_planes: Vec<NodeIdentity>,
    /// Every node, control planes included.
    pub nodes: Vec<NodeIdentity>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeIdentity {
    pub name: String,
    pub ip: Ipv4Addr,
}

/// etcd's certificates on one control-plane node.
#[derive(Debug, Clone)]
pub struct EtcdNodeCerts {
    /// For clients (the API server, health checks); server and client auth.
    pub server: CertKey,
    /// For the other members; server and client auth.
    pub peer: CertKey,
}

/// A kubelet's certificates.
#[derive(Debug, Clone)]
pub struct KubeletCerts {
    /// `system:node:<name>` in `system:nodes`, signed by the cluster CA.
    pub client: CertKey,
    /// Serving certificate for the kubelet API (node name and IP).
    pub serving: CertKey,
}

/// Every key and certificate of one cluster.
#[derive(Debug, Clone)]
pub struct ClusterPki {
    pub cluster_name: String,
    pub ca: CertKey,
    pub etcd_ca: CertKey,
    pub front_proxy_ca: CertKey,
    pub service_account: ServiceAccountKeys,
    pub api_server: CertKey,
    pub api_server_kubelet_client: CertKey,
    pub api_server_etcd_client: CertKey,
    pub front_proxy_client: CertKey,
    pub admin: CertKey,
    pub controller_manager: CertKey,
    pub scheduler: CertKey,
    pub kube_proxy: CertKey,
    pub coredns: CertKey,
    /// Per control-plane node name.
    pub etcd: BTreeMap<String, EtcdNodeCerts>,
    /// Per node name (every node).
    pub kubelets: BTreeMap<String, KubeletCerts>,
}

impl ClusterPki {
    /// Generates a fresh PKI for the cluster.
    pub fn generate(inputs: &PkiInputs<'_>) -> Result<ClusterPki, PkiError> {
        generate_at(inputs, OffsetDateTime::now_utc())
    }
}

fn generate_at(inputs: &PkiInputs<'_>, now: OffsetDateTime) -> Result<ClusterPki, PkiError> {
    check_nodes(inputs)?;
    let cluster = inputs.cluster_name;
    let ca = issue::new_authority("cluster CA", &format!("devk-{cluster}-ca"), now)?;
    let etcd_ca = issue::new_authority("etcd CA", &format!("devk-{cluster}-etcd-ca"), now)?;
    let front_proxy_ca = issue::new_authority(
        "front-proxy CA",
        &format!("devk-{cluster}-front-proxy-ca"),
        now,
    )?;

    let no_sans = sans::SanList::default();
    let issue_client = |authority: &Authority, what: &str, cn: &str, org: Option<&str>| {
        authority.issue(
            &LeafSpec {
                what,
                common_name: cn,
                organization: org,
                sans: &no_sans,
                usage: Usage::Client,
            },
            now,
        )
    };

    let api_server_sans = sans::api_server(inputs)?;
    let api_server = ca.issue(
        &LeafSpec {
            what: "API server certificate",
            common_name: identities::API_SERVER,
            organization: None,
            sans: &api_server_sans,
            usage: Usage::Server,
        },
        now,
    )?;

    let mut etcd = BTreeMap::new();
    for node in &inputs.control_planes {
        let member_sans = sans::etcd_member(node)?;
        let member = |what: &str| {
            etcd_ca.issue(
                &LeafSpec {
                    what,
                    common_name: &node.name,
                    organization: None,
                    sans: &member_sans,
                    usage: Usage::ServerAndClient,
                },
                now,
            )
        };
        etcd.insert(
            node.name.clone(),
            EtcdNodeCerts {
                server: member("etcd server certificate")?,
                peer: member("etcd peer certificate")?,
            },
        );
    }

    let mut kubelets = BTreeMap::new();
    for node in &inputs.nodes {
        let user = identities::node_user(&node.name);
        let serving_sans = sans::kubelet_serving(node)?;
        let serving = ca.issue(
            &LeafSpec {
                what: "kubelet serving certificate",
                common_name: &user,
                organization: Some(identities::NODES_GROUP),
                sans: &serving_sans,
                usage: Usage::Server,
            },
            now,
        )?;
        let client = issue_client(
            &ca,
            "kubelet client certificate",
            &user,
            Some(identities::NODES_GROUP),
        )?;
        kubelets.insert(node.name.clone(), KubeletCerts { client, serving });
    }

    let service_account_key = issue::new_key().map_err(|source| PkiError::Generate {
        what: "service-account key pair".to_string(),
        source,
    })?;

    Ok(ClusterPki {
        cluster_name: cluster.to_string(),
        service_account: ServiceAccountKeys {
            private_pem: service_account_key.serialize_pem(),
            public_pem: service_account_key.public_key_pem(),
        },
        api_server,
        api_server_kubelet_client: issue_client(
            &ca,
            "API server kubelet client certificate",
            identities::API_SERVER_KUBELET_CLIENT,
            None,
        )?,
        api_server_etcd_client: issue_client(
            &etcd_ca,
            "API server etcd client certificate",
            identities::API_SERVER_ETCD_CLIENT,
            None,
        )?,
        front_proxy_client: issue_client(
            &front_proxy_ca,
            "front-proxy client certificate",
            identities::FRONT_PROXY_CLIENT,
            None,
        )?,
        admin: issue_client(
            &ca,
            "admin client certificate",
            identities::ADMIN_USER,
            Some(identities::ADMIN_GROUP),
        )?,
        controller_manager: issue_client(
            &ca,
            "controller-manager client certificate",
            identities::CONTROLLER_MANAGER,
            None,
        )?,
        scheduler: issue_client(
            &ca,
            "scheduler client certificate",
            identities::SCHEDULER,
            None,
        )?,
        kube_proxy: issue_client(
            &ca,
            "kube-proxy client certificate",
            identities::KUBE_PROXY,
            None,
        )?,
        coredns: issue_client(&ca, "CoreDNS client certificate", identities::COREDNS, None)?,
        etcd,
        kubelets,
        ca: ca.cert_key,
        etcd_ca: etcd_ca.cert_key,
        front_proxy_ca: front_proxy_ca.cert_key,
    })
}

/// The plan should never produce these; checking keeps a plan bug from
/// turning into a cluster with a missing or shared kubelet identity.
fn check_nodes(inputs: &PkiInputs<'_>) -> Result<(), PkiError> {
    if inputs.control_planes.is_empty() {
        return Err(PkiError::NoControlPlane);
    }
    let mut names = BTreeSet::new();
    for node in &inputs.nodes {
        if !names.insert(node.name.as_str()) {
            return Err(PkiError::DuplicateNode {
                name: node.name.clone(),
            });
        }
    }
    let mut control_plane_names = BTreeSet::new();
    for cp in &inputs.control_planes {
        if !control_plane_names.insert(cp.name.as_str()) {
            return Err(PkiError::DuplicateNode {
                name: cp.name.clone(),
            });
        }
        if !inputs.nodes.contains(cp) {
            return Err(PkiError::ControlPlaneNotANode {
                name: cp.name.clone(),
                ip: cp.ip,
            });
        }
    }
    Ok(())
}
