//! What the host's own network already uses, so a cluster network does not
//! shadow a LAN or VPN route.

use std::net::Ipv4Addr;

use ipnet::{IpNet, Ipv4Net};

/// Destinations of the host's IPv4 routes (from /proc/net/route), but the
/// default route.
pub fn host_routes() -> Vec<IpNet> {
    std::fs::read_to_string("/proc/net/route")
        .map(|t| parse_proc_net_route(&t))
        .unwrap_or_default()
}

/// /proc/net/route: little-endian hex destination and mask per line.
pub fn parse_proc_net_route(text: &str) -> Vec<IpNet> {
    let hex = |s: &str| {
        u32::from_str_radix(s, 16)
            .ok()
            .map(|v| Ipv4Addr::from(v.swap_bytes()))
    };
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let dest = hex(fields.get(1)?)?;
            let mask = hex(fields.get(7)?)?;
            let prefix = u32::from(mask).count_ones() as u8;
            if prefix == 0 {
                return None;
            }
            Ipv4Net::new(dest, prefix)
                .ok()
                .map(|n| IpNet::V4(n.trunc()))
        })
        .collect()
}

/// A free TCP port on the address (bound and released at once).
pub fn free_port(address: std::net::IpAddr) -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind((address, 0))?;
    Ok(listener.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_read_without_the_default_route() {
        let text = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                    eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
                    eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
                    docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n";
        let routes: Vec<String> = parse_proc_net_route(text)
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(routes, vec!["192.168.0.0/24", "172.17.0.0/16"]);
    }

    #[test]
    fn a_free_port_can_be_bound() {
        let port = free_port("127.0.0.1".parse().unwrap()).unwrap();
        assert!(port > 0);
        std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    }
}
