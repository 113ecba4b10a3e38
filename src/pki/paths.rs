//! Where each file lives inside a node. kubeadm's layout, so anyone who knows
//! kubeadm clusters finds things where they expect them. The component flags
//! use these same constants.

pub const PKI_DIR: &str = "/etc/kubernetes/pki";
pub const ETCD_PKI_DIR: &str = "/etc/kubernetes/pki/etcd";
pub const KUBELET_PKI_DIR: &str = "/var/lib/kubelet/pki";

pub const CA_CERT: &str = "/etc/kubernetes/pki/ca.crt";
pub const CA_KEY: &str = "/etc/kubernetes/pki/ca.key";
pub const API_SERVER_CERT: &str = "/etc/kubernetes/pki/apiserver.crt";
pub const API_SERVER_KEY: &str = "/etc/kubernetes/pki/apiserver.key";
pub const API_SERVER_KUBELET_CLIENT_CERT: &str = "/etc/kubernetes/pki/apiserver-kubelet-client.crt";
pub const API_SERVER_KUBELET_CLIENT_KEY: &str = "/etc/kubernetes/pki/apiserver-kubelet-client.key";
pub const API_SERVER_ETCD_CLIENT_CERT: &str = "/etc/kubernetes/pki/apiserver-etcd-client.crt";
pub const API_SERVER_ETCD_CLIENT_KEY: &str = "/etc/kubernetes/pki/apiserver-etcd-client.key";
pub const FRONT_PROXY_CA_CERT: &str = "/etc/kubernetes/pki/front-proxy-ca.crt";
pub const FRONT_PROXY_CA_KEY: &str = "/etc/kubernetes/pki/front-proxy-ca.key";
pub const FRONT_PROXY_CLIENT_CERT: &str = "/etc/kubernetes/pki/front-proxy-client.crt";
pub const FRONT_PROXY_CLIENT_KEY: &str = "/etc/kubernetes/pki/front-proxy-client.key";
pub const SERVICE_ACCOUNT_KEY: &str = "/etc/kubernetes/pki/sa.key";
pub const SERVICE_ACCOUNT_PUB: &str = "/etc/kubernetes/pki/sa.pub";

pub const ETCD_CA_CERT: &str = "/etc/kubernetes/pki/etcd/ca.crt";
pub const ETCD_CA_KEY: &str = "/etc/kubernetes/pki/etcd/ca.key";
pub const ETCD_SERVER_CERT: &str = "/etc/kubernetes/pki/etcd/server.crt";
pub const ETCD_SERVER_KEY: &str = "/etc/kubernetes/pki/etcd/server.key";
pub const ETCD_PEER_CERT: &str = "/etc/kubernetes/pki/etcd/peer.crt";
pub const ETCD_PEER_KEY: &str = "/etc/kubernetes/pki/etcd/peer.key";

pub const KUBELET_SERVING_CERT: &str = "/var/lib/kubelet/pki/kubelet.crt";
pub const KUBELET_SERVING_KEY: &str = "/var/lib/kubelet/pki/kubelet.key";
pub const KUBELET_CLIENT_CERT: &str = "/var/lib/kubelet/pki/kubelet-client.crt";
pub const KUBELET_CLIENT_KEY: &str = "/var/lib/kubelet/pki/kubelet-client.key";

/// Component kubeconfigs (client certificate embedded), kubeadm's names where
/// kubeadm has one.
pub const ADMIN_CONF: &str = "/etc/kubernetes/admin.conf";
pub const CONTROLLER_MANAGER_CONF: &str = "/etc/kubernetes/controller-manager.conf";
pub const SCHEDULER_CONF: &str = "/etc/kubernetes/scheduler.conf";
pub const KUBELET_CONF: &str = "/etc/kubernetes/kubelet.conf";
pub const KUBE_PROXY_CONF: &str = "/etc/kubernetes/kube-proxy.conf";
pub const COREDNS_CONF: &str = "/etc/kubernetes/coredns.conf";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_sit_in_their_directories() {
        let in_pki = [
            CA_CERT,
            CA_KEY,
            API_SERVER_CERT,
            API_SERVER_KEY,
            API_SERVER_KUBELET_CLIENT_CERT,
            API_SERVER_KUBELET_CLIENT_KEY,
            API_SERVER_ETCD_CLIENT_CERT,
            API_SERVER_ETCD_CLIENT_KEY,
            FRONT_PROXY_CA_CERT,
            FRONT_PROXY_CA_KEY,
            FRONT_PROXY_CLIENT_CERT,
            FRONT_PROXY_CLIENT_KEY,
            SERVICE_ACCOUNT_KEY,
            SERVICE_ACCOUNT_PUB,
        ];
        let in_etcd = [
            ETCD_CA_CERT,
            ETCD_CA_KEY,
            ETCD_SERVER_CERT,
            ETCD_SERVER_KEY,
            ETCD_PEER_CERT,
            ETCD_PEER_KEY,
        ];
        let in_kubelet = [
            KUBELET_SERVING_CERT,
            KUBELET_SERVING_KEY,
            KUBELET_CLIENT_CERT,
            KUBELET_CLIENT_KEY,
        ];
        for (dir, paths) in [
            (PKI_DIR, &in_pki[..]),
            (ETCD_PKI_DIR, &in_etcd[..]),
            (KUBELET_PKI_DIR, &in_kubelet[..]),
        ] {
            for path in paths {
                let parent = std::path::Path::new(path).parent().unwrap();
                assert_eq!(parent, std::path::Path::new(dir), "{path}");
            }
        }
    }
}
