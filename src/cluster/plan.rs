//! The plan: everything `create` will make, computed from the config before
//! anything is created. Plain data, printed by `devk create --dry-run` and
//! unit-tested.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};
use serde::Serialize;

use crate::config::{self, KubeProxyMode, Mount, PortMapping, Role};

/// The port the API server listens on inside a node.
pub const API_SERVER_PORT: u16 = 6443;
/// The DNS domain of every devk cluster.
pub const DNS_DOMAIN: &str = "cluster.local";
/// Node networks are /24s carved from this range.
pub const NODE_NETWORK_POOL: &str = "172.30.0.0/16";

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterPlan {
    pub name: String,
    pub network: NetworkPlan,
    pub nodes: Vec<NodePlan>,
    /// In front of several control planes; None with one.
    pub balancer: Option<BalancerPlan>,
    pub api_server: ApiServerPlan,
    pub pod_subnet: Ipv4Net,
    pub service_subnet: Ipv4Net,
    /// The `kubernetes` Service: the first address of the service range.
    pub kubernetes_service_ip: Ipv4Addr,
    /// The `kube-dns` Service: the tenth address of the service range.
    pub dns_service_ip: Ipv4Addr,
    pub dns_domain: String,
    pub kube_proxy_mode: KubeProxyMode,
    #[serde(rename = "disableDefaultCNI")]
    pub disable_default_cni: bool,
    pub kubernetes: config::Kubernetes,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPlan {
    pub name: String,
    pub subnet: Ipv4Net,
    pub gateway: Ipv4Addr,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodePlan {
    pub name: String,
    pub role: Role,
    pub ip: Ipv4Addr,
    pub pod_cidr: Ipv4Net,
    pub image: String,
    pub labels: std::collections::BTreeMap<String, String>,
    pub port_mappings: Vec<PortMapping>,
    pub mounts: Vec<Mount>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BalancerPlan {
    pub name: String,
    pub ip: Ipv4Addr,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiServerPlan {
    /// Where the host reaches the API: the kubeconfig's server.
    pub host_address: IpAddr,
    pub host_port: u16,
    /// Which container publishes the port: the control plane, or the
    /// balancer when there are several.
    pub published_by: String,
    /// What nodes and pods on the cluster network use.
    pub internal_endpoint: String,
}

impl ClusterPlan {
    pub fn control_planes(&self) -> impl Iterator<Item = &NodePlan> {
        self.nodes.iter().filter(|n| n.role == Role::ControlPlane)
    }

    pub fn workers(&self) -> impl Iterator<Item = &NodePlan> {
        self.nodes.iter().filter(|n| n.role == Role::Worker)
    }

    pub fn has_workers(&self) -> bool {
        self.workers().next().is_some()
    }

    /// The first control plane: where the admin kubeconfig and the
    /// cluster's PKI live, and where devk execs its checks.
    pub fn primary_control_plane(&self) -> &NodePlan {
        // Validation guarantees at least one control plane.
        self.control_planes().next().unwrap_or(&self.nodes[0])
    }

    /// `https://<host address>:<port>` as kubectl on the host reaches it.
    pub fn host_server_url(&self) -> String {
        let host = match self.api_server.host_address {
            IpAddr::V4(a) if a.is_unspecified() => "127.0.0.1".to_string(),
            IpAddr::V6(a) if a.is_unspecified() => "[::1]".to_string(),
            IpAddr::V6(a) => format!("[{a}]"),
            IpAddr::V4(a) => a.to_string(),
        };
        format!("https://{host}:{}", self.api_server.host_port)
    }

    pub fn node(&self, name: &str) -> Option<&NodePlan> {
        self.nodes.iter().find(|n| n.name == name)
    }
}

/// What the plan needs from the outside world, gathered by the caller.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanInputs {
    /// Subnets of existing networks and host routes, to avoid.
    pub subnets_in_use: Vec<IpNet>,
    /// A free host port for the API when the config leaves it random.
    pub free_api_port: u16,
    /// The node image for nodes that name none.
    pub default_image: String,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error(
        "no free /24 left in {pool} for the cluster network: every one overlaps an existing network or route"
    )]
    NoFreeSubnet { pool: String },
}

impl PlanError {
    pub fn hint(&self) -> Option<String> {
        Some(
            "remove unused networks (`docker network prune`) or clusters (`devk delete --all`)"
                .to_string(),
        )
    }
}

/// kind's node names: `<cluster>-control-plane`, `<cluster>-control-plane2`,
/// `<cluster>-worker`, `<cluster>-worker2`, ...
pub fn node_names(cluster: &str, roles: &[Role]) -> Vec<String> {
    let mut counts = std::collections::BTreeMap::new();
    roles
        .iter()
        .map(|role| {
            let n = counts.entry(*role).or_insert(0u32);
            *n += 1;
            let suffix = if *n == 1 {
                String::new()
            } else {
                n.to_string()
            };
            format!("{cluster}-{}{suffix}", role.as_str())
        })
        .collect()
}

pub fn balancer_name(cluster: &str) -> String {
    format!("{cluster}-external-load-balancer")
}

pub fn network_name(cluster: &str) -> String {
    format!("devk-{cluster}")
}

/// The n-th address of a subnet (0 is the network address).
pub fn nth_address(net: Ipv4Net, n: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(net.network()).wrapping_add(n))
}

/// A /24 of the pool that overlaps nothing in use. The search starts at a
/// place derived from the cluster name, so clusters created at the same
/// moment (parallel CI jobs) rarely pick the same one; the engine refusing
/// an overlap makes the caller re-plan.
pub fn choose_subnet(cluster: &str, in_use: &[IpNet]) -> Result<Ipv4Net, PlanError> {
    let pool: Ipv4Net = NODE_NETWORK_POOL
        .parse()
        .map_err(|_| PlanError::NoFreeSubnet {
            pool: NODE_NETWORK_POOL.to_string(),
        })?;
    let candidates: Vec<Ipv4Net> = pool.subnets(24).map(|s| s.collect()).unwrap_or_default();
    let start = name_hash(cluster) as usize % candidates.len().max(1);
    candidates
        .iter()
        .cycle()
        .skip(start)
        .take(candidates.len())
        .find(|c| !in_use.iter().any(|u| overlaps(IpNet::V4(**c), *u)))
        .copied()
        .ok_or_else(|| PlanError::NoFreeSubnet {
            pool: NODE_NETWORK_POOL.to_string(),
        })
}

fn overlaps(a: IpNet, b: IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

fn name_hash(name: &str) -> u32 {
    // FNV-1a: stable across runs and platforms, unlike std's hasher.
    name.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ b as u32).wrapping_mul(0x0100_0193)
    })
}

