//! Add-ons applied at create (manifests/): the RBAC the components need,
//! cluster DNS (the kube-dns Service and the EndpointSlice devk manages),
//! and the default StorageClass.

use serde_json::{Value, json};

use super::ClusterError;
use super::plan::ClusterPlan;
use crate::bootstrap::DNS_PORT;
use crate::kube::{Applier, KubeError};

const RBAC: &str = include_str!("../../manifests/rbac.yaml");
const STORAGE: &str = include_str!("../../manifests/storage.yaml");
const DNS: &str = include_str!("../../manifests/dns.yaml");

/// The value of `endpointslice.kubernetes.io/managed-by` on devk's slice:
/// not the EndpointSlice controller's, so it leaves the slice alone. (A
/// label value: no `/`.)
pub const ENDPOINTSLICE_MANAGER: &str = "devk.dev";

/// Every add-on object for the plan, in apply order.
pub fn objects(plan: &ClusterPlan) -> Result<Vec<Value>, ClusterError> {
    let mut out = Vec::new();
    for (name, text) in [
        ("rbac.yaml", RBAC),
        ("storage.yaml", STORAGE),
        ("dns.yaml", DNS),
    ] {
        let text = text.replace("${DNS_SERVICE_IP}", &plan.dns_service_ip.to_string());
        for doc in split_documents(&text) {
            let value: Value = serde_saphyr::from_str(doc).map_err(|e| ClusterError::Node {
                what: format!("manifests/{name}"),
                message: e.to_string(),
            })?;
            if !value.is_null() {
                out.push(value);
            }
        }
    }
    out.push(dns_endpoint_slice(plan));
    Ok(out)
}

fn split_documents(text: &str) -> Vec<&str> {
    text.split("\n---\n")
        .filter(|d| !d.trim().is_empty())
        .collect()
}

/// The kube-dns endpoints: CoreDNS on every control plane.
pub fn dns_endpoint_slice(plan: &ClusterPlan) -> Value {
    let endpoints: Vec<Value> = plan
        .control_planes()
        .map(|cp| {
            json!({
                "addresses": [cp.ip.to_string()],
                "conditions": { "ready": true },
                "nodeName": cp.name,
            })
        })
        .collect();
    json!({
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": "kube-dns-devk",
            "namespace": "kube-system",
            "labels": {
                "kubernetes.io/service-name": "kube-dns",
                "endpointslice.kubernetes.io/managed-by": ENDPOINTSLICE_MANAGER,
                "app.kubernetes.io/managed-by": "devk",
            }
        },
        "addressType": "IPv4",
        "endpoints": endpoints,
        "ports": [
            { "name": "dns", "port": DNS_PORT, "protocol": "UDP" },
            { "name": "dns-tcp", "port": DNS_PORT, "protocol": "TCP" },
        ]
    })
}

/// Apply every add-on (in parallel: they do not depend on each other).
pub async fn apply(applier: &Applier, plan: &ClusterPlan) -> Result<(), ClusterError> {
    let objects = objects(plan)?;
    let results = futures::future::join_all(objects.iter().map(|o| applier.apply(o, None))).await;
    for r in results {
        r.map_err(|e: KubeError| ClusterError::Kube(e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::plan::{PlanInputs, plan};
    use crate::config::{Cluster, Node, Role};

    fn ha_plan() -> ClusterPlan {
        let mut c = Cluster::default_named("dev");
        c.nodes = vec![
            Node::new(Role::ControlPlane),
            Node::new(Role::ControlPlane),
            Node::new(Role::Worker),
        ];
        plan(
            &c,
            &PlanInputs {
                subnets_in_use: vec![],
                free_api_port: 40000,
                default_image: "img".into(),
            },
        )
        .unwrap()
    }

    #[test]
    fn addons_parse_and_dns_gets_the_tenth_service_address() {
        let p = ha_plan();
        let objs = objects(&p).unwrap();
        let kinds: Vec<&str> = objs.iter().map(|o| o["kind"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            vec![
                "ClusterRoleBinding",
                "ClusterRole",
                "ClusterRoleBinding",
                "StorageClass",
                "Service",
                "EndpointSlice"
            ]
        );
        let svc = objs.iter().find(|o| o["kind"] == "Service").unwrap();
        assert_eq!(svc["spec"]["clusterIP"], "10.96.0.10");
        assert!(svc["spec"].get("selector").is_none());
        let sc = objs.iter().find(|o| o["kind"] == "StorageClass").unwrap();
        assert_eq!(
            sc["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"],
            "true"
        );
    }

    #[test]
    fn the_dns_slice_lists_every_control_plane_and_is_not_the_controllers() {
        let p = ha_plan();
        let slice = dns_endpoint_slice(&p);
        let addrs: Vec<&str> = slice["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["addresses"][0].as_str().unwrap())
            .collect();
        let cps: Vec<String> = p.control_planes().map(|c| c.ip.to_string()).collect();
        assert_eq!(addrs, cps);
        let manager = slice["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"]
            .as_str()
            .unwrap();
        assert_ne!(manager, "endpointslice-controller.k8s.io");
        assert!(!manager.contains('/'));
    }
}
