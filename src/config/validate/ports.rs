//! Host ports: no two port mappings (on any node) and not the API server
//! may claim the same port, protocol and address.

use std::net::IpAddr;

use super::super::error::Problem;
use super::super::model::{Cluster, Protocol};

/// One claimed host port, with the field path that claims it.
struct Claim {
    path: String,
    port: u16,
    protocol: Protocol,
    address: IpAddr,
}

pub(super) fn check(cluster: &Cluster, problems: &mut Vec<Problem>) {
    let mut claims: Vec<Claim> = Vec::new();
    for (i, node) in cluster.nodes.iter().enumerate() {
        for (j, mapping) in node.extra_port_mappings.iter().enumerate() {
            // No host port: the engine picks a free one, which cannot collide.
            let Some(port) = mapping.host_port else {
                continue;
            };
            let claim = Claim {
                path: format!("nodes[{i}].extraPortMappings[{j}]"),
                port,
                protocol: mapping.protocol,
                address: mapping.listen_address,
            };
            if let Some(earlier) = claims.iter().find(|earlier| collide(earlier, &claim)) {
                problems.push(Problem::new(
                    format!("{}.hostPort", claim.path),
                    format!(
                        "{} is already published by {} ({}); use another hostPort or listenAddress{}",
                        describe(&claim),
                        earlier.path,
                        describe(earlier),
                        unspecified_note(earlier, &claim)
                    ),
                ));
            } else {
                claims.push(claim);
            }
        }
    }

    let net = &cluster.networking;
    if let Some(port) = net.api_server_port {
        let api = Claim {
            path: "networking.apiServerPort".to_string(),
            port,
            protocol: Protocol::Tcp,
            address: net.api_server_address,
        };
        if let Some(mapping) = claims.iter().find(|claim| collide(claim, &api)) {
            problems.push(Problem::new(
                api.path.clone(),
                format!(
                    "the API server's {} is also published by {} ({}); use another port, or leave apiServerPort \
                     out for a free one{}",
                    describe(&api),
                    mapping.path,
                    describe(mapping),
                    unspecified_note(mapping, &api)
                ),
            ));
        }
    }
}

fn collide(a: &Claim, b: &Claim) -> bool {
    a.port == b.port
        && a.protocol == b.protocol
        // An unspecified address (0.0.0.0, ::) listens on every address.
        && (a.address == b.address || a.address.is_unspecified() || b.address.is_unspecified())
}

fn describe(claim: &Claim) -> String {
    format!("{}/{} on {}", claim.port, claim.protocol, claim.address)
}

fn unspecified_note(a: &Claim, b: &Claim) -> String {
    [a.address, b.address]
        .into_iter()
        .find(|address| address.is_unspecified() && a.address != b.address)
        .map(|address| format!(" ({address} listens on every address)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{Node, PortMapping, Role};

    fn mapping(host_port: Option<u16>, address: &str, protocol: Protocol) -> PortMapping {
        PortMapping {
            container_port: 80,
            host_port,
            listen_address: address.parse().unwrap(),
            protocol,
        }
    }

    fn problems_for(nodes: Vec<Vec<PortMapping>>, api_port: Option<u16>) -> Vec<Problem> {
        let mut cluster = Cluster::default_named("dev");
        cluster.nodes = nodes
            .into_iter()
            .map(|mappings| Node {
                extra_port_mappings: mappings,
                ..Node::new(Role::ControlPlane)
            })
            .collect();
        cluster.networking.api_server_port = api_port;
        let mut problems = Vec::new();
        check(&cluster, &mut problems);
        problems
    }

    #[test]
    fn host_port_conflicts_table() {
        use Protocol::*;
        // (mappings per node, api server port, expected problem path or None)
        type Case = (Vec<Vec<PortMapping>>, Option<u16>, Option<&'static str>);
        let cases: Vec<Case> = vec![
            (
                vec![vec![
                    mapping(Some(80), "0.0.0.0", Tcp),
                    mapping(Some(80), "0.0.0.0", Udp),
                ]],
                None,
                None,
            ),
            (
                vec![vec![
                    mapping(Some(80), "127.0.0.1", Tcp),
                    mapping(Some(80), "127.0.0.2", Tcp),
                ]],
                None,
                None,
            ),
            (
                vec![vec![
                    mapping(None, "0.0.0.0", Tcp),
                    mapping(None, "0.0.0.0", Tcp),
                ]],
                None,
                None,
            ),
            (
                vec![
                    vec![mapping(Some(80), "0.0.0.0", Tcp)],
                    vec![mapping(Some(80), "127.0.0.1", Tcp)],
                ],
                None,
                Some("nodes[1].extraPortMappings[0].hostPort"),
            ),
            (
                vec![vec![
                    mapping(Some(53), "10.0.0.1", Udp),
                    mapping(Some(53), "10.0.0.1", Udp),
                ]],
                None,
                Some("nodes[0].extraPortMappings[1].hostPort"),
            ),
            (
                vec![vec![mapping(Some(6443), "0.0.0.0", Tcp)]],
                Some(6443),
                Some("networking.apiServerPort"),
            ),
            (
                vec![vec![mapping(Some(6443), "0.0.0.0", Udp)]],
                Some(6443),
                None,
            ),
            (
                vec![vec![mapping(Some(6443), "192.168.1.5", Tcp)]],
                Some(6443),
                None,
            ),
        ];
        for (nodes, api_port, expected) in cases {
            let problems = problems_for(nodes, api_port);
            let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
            assert_eq!(
                paths,
                expected.into_iter().collect::<Vec<_>>(),
                "{problems:?}"
            );
        }
    }

    #[test]
    fn conflict_message_names_both_mappings_and_explains_unspecified() {
        let problems = problems_for(
            vec![
                vec![mapping(Some(8080), "0.0.0.0", Protocol::Tcp)],
                vec![mapping(Some(8080), "127.0.0.1", Protocol::Tcp)],
            ],
            None,
        );
        assert_eq!(
            problems[0].message,
            "8080/tcp on 127.0.0.1 is already published by nodes[0].extraPortMappings[0] (8080/tcp on 0.0.0.0); \
             use another hostPort or listenAddress (0.0.0.0 listens on every address)"
        );
    }
}
