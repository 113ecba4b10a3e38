//! Flags of the control-plane components: etcd, kube-apiserver,
//! kube-controller-manager, kube-scheduler. Every path comes from
//! [`crate::pki::paths`], so certificates and flags cannot drift apart.

use super::NodeContext;
use super::flags::Flags;
use super::versions::APISERVER_WATCH_GRACE;
use crate::cluster::plan::API_SERVER_PORT;
use crate::pki::paths::*;

pub const ETCD_DATA_DIR: &str = "/var/lib/etcd";
pub const ETCD_CLIENT_PORT: u16 = 2379;
pub const ETCD_PEER_PORT: u16 = 2380;

pub fn etcd(ctx: &NodeContext) -> Flags {
    let node = ctx.node;
    let ip = node.ip;
    let initial_cluster: Vec<String> = ctx
        .plan
        .control_planes()
        .map(|cp| format!("{}=https://{}:{ETCD_PEER_PORT}", cp.name, cp.ip))
        .collect();
    let mut f = Flags::new();
    f.set("name", &node.name)
        .set("data-dir", ETCD_DATA_DIR)
        .set(
            "listen-client-urls",
            format!("https://127.0.0.1:{ETCD_CLIENT_PORT},https://{ip}:{ETCD_CLIENT_PORT}"),
        )
        .set(
            "advertise-client-urls",
            format!("https://{ip}:{ETCD_CLIENT_PORT}"),
        )
        .set("listen-peer-urls", format!("https://{ip}:{ETCD_PEER_PORT}"))
        .set(
            "initial-advertise-peer-urls",
            format!("https://{ip}:{ETCD_PEER_PORT}"),
        )
        .set("initial-cluster", initial_cluster.join(","))
        .set("initial-cluster-state", "new")
        .set("initial-cluster-token", format!("devk-{}", ctx.plan.name))
        .set("listen-metrics-urls", "http://127.0.0.1:2381")
        .set("client-cert-auth", true)
        .set("trusted-ca-file", ETCD_CA_CERT)
        .set("cert-file", ETCD_SERVER_CERT)
        .set("key-file", ETCD_SERVER_KEY)
        .set("peer-client-cert-auth", true)
        .set("peer-trusted-ca-file", ETCD_CA_CERT)
        .set("peer-cert-file", ETCD_PEER_CERT)
        .set("peer-key-file", ETCD_PEER_KEY)
        .set("snapshot-count", 10000);
    f.extend_from(&ctx.plan.kubernetes.extra_args.etcd);
    f
}

pub fn kube_apiserver(ctx: &NodeContext) -> Flags {
    let plan = ctx.plan;
    let mut f = Flags::new();
    f.set("advertise-address", ctx.node.ip)
        .set("bind-address", "0.0.0.0")
        .set("secure-port", API_SERVER_PORT)
        .set("allow-privileged", true)
        .set("authorization-mode", "Node,RBAC")
        .set("enable-admission-plugins", "NodeRestriction")
        .set("client-ca-file", CA_CERT)
        .set("tls-cert-file", API_SERVER_CERT)
        .set("tls-private-key-file", API_SERVER_KEY)
        // Each API server talks to the etcd member on its own node; etcd
        // replicates between control planes.
        .set(
            "etcd-servers",
            format!("https://127.0.0.1:{ETCD_CLIENT_PORT}"),
        )
        .set("etcd-cafile", ETCD_CA_CERT)
        .set("etcd-certfile", API_SERVER_ETCD_CLIENT_CERT)
        .set("etcd-keyfile", API_SERVER_ETCD_CLIENT_KEY)
        .set("kubelet-client-certificate", API_SERVER_KUBELET_CLIENT_CERT)
        .set("kubelet-client-key", API_SERVER_KUBELET_CLIENT_KEY)
        .set("kubelet-certificate-authority", CA_CERT)
        .set("kubelet-preferred-address-types", "InternalIP,Hostname")
        .set("proxy-client-cert-file", FRONT_PROXY_CLIENT_CERT)
        .set("proxy-client-key-file", FRONT_PROXY_CLIENT_KEY)
        .set("requestheader-client-ca-file", FRONT_PROXY_CA_CERT)
        .set(
            "requestheader-allowed-names",
            crate::pki::identities::FRONT_PROXY_CLIENT,
        )
        .set("requestheader-extra-headers-prefix", "X-Remote-Extra-")
        .set("requestheader-group-headers", "X-Remote-Group")
        .set("requestheader-username-headers", "X-Remote-User")
        .set(
            "service-account-issuer",
            format!("https://kubernetes.default.svc.{}", plan.dns_domain),
        )
        .set("service-account-key-file", SERVICE_ACCOUNT_PUB)
        .set("service-account-signing-key-file", SERVICE_ACCOUNT_KEY)
        .set("service-cluster-ip-range", plan.service_subnet)
        .set("profiling", false);
    if APISERVER_WATCH_GRACE.applies_to(ctx.version) {
        // Otherwise open watches hold a stopping API server for a minute.
        f.set("shutdown-watch-termination-grace-period", "2s");
    }
    if !plan.kubernetes.runtime_config.is_empty() {
        let rc: Vec<String> = plan
            .kubernetes
            .runtime_config
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        f.set("runtime-config", rc.join(","));
    }
    f.extend_from(&plan.kubernetes.extra_args.api_server);
    f.feature_gates(&plan.kubernetes.feature_gates);
    f
}

