//! A cluster that exists: found by its labels, its nodes' metadata read back
//! from the nodes (/etc/devk/node.json), its admin credentials read from the
//! control plane (/etc/kubernetes/admin.conf). Every day-two command (load,
//! export, stop/start, kubeconfig) starts here; none needs a state file.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::plan::API_SERVER_PORT;
use super::{ClusterError, NodeInfo};
use crate::bootstrap::NODE_METADATA;
use crate::engine::{ContainerState, Engine};
use crate::kubeconfig;
use crate::pki::paths::ADMIN_CONF;

pub const ROLE_CONTROL_PLANE: &str = "control-plane";
pub const ROLE_BALANCER: &str = "balancer";

/// The containers of one cluster, as the engine's labels say.
#[derive(Clone, Debug, PartialEq)]
pub struct ExistingCluster {
    pub name: String,
    /// The Kubernetes nodes, sorted by name: `<c>-control-plane` comes
    /// before `<c>-control-plane2`, so the first control plane is the
    /// primary one.
    pub nodes: Vec<NodeInfo>,
    /// In front of several control planes.
    pub balancer: Option<NodeInfo>,
}

/// Where a kubeconfig's server should point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiEndpoint {
    /// The port published on the host: for kubectl on the host.
    Host,
    /// The control plane's (or balancer's) address on the cluster network:
    /// for containers attached to that network.
    Internal,
}

/// What devk wrote into a node about itself.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NodeMetadata {
    pub cluster: String,
    pub node: String,
    pub role: String,
    pub ip: std::net::Ipv4Addr,
    #[serde(rename = "podCIDR")]
    pub pod_cidr: ipnet::Ipv4Net,
    pub kubernetes: String,
    #[serde(default)]
    pub units: Vec<String>,
}

impl ExistingCluster {
    /// The cluster's containers; NotFound when there are none.
    pub async fn find(engine: &Engine, name: &str) -> Result<ExistingCluster, ClusterError> {
        let all = super::nodes(engine, Some(name)).await?;
        Self::from_containers(name, all)
    }

    /// Sort containers into nodes and balancer (plain data, for tests).
    pub fn from_containers(
        name: &str,
        mut containers: Vec<NodeInfo>,
    ) -> Result<ExistingCluster, ClusterError> {
        if containers.is_empty() {
            return Err(ClusterError::NotFound {
                name: name.to_string(),
            });
        }
        containers.sort_by(|a, b| a.name.cmp(&b.name));
        let (balancers, nodes): (Vec<NodeInfo>, Vec<NodeInfo>) = containers
            .into_iter()
            .partition(|c| c.role == ROLE_BALANCER);
        Ok(ExistingCluster {
            name: name.to_string(),
            nodes,
            balancer: balancers.into_iter().next(),
        })
    }

    pub fn control_planes(&self) -> impl Iterator<Item = &NodeInfo> {
        self.nodes.iter().filter(|n| n.role == ROLE_CONTROL_PLANE)
    }

    /// The first control plane: where the admin kubeconfig is read and
    /// checks are exec'ed.
    pub fn primary_control_plane(&self) -> Result<&NodeInfo, ClusterError> {
        self.control_planes()
            .next()
            .ok_or_else(|| ClusterError::Node {
                what: format!("cluster {}", self.name),
                message: "it has no control-plane node (was it partly deleted?)".to_string(),
            })
    }

    /// The container that publishes the API server's port.
    pub fn api_publisher(&self) -> Result<&NodeInfo, ClusterError> {
        match &self.balancer {
            Some(b) => Ok(b),
            None => self.primary_control_plane(),
        }
    }

    /// Every container: the nodes, then the balancer.
    pub fn containers(&self) -> impl Iterator<Item = &NodeInfo> {
        self.nodes.iter().chain(self.balancer.iter())
    }

    pub fn node(&self, name: &str) -> Option<&NodeInfo> {
        self.nodes.iter().find(|n| n.name == name)
    }

    pub fn is_running(node: &NodeInfo) -> bool {
        node.state == ContainerState::Running
    }
}

/// Read and parse a node's /etc/devk/node.json (works on stopped nodes).
pub async fn node_metadata(engine: &Engine, node: &str) -> Result<NodeMetadata, ClusterError> {
    let bytes = engine.read_file(node, NODE_METADATA).await?;
    serde_json::from_slice(&bytes).map_err(|e| ClusterError::Node {
        what: format!("{node}:{NODE_METADATA}"),
        message: e.to_string(),
    })
}

