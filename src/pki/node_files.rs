//! Which PKI files and component kubeconfigs go into which node, at which
//! path, with which mode. Control-plane nodes get everything, CA keys
//! included (the controller manager signs CSRs with the cluster CA key);
//! workers get only the cluster CA certificate and their own kubelet files.

use std::fmt;

use super::paths::*;
use super::{CertKey, ClusterPki, PkiError, component_kubeconfig, identities};

/// Mode of files holding a private key.
pub const KEY_MODE: u32 = 0o600;
/// Mode of certificates and public keys.
pub const CERT_MODE: u32 = 0o644;

/// One file to place in a node.
#[derive(Clone, PartialEq, Eq)]
pub struct PkiFile {
    /// Absolute path inside the node.
    pub path: String,
    pub contents: Vec<u8>,
    pub mode: u32,
}

impl fmt::Debug for PkiFile {
    // Contents may be a private key: show only their size.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PkiFile")
            .field("path", &self.path)
            .field("mode", &format_args!("{:#o}", self.mode))
            .field("bytes", &self.contents.len())
            .finish()
    }
}

fn cert(path: &str, pem: &str) -> PkiFile {
    PkiFile {
        path: path.to_string(),
        contents: pem.as_bytes().to_vec(),
        mode: CERT_MODE,
    }
}

fn key(path: &str, pem: &str) -> PkiFile {
    PkiFile {
        path: path.to_string(),
        contents: pem.as_bytes().to_vec(),
        mode: KEY_MODE,
    }
}

fn pair(files: &mut Vec<PkiFile>, cert_path: &str, key_path: &str, cert_key: &CertKey) {
    files.push(cert(cert_path, &cert_key.cert_pem));
    files.push(key(key_path, &cert_key.key_pem));
}

/// The certificate and key files of `node`.
pub fn node_files(
    pki: &ClusterPki,
    node: &str,
    is_control_plane: bool,
) -> Result<Vec<PkiFile>, PkiError> {
    let unknown = || PkiError::UnknownNode {
        name: node.to_string(),
    };
    let kubelet = pki.kubelets.get(node).ok_or_else(unknown)?;
    let mut files = Vec::new();
    files.push(cert(CA_CERT, &pki.ca.cert_pem));
    if is_control_plane {
        let etcd = pki.etcd.get(node).ok_or_else(unknown)?;
        files.push(key(CA_KEY, &pki.ca.key_pem));
        pair(&mut files, API_SERVER_CERT, API_SERVER_KEY, &pki.api_server);
        pair(
            &mut files,
            API_SERVER_KUBELET_CLIENT_CERT,
            API_SERVER_KUBELET_CLIENT_KEY,
            &pki.api_server_kubelet_client,
        );
        pair(
            &mut files,
            API_SERVER_ETCD_CLIENT_CERT,
            API_SERVER_ETCD_CLIENT_KEY,
            &pki.api_server_etcd_client,
        );
        pair(
            &mut files,
            FRONT_PROXY_CA_CERT,
            FRONT_PROXY_CA_KEY,
            &pki.front_proxy_ca,
        );
        pair(
            &mut files,
            FRONT_PROXY_CLIENT_CERT,
            FRONT_PROXY_CLIENT_KEY,
            &pki.front_proxy_client,
        );
        files.push(key(SERVICE_ACCOUNT_KEY, &pki.service_account.private_pem));
        files.push(cert(SERVICE_ACCOUNT_PUB, &pki.service_account.public_pem));
        pair(&mut files, ETCD_CA_CERT, ETCD_CA_KEY, &pki.etcd_ca);
        pair(&mut files, ETCD_SERVER_CERT, ETCD_SERVER_KEY, &etcd.server);
        pair(&mut files, ETCD_PEER_CERT, ETCD_PEER_KEY, &etcd.peer);
    }
    pair(
        &mut files,
        KUBELET_SERVING_CERT,
        KUBELET_SERVING_KEY,
        &kubelet.serving,
    );
    pair(
        &mut files,
        KUBELET_CLIENT_CERT,
        KUBELET_CLIENT_KEY,
        &kubelet.client,
    );
    Ok(files)
}

/// The API server URLs components use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiServers {
    /// For components on a control-plane node that talk to their own API
    /// server (controller manager, scheduler, CoreDNS), e.g.
    /// `https://172.20.0.2:6443`.
    pub local: String,
    /// For everything else (kubelet, kube-proxy, admin.conf): the single
    /// control plane, or the HA balancer.
    pub cluster: String,
}

/// The component kubeconfigs of `node` (mode 0600: they embed client keys).
pub fn node_kubeconfigs(
    pki: &ClusterPki,
    node: &str,
    is_control_plane: bool,
    servers: &ApiServers,
) -> Result<Vec<PkiFile>, PkiError> {
    let kubelet = pki
        .kubelets
        .get(node)
        .ok_or_else(|| PkiError::UnknownNode {
            name: node.to_string(),
        })?;
    let cluster = pki.cluster_name.as_str();
    let ca = pki.ca.cert_pem.as_str();
    let render = |path: &str, server: &str, user: &str, client: &CertKey| {
        component_kubeconfig(cluster, server, ca, user, client).map(|doc| key(path, &doc))
    };
    let node_user = identities::node_user(node);
    let mut files = vec![
        render(KUBELET_CONF, &servers.cluster, &node_user, &kubelet.client)?,
        render(
            KUBE_PROXY_CONF,
            &servers.cluster,
            identities::KUBE_PROXY,
            &pki.kube_proxy,
        )?,
    ];
    if is_control_plane {
        files.push(render(
            ADMIN_CONF,
            &servers.cluster,
            identities::ADMIN_USER,
            &pki.admin,
        )?);
        files.push(render(
            CONTROLLER_MANAGER_CONF,
            &servers.local,
            identities::CONTROLLER_MANAGER,
            &pki.controller_manager,
        )?);
        files.push(render(
            SCHEDULER_CONF,
            &servers.local,
            identities::SCHEDULER,
            &pki.scheduler,
        )?);
        files.push(render(
            COREDNS_CONF,
            &servers.local,
            identities::COREDNS,
            &pki.coredns,
        )?);
    }
    Ok(files)
}
