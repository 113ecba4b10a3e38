//! Pod and service subnets: IPv4 CIDRs of sizes the cluster can use, and
//! not overlapping.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net};

use super::super::error::Problem;
use super::super::model::Cluster;

/// Each node gets a /24 of the pod subnet (see the plan).
const NODE_POD_PREFIX: u8 = 24;
const POD_PREFIX_RANGE: std::ops::RangeInclusive<u8> = 8..=22;
/// kube-apiserver refuses service ranges larger than /12; the cluster DNS
/// service takes the 10th address, so /28 (16 addresses) is the smallest.
const SERVICE_PREFIX_RANGE: std::ops::RangeInclusive<u8> = 12..=28;

/// An IPv4 network in CIDR notation with its host bits zero.
pub(crate) fn parse_ipv4_subnet(text: &str) -> Result<Ipv4Net, String> {
    let text = text.trim();
    match text.parse::<IpNet>() {
        Ok(IpNet::V4(net)) if net.addr() == net.network() => Ok(net),
        Ok(IpNet::V4(net)) => Err(format!(
            "{text} has host bits set; use the network address {}",
            net.trunc()
        )),
        Ok(IpNet::V6(_)) => Err(format!(
            "{text} is IPv6, which devk does not support yet; use an IPv4 CIDR such as 10.244.0.0/16"
        )),
        Err(_) => match text.parse::<IpAddr>() {
            Ok(IpAddr::V4(_)) => Err(format!(
                "{text} has no prefix length; write a CIDR such as {text}/16"
            )),
            Ok(IpAddr::V6(_)) => Err(format!(
                "{text} is IPv6, which devk does not support yet; use an IPv4 CIDR such as 10.244.0.0/16"
            )),
            Err(_) => Err(format!(
                "{text:?} is not a CIDR; write an IPv4 network such as 10.244.0.0/16"
            )),
        },
    }
}

/// `compare` is false when one subnet is a placeholder for a value that did
/// not parse: comparing it with the other would report a made-up overlap.
pub(super) fn check(cluster: &Cluster, compare: bool, problems: &mut Vec<Problem>) {
    let net = &cluster.networking;
    let pod = net.pod_subnet;
    let service = net.service_subnet;

    if !POD_PREFIX_RANGE.contains(&pod.prefix_len()) {
        problems.push(Problem::new(
            "networking.podSubnet",
            format!(
                "{pod}: the prefix length must be /{} to /{}, since each node gets a /{NODE_POD_PREFIX} of it",
                POD_PREFIX_RANGE.start(),
                POD_PREFIX_RANGE.end()
            ),
        ));
    } else {
        let capacity = 1usize << (NODE_POD_PREFIX - pod.prefix_len());
        let nodes = cluster.nodes.len();
        if capacity < nodes {
            problems.push(Problem::new(
                "networking.podSubnet",
                format!(
                    "{pod} holds {capacity} node subnets (a /{NODE_POD_PREFIX} per node) but the cluster has {nodes} \
                     nodes; use /{} or a shorter prefix",
                    prefix_for(nodes)
                ),
            ));
        }
    }

    if !SERVICE_PREFIX_RANGE.contains(&service.prefix_len()) {
        problems.push(Problem::new(
            "networking.serviceSubnet",
            format!(
                "{service}: the prefix length must be /{} to /{} (kube-apiserver refuses larger ranges, and the \
                 cluster DNS service takes the 10th address)",
                SERVICE_PREFIX_RANGE.start(),
                SERVICE_PREFIX_RANGE.end()
            ),
        ));
    }

    if compare && (pod.contains(&service.network()) || service.contains(&pod.network())) {
        problems.push(Problem::new(
            "networking.serviceSubnet",
            format!(
                "{service} overlaps podSubnet {pod}; pod and service addresses must not overlap \
                 (the defaults are 10.244.0.0/16 and 10.96.0.0/16)"
            ),
        ));
    }
}

