use ipnet::Ipv4Net;
use serde_json::{Value, json};

pub const CNI_CONFLIST_PATH: &str = "/etc/cni/net.d/10-devk.conflist";

/// The node's CNI configuration: a veth pair per pod with a host route
/// (ptp), addresses from the node's range, host ports through portmap.
/// Masquerade is devk's own rule (one per node, not one per pod).
pub fn conflist(pod_cidr: Ipv4Net, mtu: u32) -> Value {
    json!({
        "cniVersion": "1.0.0",
        "name": "devk",
        "plugins": [
            {
                "type": "ptp",
                "ipMasq": false,
                "mtu": mtu,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{ "subnet": pod_cidr.to_string() }]],
                    "routes": [{ "dst": "0.0.0.0/0" }],
                    "dataDir": "/var/lib/cni/networks"
                }
            },
            {
                "type": "portmap",
                "capabilities": { "portMappings": true },
                "snat": true
            }
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflist_uses_the_node_range_and_maps_ports() {
        let c = conflist("10.244.3.0/24".parse().unwrap(), 1500);
        assert_eq!(c["plugins"][0]["type"], "ptp");
        assert_eq!(
            c["plugins"][0]["ipam"]["ranges"][0][0]["subnet"],
            "10.244.3.0/24"
        );
        assert_eq!(c["plugins"][0]["ipMasq"], false);
        assert_eq!(c["plugins"][1]["type"], "portmap");
        assert_eq!(c["plugins"][1]["capabilities"]["portMappings"], true);
    }
}
