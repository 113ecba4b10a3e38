//! What runs on every node: the kubelet (a KubeletConfiguration plus a few
//! flags) and kube-proxy (a KubeProxyConfiguration). Configs are written as
//! JSON, which both components read as YAML.

use serde_json::{Value, json};

use super::NodeContext;
use super::containerd::SOCKET;
use super::flags::Flags;
use super::versions::KUBELET_FAIL_CGROUP_V1;
use crate::config::{KubeProxyMode, Role};
use crate::pki::paths::*;

pub const KUBELET_CONFIG: &str = "/etc/kubernetes/kubelet/config.yaml";
pub const KUBE_PROXY_CONFIG: &str = "/etc/kubernetes/kube-proxy/config.yaml";
/// The taint a control plane carries when the cluster has workers.
pub const CONTROL_PLANE_TAINT_KEY: &str = "node-role.kubernetes.io/control-plane";

pub fn kubelet_config(ctx: &NodeContext) -> Value {
    let plan = ctx.plan;
    let mut config = json!({
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "authentication": {
            "anonymous": { "enabled": false },
            "webhook": { "enabled": true, "cacheTTL": "0s" },
            "x509": { "clientCAFile": CA_CERT }
        },
        "authorization": {
            "mode": "Webhook",
            "webhook": { "cacheAuthorizedTTL": "0s", "cacheUnauthorizedTTL": "0s" }
        },
        "cgroupDriver": "systemd",
        "containerRuntimeEndpoint": SOCKET,
        "clusterDNS": [plan.dns_service_ip.to_string()],
        "clusterDomain": plan.dns_domain,
        "tlsCertFile": KUBELET_SERVING_CERT,
        "tlsPrivateKeyFile": KUBELET_SERVING_KEY,
        "rotateCertificates": false,
        "serverTLSBootstrap": false,
        "failSwapOn": false,
        "resolvConf": "/etc/resolv.conf",
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": 10248,
        "serializeImagePulls": false,
        // A laptop's disk is often nearly full; a dev cluster must not evict
        // its pods or delete images for it.
        "evictionHard": {
            "imagefs.available": "0%",
            "nodefs.available": "0%",
            "nodefs.inodesFree": "0%"
        },
        "imageGCHighThresholdPercent": 100,
        "kernelMemcgNotification": false,
        "protectKernelDefaults": false
    });
    if ctx.host.cgroup_v1 && KUBELET_FAIL_CGROUP_V1.applies_to(ctx.version) {
        // Kubernetes 1.35+ refuses cgroup v1 hosts unless told otherwise.
        config["failCgroupV1"] = json!(false);
    }
    if ctx.host.restricted {
        // Without CAP_SYS_RESOURCE the kubelet cannot lower its own score.
        config["oomScoreAdj"] = json!(0);
    }
    if ctx.node.role == Role::ControlPlane && plan.has_workers() {
        config["registerWithTaints"] = json!([{
            "key": CONTROL_PLANE_TAINT_KEY,
            "effect": "NoSchedule"
        }]);
    }
    merge_extra_config(&mut config, &plan.kubernetes.feature_gates);
    config
}

/// Feature gates go into the config's `featureGates` map.
fn merge_extra_config(config: &mut Value, gates: &std::collections::BTreeMap<String, bool>) {
    if !gates.is_empty() {
        config["featureGates"] = json!(gates);
    }
}

pub fn kubelet_flags(ctx: &NodeContext) -> Flags {
    let mut f = Flags::new();
    f.set("config", KUBELET_CONFIG)
        .set("kubeconfig", KUBELET_CONF)
        .set("node-ip", ctx.node.ip)
        .set("hostname-override", &ctx.node.name);
    f.extend_from(&ctx.plan.kubernetes.extra_args.kubelet);
    f
}

pub fn kube_proxy_config(ctx: &NodeContext) -> Option<Value> {
    let mode = match ctx.plan.kube_proxy_mode {
        KubeProxyMode::None => return None,
        KubeProxyMode::Iptables => "iptables",
        KubeProxyMode::Nftables => "nftables",
    };
    let mut config = json!({
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "clientConnection": { "kubeconfig": KUBE_PROXY_CONF },
        "mode": mode,
        "clusterCIDR": ctx.plan.pod_subnet.to_string(),
        "hostnameOverride": ctx.node.name,
        "bindAddress": ctx.node.ip.to_string(),
        "metricsBindAddress": "127.0.0.1:10249",
        // conntrack settings are the host's: leave them alone.
        "conntrack": {
            "maxPerCore": 0,
            "tcpEstablishedTimeout": "0s",
            "tcpCloseWaitTimeout": "0s"
        }
    });
    if !ctx.plan.kubernetes.feature_gates.is_empty() {
        config["featureGates"] = json!(ctx.plan.kubernetes.feature_gates);
    }
    Some(config)
}

pub fn kube_proxy_flags(ctx: &NodeContext) -> Flags {
    let mut f = Flags::new();
    f.set("config", KUBE_PROXY_CONFIG);
    f.extend_from(&ctx.plan.kubernetes.extra_args.kube_proxy);
    f
}
