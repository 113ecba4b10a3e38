use std::collections::HashMap;

use bollard::models::{Ipam, IpamConfig, NetworkCreateRequest};
use bollard::query_parameters::ListNetworksOptions;
use ipnet::IpNet;

use super::error::status_of;
use super::{Engine, EngineError, labels};

/// A network as the engine reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkInfo {
    pub name: String,
    pub subnets: Vec<IpNet>,
    pub labels: HashMap<String, String>,
}

impl Engine {
    /// Every subnet any network of the engine uses, so a new cluster's
    /// network can avoid them all.
    pub async fn subnets_in_use(&self) -> Result<Vec<IpNet>, EngineError> {
        Ok(self
            .list_networks(None)
            .await?
            .into_iter()
            .flat_map(|n| n.subnets)
            .collect())
    }

    /// Networks, all of them or only those carrying a label filter
    /// (`key` or `key=value`).
    pub async fn list_networks(
        &self,
        label: Option<&str>,
    ) -> Result<Vec<NetworkInfo>, EngineError> {
        let mut filters = HashMap::new();
        if let Some(label) = label {
            filters.insert("label".to_string(), vec![label.to_string()]);
        }
        let networks = self
            .docker
            .list_networks(Some(ListNetworksOptions {
                filters: Some(filters),
            }))
            .await
            .map_err(EngineError::api("listing", "networks"))?;
        Ok(networks
            .into_iter()
            .map(|n| NetworkInfo {
                name: n.name.unwrap_or_default(),
                subnets: n
                    .ipam
                    .and_then(|ipam| ipam.config)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|c| c.subnet.and_then(|s| s.parse().ok()))
                    .collect(),
                labels: n.labels.unwrap_or_default(),
            })
            .collect())
    }

    /// Create a bridge network for one cluster with a fixed subnet, so that
    /// node containers can have static addresses.
    pub async fn create_network(
        &self,
        name: &str,
        subnet: IpNet,
        gateway: std::net::IpAddr,
        cluster: &str,
        mtu: Option<u32>,
    ) -> Result<(), EngineError> {
        let mut options = HashMap::new();
        // Pods reach the host and each other through the node's routing;
        // the bridge must not isolate node containers from one another.
        options.insert(
            "com.docker.network.bridge.enable_ip_masquerade".to_string(),
            "true".to_string(),
        );
        if let Some(mtu) = mtu {
            options.insert("com.docker.network.driver.mtu".to_string(), mtu.to_string());
        }
        let request = NetworkCreateRequest {
            name: name.to_string(),
            driver: Some("bridge".to_string()),
            ipam: Some(Ipam {
                driver: Some("default".to_string()),
                config: Some(vec![IpamConfig {
                    subnet: Some(subnet.to_string()),
                    gateway: Some(gateway.to_string()),
                    ..Default::default()
                }]),
                options: None,
            }),
            options: Some(options),
            labels: Some(HashMap::from([(
                labels::CLUSTER.to_string(),
                cluster.to_string(),
            )])),
            ..Default::default()
        };
        self.docker
            .create_network(request)
            .await
            .map_err(EngineError::api("creating network", name))?;
        Ok(())
    }

    /// Remove a network; absent is fine (delete is idempotent).
    pub async fn remove_network(&self, name: &str) -> Result<bool, EngineError> {
        match self.docker.remove_network(name).await {
            Ok(()) => Ok(true),
            Err(e) if status_of(&e) == Some(404) => Ok(false),
            Err(e) => Err(EngineError::api("removing network", name)(e)),
        }
    }

    /// Whether a network of that name exists.
    pub async fn network_exists(&self, name: &str) -> Result<bool, EngineError> {
        match self
            .docker
            .inspect_network(
                name,
                None::<bollard::query_parameters::InspectNetworkOptions>,
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if status_of(&e) == Some(404) => Ok(false),
            Err(e) => Err(EngineError::api("inspecting network", name)(e)),
        }
    }
}