/// The credentials inside a component kubeconfig such as admin.conf:
/// (CA PEM, client certificate PEM, client key PEM).
pub fn credentials_of(kubeconfig_text: &str) -> Result<(String, String, String), String> {
    let doc = kubeconfig::document::parse(kubeconfig_text).map_err(|e| e.to_string())?;
    let first = |list: &str, stanza: &str| {
        doc.get(list)
            .and_then(|l| l.as_array())
            .and_then(|l| l.first())
            .and_then(|item| item.get(stanza))
            .cloned()
            .ok_or_else(|| format!("no {list}[0].{stanza}"))
    };
    let decode = |stanza: &serde_json::Value, key: &str| -> Result<String, String> {
        let data = stanza
            .get(key)
            .and_then(|v| v.as_str())
            .ok_or_else(|| format!("no {key}"))?;
        let bytes = STANDARD
            .decode(data.trim())
            .map_err(|e| format!("{key} is not base64: {e}"))?;
        String::from_utf8(bytes).map_err(|_| format!("{key} is not PEM text"))
    };
    let cluster = first("clusters", "cluster")?;
    let user = first("users", "user")?;
    Ok((
        decode(&cluster, "certificate-authority-data")?,
        decode(&user, "client-certificate-data")?,
        decode(&user, "client-key-data")?,
    ))
}

