use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

/// `ip -batch` input: a route to every other node's pod range.
pub const ROUTES_PATH: &str = "/etc/devk/network/routes";
/// `iptables-restore --noflush` input: masquerade pod traffic that leaves
/// the pod network.
pub const MASQUERADE_RULES_PATH: &str = "/etc/devk/network/masquerade.rules";

/// Routes for one node: (other node's pod range via its address). `replace`
/// makes re-applying harmless.
pub fn routes_batch(own: Ipv4Addr, nodes: &[(Ipv4Addr, Ipv4Net)]) -> String {
    let mut out = String::new();
    for (ip, cidr) in nodes.iter().filter(|(ip, _)| *ip != own) {
        out.push_str(&format!("route replace {cidr} via {ip}\n"));
    }
    out
}

/// Pod traffic to anywhere but the pod network leaves with the node's
/// address, so the host, other containers and the internet can answer it.
/// The chain is declared in the file, so restoring flushes and refills it.
pub fn masquerade_rules(pod_subnet: Ipv4Net) -> String {
    format!(
        "*nat\n\
         :DEVK-MASQUERADE - [0:0]\n\
         -A POSTROUTING -s {pod_subnet} -m comment --comment \"devk: pod traffic leaving the pod network\" -j DEVK-MASQUERADE\n\
         -A DEVK-MASQUERADE -d {pod_subnet} -j RETURN\n\
         -A DEVK-MASQUERADE -m addrtype ! --dst-type LOCAL -j MASQUERADE\n\
         COMMIT\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_node_routes_to_every_other_range_but_its_own() {
        let nodes: Vec<(Ipv4Addr, Ipv4Net)> = (0..3)
            .map(|i| {
                (
                    Ipv4Addr::new(172, 30, 1, 2 + i),
                    format!("10.244.{i}.0/24").parse().unwrap(),
                )
            })
            .collect();
        let batch = routes_batch(nodes[1].0, &nodes);
        let lines: Vec<&str> = batch.lines().collect();
        assert_eq!(
            lines,
            vec![
                "route replace 10.244.0.0/24 via 172.30.1.2",
                "route replace 10.244.2.0/24 via 172.30.1.4"
            ]
        );
        assert_eq!(routes_batch(nodes[0].0, &nodes[..1]), "");
    }

    #[test]
    fn masquerade_skips_pod_to_pod_traffic() {
        let rules = masquerade_rules("10.244.0.0/16".parse().unwrap());
        assert!(rules.starts_with("*nat\n"));
        assert!(rules.contains("-A POSTROUTING -s 10.244.0.0/16"));
        assert!(rules.contains("-A DEVK-MASQUERADE -d 10.244.0.0/16 -j RETURN"));
        assert!(rules.trim_end().ends_with("COMMIT"));
    }
}