/// Compute the plan. Validation already guaranteed the node counts and
/// subnet sizes, so the only failure is an exhausted address pool.
pub fn plan(config: &config::Cluster, inputs: &PlanInputs) -> Result<ClusterPlan, PlanError> {
    let subnet = choose_subnet(&config.name, &inputs.subnets_in_use)?;
    let roles: Vec<Role> = config.nodes.iter().map(|n| n.role).collect();
    let names = node_names(&config.name, &roles);
    let pod_cidrs: Vec<Ipv4Net> = config
        .networking
        .pod_subnet
        .subnets(24)
        .map(|s| s.collect())
        .unwrap_or_default();
    let nodes: Vec<NodePlan> = config
        .nodes
        .iter()
        .zip(names)
        .enumerate()
        .map(|(i, (node, name))| NodePlan {
            name,
            role: node.role,
            // .1 is the gateway; nodes from .2 in config order.
            ip: nth_address(subnet, 2 + i as u32),
            pod_cidr: pod_cidrs[i],
            image: node
                .image
                .clone()
                .unwrap_or_else(|| inputs.default_image.clone()),
            labels: node.labels.clone(),
            port_mappings: node.extra_port_mappings.clone(),
            mounts: node.extra_mounts.clone(),
        })
        .collect();

    let control_planes: Vec<&NodePlan> = nodes
        .iter()
        .filter(|n| n.role == Role::ControlPlane)
        .collect();
    let balancer = (control_planes.len() > 1).then(|| BalancerPlan {
        name: balancer_name(&config.name),
        ip: nth_address(subnet, 254),
    });
    let (published_by, internal_ip) = match &balancer {
        Some(b) => (b.name.clone(), b.ip),
        None => (control_planes[0].name.clone(), control_planes[0].ip),
    };
    let host_port = config
        .networking
        .api_server_port
        .filter(|p| *p != 0)
        .unwrap_or(inputs.free_api_port);

    Ok(ClusterPlan {
        name: config.name.clone(),
        network: NetworkPlan {
            name: network_name(&config.name),
            subnet,
            gateway: nth_address(subnet, 1),
        },
        balancer,
        api_server: ApiServerPlan {
            host_address: config.networking.api_server_address,
            host_port,
            published_by,
            internal_endpoint: format!("https://{internal_ip}:{API_SERVER_PORT}"),
        },
        pod_subnet: config.networking.pod_subnet,
        service_subnet: config.networking.service_subnet,
        kubernetes_service_ip: nth_address(config.networking.service_subnet, 1),
        dns_service_ip: nth_address(config.networking.service_subnet, 10),
        dns_domain: DNS_DOMAIN.to_string(),
        kube_proxy_mode: config.networking.kube_proxy_mode,
        disable_default_cni: config.networking.disable_default_cni,
        kubernetes: config.kubernetes.clone(),
        nodes,
    })
}

