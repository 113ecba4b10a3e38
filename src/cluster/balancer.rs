//! The load balancer in front of several control planes: haproxy from the
//! node image (nothing pulled, no privileges), health-checking each API
//! server's /readyz.

use super::node_container::{api_port, node_labels};
use super::plan::{API_SERVER_PORT, BalancerPlan, ClusterPlan};
use crate::engine::{ContainerSpec, FileEntry};

pub const CONFIG_PATH: &str = "/etc/devk/haproxy.cfg";

pub fn haproxy_config(plan: &ClusterPlan) -> String {
    let mut servers = String::new();
    for cp in plan.control_planes() {
        servers.push_str(&format!(
            "  server {} {}:{API_SERVER_PORT}\n",
            cp.name, cp.ip
        ));
    }
    format!(
        "# Written by devk: the API servers of cluster {name}.\n\
         global\n  log stdout format raw local0 warning\n  maxconn 4000\n\n\
         defaults\n  mode tcp\n  log global\n  timeout connect 3s\n  timeout client 1h\n  timeout server 1h\n\n\
         frontend kube-apiserver\n  bind *:{API_SERVER_PORT}\n  default_backend control-planes\n\n\
         backend control-planes\n  option httpchk GET /readyz\n  http-check expect status 200\n  \
         default-server inter 1s fall 2 rise 1 check check-ssl verify none\n{servers}",
        name = plan.name
    )
}

pub fn balancer_spec(plan: &ClusterPlan, balancer: &BalancerPlan, image: &str) -> ContainerSpec {
    ContainerSpec {
        name: balancer.name.clone(),
        hostname: balancer.name.clone(),
        image: image.to_string(),
        labels: node_labels(&plan.name, "balancer"),
        entrypoint: Some(vec![
            "/usr/sbin/haproxy".to_string(),
            "-W".to_string(),
            "-db".to_string(),
            "-f".to_string(),
            CONFIG_PATH.to_string(),
        ]),
        network: plan.network.name.clone(),
        ipv4: Some(balancer.ip),
        ports: vec![api_port(plan)],
        restart_unless_stopped: true,
        stop_timeout_secs: Some(2),
        ..Default::default()
    }
}

pub fn balancer_files(plan: &ClusterPlan) -> Vec<FileEntry> {
    vec![FileEntry::new(
        CONFIG_PATH,
        haproxy_config(plan).into_bytes(),
        0o644,
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::plan::{PlanInputs, plan};
    use crate::config::{Cluster, Node, Role};

    #[test]
    fn every_control_plane_is_a_checked_backend() {
        let mut c = Cluster::default_named("ha");
        c.nodes = vec![
            Node::new(Role::ControlPlane),
            Node::new(Role::ControlPlane),
            Node::new(Role::Worker),
        ];
        let p = plan(
            &c,
            &PlanInputs {
                subnets_in_use: vec![],
                free_api_port: 40000,
                default_image: "img".into(),
            },
        )
        .unwrap();
        let cfg = haproxy_config(&p);
        for cp in p.control_planes() {
            assert!(cfg.contains(&format!("server {} {}:6443", cp.name, cp.ip)));
        }
        assert!(!cfg.contains("ha-worker"));
        assert!(cfg.contains("option httpchk GET /readyz"));
        let spec = balancer_spec(&p, p.balancer.as_ref().unwrap(), "img");
        assert_eq!(spec.ports[0].host_port, Some(40000));
        assert!(spec.security.is_none(), "the balancer needs no privileges");
    }
}
