//! Cluster DNS. CoreDNS runs as a process on each control-plane node
//! (host network, bound to the node's address) behind the selector-less
//! `kube-dns` Service, whose EndpointSlice devk manages. Why not a
//! Deployment: nothing to pull or schedule, so names resolve seconds sooner
//! after create and after a restart, and a pod-network problem cannot take
//! DNS down with it.

use super::NodeContext;
use super::flags::Flags;
use crate::pki::paths::COREDNS_CONF;

pub const COREFILE: &str = "/etc/coredns/Corefile";
pub const DNS_PORT: u16 = 53;
pub const HEALTH_PORT: u16 = 8180;
pub const READY_PORT: u16 = 8181;

pub fn corefile(ctx: &NodeContext) -> String {
    let ip = ctx.node.ip;
    let domain = &ctx.plan.dns_domain;
    format!(
        r#"# Written by devk for {node}.
.:{DNS_PORT} {{
    bind {ip}
    errors
    health 127.0.0.1:{HEALTH_PORT}
    ready 127.0.0.1:{READY_PORT}
    kubernetes {domain} in-addr.arpa ip6.arpa {{
        kubeconfig {COREDNS_CONF}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }}
    forward . /etc/resolv.conf {{
        max_concurrent 1000
    }}
    cache 30
    loop
    reload
    loadbalance
}}
"#,
        node = ctx.node.name,
    )
}

pub fn flags() -> Flags {
    let mut f = Flags::new();
    f.set("conf", COREFILE);
    f
}