/// `https://host:port` for a published binding; an unspecified address
/// (all interfaces) is reached through loopback.
pub fn host_url(host_ip: &str, port: u16) -> String {
    let host = match host_ip {
        "" | "0.0.0.0" => "127.0.0.1".to_string(),
        "::" => "[::1]".to_string(),
        ip if ip.contains(':') => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    format!("https://{host}:{port}")
}

/// The host binding of the API port: from the running container's
/// published ports, or, stopped, from its configured bindings.
async fn api_host_binding(
    engine: &Engine,
    publisher: &NodeInfo,
) -> Result<(String, u16), ClusterError> {
    let key = format!("{API_SERVER_PORT}/tcp");
    let info = engine.inspect_container(&publisher.name).await?;
    if let Some((_, ip, port)) = info.ports.iter().find(|(k, _, _)| *k == key) {
        return Ok((ip.clone(), *port));
    }
    let raw = engine.inspect_container_json(&publisher.name).await?;
    let binding = raw
        .pointer("/HostConfig/PortBindings")
        .and_then(|b| b.get(&key))
        .and_then(|b| b.as_array())
        .and_then(|b| b.first());
    let port = binding
        .and_then(|b| b.get("HostPort"))
        .and_then(|p| p.as_str())
        .and_then(|p| p.parse::<u16>().ok())
        .filter(|p| *p != 0);
    match port {
        Some(port) => {
            let ip = binding
                .and_then(|b| b.get("HostIp"))
                .and_then(|i| i.as_str())
                .unwrap_or_default();
            Ok((ip.to_string(), port))
        }
        None => Err(ClusterError::Node {
            what: format!("container {}", publisher.name),
            message: format!("it publishes no host port for {key}"),
        }),
    }
}

/// The server URL for a kubeconfig of this cluster.
pub async fn api_server_url(
    engine: &Engine,
    cluster: &ExistingCluster,
    endpoint: ApiEndpoint,
) -> Result<String, ClusterError> {
    let publisher = cluster.api_publisher()?;
    match endpoint {
        ApiEndpoint::Host => {
            let (ip, port) = api_host_binding(engine, publisher).await?;
            Ok(host_url(&ip, port))
        }
        ApiEndpoint::Internal => {
            let ip = match &publisher.ip {
                Some(ip) => ip.clone(),
                None => node_metadata(engine, &publisher.name).await?.ip.to_string(),
            };
            Ok(format!("https://{ip}:{API_SERVER_PORT}"))
        }
    }
}

/// devk's kubeconfig entry (`devk-<name>`) for the cluster, with the admin
/// credentials read from the primary control plane.
pub async fn admin_entry(
    engine: &Engine,
    cluster: &ExistingCluster,
    endpoint: ApiEndpoint,
) -> Result<kubeconfig::Entry, ClusterError> {
    let cp = cluster.primary_control_plane()?;
    let text = engine.read_file(&cp.name, ADMIN_CONF).await?;
    let (ca_pem, client_cert_pem, client_key_pem) = credentials_of(&String::from_utf8_lossy(&text))
        .map_err(|message| ClusterError::Node {
            what: format!("{}:{ADMIN_CONF}", cp.name),
            message,
        })?;
    Ok(kubeconfig::Entry {
        name: kubeconfig::entry_name(&cluster.name),
        server: api_server_url(engine, cluster, endpoint).await?,
        ca_pem,
        client_cert_pem,
        client_key_pem,
    })
}

/// A client with the cluster's admin credentials, through the host port.
pub async fn admin_client(
    engine: &Engine,
    cluster: &ExistingCluster,
) -> Result<kube::Client, ClusterError> {
    let entry = admin_entry(engine, cluster, ApiEndpoint::Host).await?;
    let yaml = kubeconfig::render(&entry)?;
    Ok(crate::kube::from_kubeconfig_yaml(&yaml, None).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, role: &str, state: ContainerState) -> NodeInfo {
        NodeInfo {
            name: name.to_string(),
            cluster: "c".to_string(),
            role: role.to_string(),
            state,
            ip: Some("172.30.0.2".to_string()),
            image: "img".to_string(),
        }
    }

    #[test]
    fn containers_sort_into_nodes_and_balancer_with_the_primary_first() {
        use ContainerState::*;
        let c = ExistingCluster::from_containers(
            "c",
            vec![
                info("c-worker", "worker", Running),
                info("c-external-load-balancer", "balancer", Running),
                info("c-control-plane2", "control-plane", Exited),
                info("c-control-plane", "control-plane", Running),
            ],
        )
        .unwrap();
        assert_eq!(c.primary_control_plane().unwrap().name, "c-control-plane");
        assert_eq!(c.api_publisher().unwrap().name, "c-external-load-balancer");
        assert_eq!(c.nodes.len(), 3);
        assert_eq!(c.containers().count(), 4);
        assert!(c.node("c-external-load-balancer").is_none());
        assert!(c.node("c-worker").is_some());
    }

    #[test]
    fn no_containers_is_no_such_cluster() {
        let err = ExistingCluster::from_containers("gone", vec![]).unwrap_err();
        assert!(matches!(err, ClusterError::NotFound { name } if name == "gone"));
    }

    #[test]
    fn a_cluster_without_control_plane_says_so() {
        let c = ExistingCluster::from_containers(
            "c",
            vec![info("c-worker", "worker", ContainerState::Running)],
        )
        .unwrap();
        assert!(
            c.primary_control_plane()
                .unwrap_err()
                .to_string()
                .contains("no control-plane")
        );
    }

    #[test]
    fn host_urls_reach_unspecified_addresses_through_loopback() {
        let cases = [
            ("127.0.0.1", 40000, "https://127.0.0.1:40000"),
            ("0.0.0.0", 6443, "https://127.0.0.1:6443"),
            ("", 6443, "https://127.0.0.1:6443"),
            ("::", 1, "https://[::1]:1"),
            ("fd00::1", 2, "https://[fd00::1]:2"),
            ("192.168.1.5", 3, "https://192.168.1.5:3"),
        ];
        for (ip, port, want) in cases {
            assert_eq!(host_url(ip, port), want, "{ip}");
        }
    }

    #[test]
    fn credentials_come_out_of_a_component_kubeconfig() {
        let b64 = |s: &str| STANDARD.encode(s);
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://10.0.0.1:6443\n    certificate-authority-data: {}\nusers:\n- name: devk-admin\n  user:\n    client-certificate-data: {}\n    client-key-data: {}\ncontexts: []\n",
            b64("CA PEM"),
            b64("CERT PEM"),
            b64("KEY PEM")
        );
        let (ca, cert, key) = credentials_of(&text).unwrap();
        assert_eq!(
            (ca.as_str(), cert.as_str(), key.as_str()),
            ("CA PEM", "CERT PEM", "KEY PEM")
        );
        let err = credentials_of("apiVersion: v1\nclusters: []\n").unwrap_err();
        assert!(err.contains("clusters[0].cluster"), "{err}");
    }

    #[test]
    fn node_metadata_parses_what_bootstrap_writes() {
        let json = r#"{"cluster":"d","node":"d-worker","role":"worker","ip":"172.30.1.3",
            "podCIDR":"10.244.1.0/24","kubernetes":"v1.36.2","units":["containerd","kubelet"]}"#;
        let m: NodeMetadata = serde_json::from_str(json).unwrap();
        assert_eq!(m.pod_cidr.to_string(), "10.244.1.0/24");
        assert_eq!(m.units, vec!["containerd", "kubelet"]);
        assert_eq!(m.role, "worker");
    }
}