/// The plan as a person reads it (`devk create --dry-run`).
pub fn render_text(plan: &ClusterPlan) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "Cluster {}", plan.name);
    let _ = writeln!(
        out,
        "  network     {} {} (gateway {})",
        plan.network.name, plan.network.subnet, plan.network.gateway
    );
    let _ = writeln!(
        out,
        "  API server  {} (published by {}; in-cluster {})",
        plan.host_server_url(),
        plan.api_server.published_by,
        plan.api_server.internal_endpoint
    );
    let _ = writeln!(
        out,
        "  pods        {}   services {}   DNS {}",
        plan.pod_subnet, plan.service_subnet, plan.dns_service_ip
    );
    let _ = writeln!(
        out,
        "  kube-proxy  {}{}",
        plan.kube_proxy_mode,
        if plan.disable_default_cni {
            "   default CNI disabled"
        } else {
            ""
        }
    );
    let _ = writeln!(out, "  nodes");
    for n in &plan.nodes {
        let _ = writeln!(
            out,
            "    {:<32} {:<14} {:<15} pods {:<18} {}",
            n.name,
            n.role.as_str(),
            n.ip,
            n.pod_cidr,
            n.image
        );
        for p in &n.port_mappings {
            let host = p
                .host_port
                .map(|h| h.to_string())
                .unwrap_or_else(|| "random".to_string());
            let _ = writeln!(
                out,
                "      port {}:{} -> {}/{}",
                p.listen_address, host, p.container_port, p.protocol
            );
        }
        for m in &n.mounts {
            let _ = writeln!(
                out,
                "      mount {} -> {}{}",
                m.host_path.display(),
                m.container_path.display(),
                if m.read_only { " (read-only)" } else { "" }
            );
        }
    }
    if let Some(b) = &plan.balancer {
        let _ = writeln!(out, "    {:<32} {:<14} {}", b.name, "balancer", b.ip);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Cluster, Node};

    fn cluster(roles: &[Role]) -> Cluster {
        let mut c = Cluster::default_named("dev");
        c.nodes = roles.iter().map(|r| Node::new(*r)).collect();
        c
    }

    fn inputs() -> PlanInputs {
        PlanInputs {
            subnets_in_use: vec!["172.17.0.0/16".parse().unwrap()],
            free_api_port: 41234,
            default_image: "devk/node:v1.36.2".to_string(),
        }
    }

    #[test]
    fn names_follow_kind() {
        use Role::*;
        assert_eq!(
            node_names("dev", &[ControlPlane, Worker, Worker, ControlPlane]),
            vec![
                "dev-control-plane",
                "dev-worker",
                "dev-worker2",
                "dev-control-plane2"
            ]
        );
    }

    #[test]
    fn one_node_plan() {
        let p = plan(&cluster(&[Role::ControlPlane]), &inputs()).unwrap();
        assert_eq!(p.network.name, "devk-dev");
        assert_eq!(p.network.subnet.prefix_len(), 24);
        assert_eq!(p.network.gateway, nth_address(p.network.subnet, 1));
        let n = &p.nodes[0];
        assert_eq!(n.name, "dev-control-plane");
        assert_eq!(n.ip, nth_address(p.network.subnet, 2));
        assert_eq!(n.pod_cidr.to_string(), "10.244.0.0/24");
        assert_eq!(n.image, "devk/node:v1.36.2");
        assert!(p.balancer.is_none());
        assert_eq!(p.api_server.host_port, 41234);
        assert_eq!(p.api_server.published_by, "dev-control-plane");
        assert_eq!(
            p.api_server.internal_endpoint,
            format!("https://{}:6443", n.ip)
        );
        assert_eq!(p.host_server_url(), "https://127.0.0.1:41234");
        assert_eq!(p.kubernetes_service_ip.to_string(), "10.96.0.1");
        assert_eq!(p.dns_service_ip.to_string(), "10.96.0.10");
        assert!(!p.has_workers());
    }

    #[test]
    fn multi_node_plan_gives_each_node_an_address_and_pod_cidr() {
        use Role::*;
        let p = plan(&cluster(&[ControlPlane, Worker, Worker]), &inputs()).unwrap();
        let names: Vec<&str> = p.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["dev-control-plane", "dev-worker", "dev-worker2"]
        );
        let cidrs: Vec<String> = p.nodes.iter().map(|n| n.pod_cidr.to_string()).collect();
        assert_eq!(
            cidrs,
            vec!["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"]
        );
        let mut ips: Vec<Ipv4Addr> = p.nodes.iter().map(|n| n.ip).collect();
        ips.dedup();
        assert_eq!(ips.len(), 3);
        assert!(ips.iter().all(|ip| p.network.subnet.contains(ip)));
        assert!(p.has_workers());
    }

    #[test]
    fn several_control_planes_get_a_balancer_that_publishes_the_api() {
        use Role::*;
        let p = plan(
            &cluster(&[ControlPlane, ControlPlane, ControlPlane, Worker]),
            &inputs(),
        )
        .unwrap();
        let b = p.balancer.as_ref().unwrap();
        assert_eq!(b.name, "dev-external-load-balancer");
        assert_eq!(p.api_server.published_by, b.name);
        assert_eq!(
            p.api_server.internal_endpoint,
            format!("https://{}:6443", b.ip)
        );
        assert!(!p.nodes.iter().any(|n| n.ip == b.ip));
    }

    #[test]
    fn a_configured_api_port_wins_over_the_free_one() {
        let mut c = cluster(&[Role::ControlPlane]);
        c.networking.api_server_port = Some(6443);
        assert_eq!(plan(&c, &inputs()).unwrap().api_server.host_port, 6443);
        c.networking.api_server_port = Some(0);
        assert_eq!(plan(&c, &inputs()).unwrap().api_server.host_port, 41234);
    }

    #[test]
    fn listening_everywhere_still_gives_a_reachable_url() {
        let mut c = cluster(&[Role::ControlPlane]);
        c.networking.api_server_address = "0.0.0.0".parse().unwrap();
        assert_eq!(
            plan(&c, &inputs()).unwrap().host_server_url(),
            "https://127.0.0.1:41234"
        );
    }

    #[test]
    fn subnets_in_use_are_avoided() {
        let first = choose_subnet("dev", &[]).unwrap();
        let second = choose_subnet("dev", &[IpNet::V4(first)]).unwrap();
        assert_ne!(first, second);
        // A wider network covering the whole pool leaves nothing.
        let all: IpNet = "172.16.0.0/12".parse().unwrap();
        assert!(matches!(
            choose_subnet("dev", &[all]),
            Err(PlanError::NoFreeSubnet { .. })
        ));
    }

    #[test]
    fn different_names_usually_start_in_different_places() {
        let a = choose_subnet("ci-job-1", &[]).unwrap();
        let b = choose_subnet("ci-job-2", &[]).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn text_rendering_names_every_node_and_the_api() {
        use Role::*;
        let p = plan(&cluster(&[ControlPlane, Worker]), &inputs()).unwrap();
        let text = render_text(&p);
        assert!(text.contains("dev-control-plane"));
        assert!(text.contains("dev-worker"));
        assert!(text.contains("https://127.0.0.1:41234"));
    }
}
