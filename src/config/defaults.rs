//! Every default of the cluster config in one place, so docs/config.md, the
//! loader and [`Cluster::default_named`] cannot disagree.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::Ipv4Net;

use super::model::{Cluster, ExtraArgs, KubeProxyMode, Kubernetes, Networking, Node, Role};

/// Used when neither the file, `--name` nor `DEVK_CLUSTER_NAME` names the cluster.
pub const DEFAULT_CLUSTER_NAME: &str = "devk";
/// Loopback: the API server is not reachable from other machines by default.
pub const DEFAULT_API_SERVER_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// Port mappings listen on every host address unless told otherwise, as with `docker run -p`.
pub const DEFAULT_LISTEN_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
/// kind's and flannel's default, so manifests written for them keep working.
pub const DEFAULT_POD_SUBNET: Ipv4Net = Ipv4Net::new_assert(Ipv4Addr::new(10, 244, 0, 0), 16);
/// kind's default (kubeadm's /12 costs a larger allocation bitmap in etcd).
pub const DEFAULT_SERVICE_SUBNET: Ipv4Net = Ipv4Net::new_assert(Ipv4Addr::new(10, 96, 0, 0), 16);

impl Default for Networking {
    fn default() -> Self {
        Networking {
            api_server_address: DEFAULT_API_SERVER_ADDRESS,
            api_server_port: None,
            pod_subnet: DEFAULT_POD_SUBNET,
            service_subnet: DEFAULT_SERVICE_SUBNET,
            disable_default_cni: false,
            kube_proxy_mode: KubeProxyMode::default(),
        }
    }
}

impl Cluster {
    /// One control-plane node and every default: what `devk create` builds
    /// without `--config`. The name is not validated here; see
    /// [`super::validate_name`].
    pub fn default_named(name: &str) -> Cluster {
        Cluster {
            name: name.to_string(),
            nodes: vec![Node::new(Role::ControlPlane)],
            networking: Networking::default(),
            kubernetes: Kubernetes {
                feature_gates: BTreeMap::new(),
                runtime_config: BTreeMap::new(),
                extra_args: ExtraArgs::default(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_cluster_has_one_control_plane_and_documented_networking() {
        let cluster = Cluster::default_named("dev");
        assert_eq!(cluster.name, "dev");
        assert_eq!(cluster.control_planes().count(), 1);
        assert_eq!(cluster.workers().count(), 0);
        let net = &cluster.networking;
        assert_eq!(net.api_server_address.to_string(), "127.0.0.1");
        assert_eq!(net.api_server_port, None);
        assert_eq!(net.pod_subnet.to_string(), "10.244.0.0/16");
        assert_eq!(net.service_subnet.to_string(), "10.96.0.0/16");
        assert!(!net.disable_default_cni);
        assert_eq!(net.kube_proxy_mode, KubeProxyMode::Iptables);
        assert_eq!(DEFAULT_LISTEN_ADDRESS.to_string(), "0.0.0.0");
    }
}