/// The longest prefix whose pod subnet holds a /24 for each of `nodes`.
fn prefix_for(nodes: usize) -> u8 {
    let bits = usize::BITS - nodes.saturating_sub(1).leading_zeros();
    NODE_POD_PREFIX.saturating_sub(u8::try_from(bits).unwrap_or(NODE_POD_PREFIX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{Node, Role};

    #[test]
    fn parse_subnets_table() {
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("10.244.0.0/16", Ok("10.244.0.0/16")),
            (" 192.168.0.0/20 ", Ok("192.168.0.0/20")),
            (
                "10.244.1.0/16",
                Err("host bits set; use the network address 10.244.0.0/16"),
            ),
            ("fd00::/64", Err("IPv6, which devk does not support yet")),
            ("fd00::1", Err("IPv6, which devk does not support yet")),
            (
                "10.244.0.0",
                Err("no prefix length; write a CIDR such as 10.244.0.0/16"),
            ),
            ("10.244.0.0/33", Err("is not a CIDR")),
            ("pods", Err("is not a CIDR")),
        ];
        for (text, expected) in cases {
            match (parse_ipv4_subnet(text), expected) {
                (Ok(net), Ok(want)) => assert_eq!(net.to_string(), *want),
                (Err(message), Err(needle)) => {
                    assert!(message.contains(needle), "{text}: {message}")
                }
                (got, want) => panic!("{text}: got {got:?}, expected {want:?}"),
            }
        }
    }

    fn check_with(pod: &str, service: &str, nodes: usize) -> Vec<Problem> {
        let mut cluster = Cluster::default_named("dev");
        cluster.nodes = (0..nodes)
            .map(|i| {
                Node::new(if i == 0 {
                    Role::ControlPlane
                } else {
                    Role::Worker
                })
            })
            .collect();
        cluster.networking.pod_subnet = pod.parse().unwrap();
        cluster.networking.service_subnet = service.parse().unwrap();
        let mut problems = Vec::new();
        check(&cluster, true, &mut problems);
        problems
    }

    #[test]
    fn subnet_sizes_and_overlap_table() {
        // (pod subnet, service subnet, node count, expected (path, message piece))
        type Case = (
            &'static str,
            &'static str,
            usize,
            &'static [(&'static str, &'static str)],
        );
        let cases: &[Case] = &[
            ("10.244.0.0/16", "10.96.0.0/16", 3, &[]),
            ("10.244.0.0/22", "10.96.0.0/28", 4, &[]),
            (
                "10.244.0.0/22",
                "10.96.0.0/16",
                5,
                &[(
                    "networking.podSubnet",
                    "holds 4 node subnets (a /24 per node) but the cluster has 5 nodes; use /21",
                )],
            ),
            (
                "10.244.0.0/23",
                "10.96.0.0/16",
                1,
                &[("networking.podSubnet", "must be /8 to /22")],
            ),
            (
                "10.0.0.0/7",
                "192.168.0.0/16",
                1,
                &[("networking.podSubnet", "must be /8 to /22")],
            ),
            (
                "10.244.0.0/16",
                "10.96.0.0/29",
                1,
                &[("networking.serviceSubnet", "must be /12 to /28")],
            ),
            (
                "10.244.0.0/16",
                "10.0.0.0/11",
                1,
                &[("networking.serviceSubnet", "must be /12 to /28")],
            ),
            (
                "10.0.0.0/8",
                "10.96.0.0/16",
                1,
                &[("networking.serviceSubnet", "overlaps podSubnet 10.0.0.0/8")],
            ),
            (
                "10.96.4.0/22",
                "10.96.0.0/16",
                1,
                &[("networking.serviceSubnet", "overlaps")],
            ),
        ];
        for (pod, service, nodes, expected) in cases {
            let problems = check_with(pod, service, *nodes);
            assert_eq!(
                problems.len(),
                expected.len(),
                "{pod} {service}: {problems:?}"
            );
            for (problem, (path, needle)) in problems.iter().zip(expected.iter()) {
                assert_eq!(problem.path, *path);
                assert!(problem.message.contains(needle), "{problem:?}");
            }
        }
    }

    #[test]
    fn prefix_for_node_counts() {
        assert_eq!(prefix_for(1), 24);
        assert_eq!(prefix_for(2), 23);
        assert_eq!(prefix_for(4), 22);
        assert_eq!(prefix_for(5), 21);
        assert_eq!(prefix_for(108), 17);
    }
}