/// Leader election only where there is someone to elect against: a single
/// control plane restarting would otherwise wait out its own old lease.
fn leader_elect(ctx: &NodeContext) -> bool {
    ctx.plan.control_planes().count() > 1
}

pub fn kube_controller_manager(ctx: &NodeContext) -> Flags {
    let plan = ctx.plan;
    let mut f = Flags::new();
    f.set("kubeconfig", CONTROLLER_MANAGER_CONF)
        .set("authentication-kubeconfig", CONTROLLER_MANAGER_CONF)
        .set("authorization-kubeconfig", CONTROLLER_MANAGER_CONF)
        .set("bind-address", "127.0.0.1")
        .set("client-ca-file", CA_CERT)
        .set("requestheader-client-ca-file", FRONT_PROXY_CA_CERT)
        .set("cluster-name", &plan.name)
        .set("cluster-signing-cert-file", CA_CERT)
        .set("cluster-signing-key-file", CA_KEY)
        .set("root-ca-file", CA_CERT)
        .set("service-account-private-key-file", SERVICE_ACCOUNT_KEY)
        .set("use-service-account-credentials", true)
        // With a credential per controller, start-up makes some hundred
        // requests (service accounts, tokens) through one client; at the
        // default 20 requests/s its rate limiter held every controller back
        // by 4-5 s, and a new node's not-ready taint with them.
        .set("kube-api-qps", 200)
        .set("kube-api-burst", 400)
        .set("service-cluster-ip-range", plan.service_subnet)
        .set("cluster-cidr", plan.pod_subnet)
        // devk gives every node its pod range itself (routes are computed
        // before boot), so the controller must not allocate them.
        .set("allocate-node-cidrs", false)
        // The default StorageClass `standard` provisions host-path volumes
        // on the node where the pod runs.
        .set("enable-hostpath-provisioner", true)
        .set("controllers", "*")
        .set("leader-elect", leader_elect(ctx))
        .set("profiling", false);
    f.extend_from(&plan.kubernetes.extra_args.controller_manager);
    f.feature_gates(&plan.kubernetes.feature_gates);
    f
}

pub fn kube_scheduler(ctx: &NodeContext) -> Flags {
    let mut f = Flags::new();
    f.set("kubeconfig", SCHEDULER_CONF)
        .set("authentication-kubeconfig", SCHEDULER_CONF)
        .set("authorization-kubeconfig", SCHEDULER_CONF)
        .set("bind-address", "127.0.0.1")
        .set("leader-elect", leader_elect(ctx))
        .set("profiling", false);
    f.extend_from(&ctx.plan.kubernetes.extra_args.scheduler);
    f.feature_gates(&ctx.plan.kubernetes.feature_gates);
    f
}
