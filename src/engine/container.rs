use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;

use bollard::models::{
    ContainerCreateBody, ContainerStateStatusEnum, EndpointIpamConfig, EndpointSettings,
    HostConfig, HostConfigCgroupnsModeEnum, NetworkingConfig, PortBinding, RestartPolicy,
    RestartPolicyNameEnum,
};
use bollard::query_parameters::{
    CreateContainerOptions, InspectContainerOptions, ListContainersOptions, RemoveContainerOptions,
    StartContainerOptions, StopContainerOptions,
};
use serde::Serialize;

use super::error::status_of;
use super::{Engine, EngineError, SecurityMode};

/// A published port: `host_ip:host_port -> container_port/protocol`.
/// `host_port` None lets the engine pick a free port.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PortSpec {
    pub container_port: u16,
    pub host_port: Option<u16>,
    pub host_ip: String,
    pub protocol: String,
}

/// A bind mount from the host.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MountSpec {
    pub host_path: String,
    pub container_path: String,
    pub read_only: bool,
    /// `rprivate`, `rslave` or `rshared`; None keeps the engine's default.
    pub propagation: Option<String>,
}

/// An anonymous volume, removed with its container.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VolumeSpec {
    pub container_path: String,
}

/// Everything needed to create one container. Plain data: the cluster
/// module fills it from the plan and tests can inspect it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ContainerSpec {
    pub name: String,
    pub hostname: String,
    pub image: String,
    pub labels: BTreeMap<String, String>,
    pub env: Vec<String>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub network: String,
    pub ipv4: Option<Ipv4Addr>,
    pub ports: Vec<PortSpec>,
    pub mounts: Vec<MountSpec>,
    pub tmpfs: Vec<String>,
    pub volumes: Vec<VolumeSpec>,
    /// None: an ordinary container. Some: a node that runs systemd and
    /// containers of its own.
    pub security: Option<SecurityMode>,
    /// Bring the container back after a daemon restart or host reboot,
    /// unless the user stopped it.
    pub restart_unless_stopped: bool,
    pub stop_signal: Option<String>,
    pub stop_timeout_secs: Option<i64>,
    pub private_cgroup_namespace: bool,
}

/// Coarse state of a container.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerState {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
    Unknown,
}

impl std::fmt::Display for ContainerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            ContainerState::Created => "created",
            ContainerState::Running => "running",
            ContainerState::Paused => "paused",
            ContainerState::Restarting => "restarting",
            ContainerState::Removing => "removing",
            ContainerState::Exited => "exited",
            ContainerState::Dead => "dead",
            ContainerState::Unknown => "unknown",
        };
        f.write_str(s)
    }
}

/// A container as the engine reports it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContainerInfo {
    pub name: String,
    pub id: String,
    pub image: String,
    pub state: ContainerState,
    pub labels: BTreeMap<String, String>,
    /// Address on each network, by network name.
    pub addresses: BTreeMap<String, String>,
    /// Published ports: (container port/proto, host ip, host port).
    pub ports: Vec<(String, String, u16)>,
    /// When the container last started, RFC 3339, if it ever did.
    pub started_at: Option<String>,
    /// Exit code of the last run, when not running.
    pub exit_code: Option<i64>,
    /// Whether a volume is mounted at each path (for checks and tests).
    pub volume_mounts: Vec<String>,
}

impl ContainerSpec {
    /// The engine's create request for this spec.
    pub fn to_create_body(&self) -> ContainerCreateBody {
        let mut port_bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
        let mut exposed = Vec::new();
        for p in &self.ports {
            let key = format!("{}/{}", p.container_port, p.protocol);
            exposed.push(key.clone());
            port_bindings
                .entry(key)
                .or_insert_with(|| Some(Vec::new()))
                .get_or_insert_with(Vec::new)
                .push(PortBinding {
                    host_ip: Some(p.host_ip.clone()),
                    host_port: Some(p.host_port.map(|h| h.to_string()).unwrap_or_default()),
                });
        }
        let binds: Vec<String> = self
            .mounts
            .iter()
            .map(|m| {
                let mut opts = vec![if m.read_only { "ro" } else { "rw" }.to_string()];
                if let Some(p) = &m.propagation {
                    opts.push(p.clone());
                }
                format!("{}:{}:{}", m.host_path, m.container_path, opts.join(","))
            })
            .collect();
        let tmpfs: HashMap<String, String> = self
            .tmpfs
            .iter()
            .map(|path| (path.clone(), String::new()))
            .collect();

        let mut host = HostConfig {
            binds: (!binds.is_empty()).then_some(binds),
            port_bindings: (!port_bindings.is_empty()).then_some(port_bindings),
            tmpfs: (!tmpfs.is_empty()).then_some(tmpfs),
            restart_policy: self.restart_unless_stopped.then_some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                maximum_retry_count: None,
            }),
            cgroupns_mode: self
                .private_cgroup_namespace
                .then_some(HostConfigCgroupnsModeEnum::PRIVATE),
            ..Default::default()
        };
        if let Some(security) = self.security {
            security.apply(&mut host);
        }

        let networking_config = NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                self.network.clone(),
                EndpointSettings {
                    ipam_config: self.ipv4.map(|ip| EndpointIpamConfig {
                        ipv4_address: Some(ip.to_string()),
                        ..Default::default()
                    }),
                    // Only user-defined networks know aliases.
                    aliases: (!matches!(
                        self.network.as_str(),
                        "none" | "host" | "bridge" | "default"
                    ))
                    .then(|| vec![self.hostname.clone()]),
                    ..Default::default()
                },
            )])),
        };

        ContainerCreateBody {
            hostname: Some(self.hostname.clone()),
            image: Some(self.image.clone()),
            labels: Some(self.labels.clone().into_iter().collect()),
            env: Some(self.env.clone()),
            entrypoint: self.entrypoint.clone(),
            cmd: self.cmd.clone(),
            exposed_ports: (!exposed.is_empty()).then_some(exposed),
            volumes: (!self.volumes.is_empty()).then(|| {
                self.volumes
                    .iter()
                    .map(|v| v.container_path.clone())
                    .collect()
            }),
            stop_signal: self.stop_signal.clone(),
            stop_timeout: self.stop_timeout_secs,
            host_config: Some(host),
            networking_config: Some(networking_config),
            tty: Some(false),
            ..Default::default()
        }
    }
}

impl Engine {
    /// Create (not start) a container.
    pub async fn create_container(&self, spec: &ContainerSpec) -> Result<String, EngineError> {
        let created = self
            .docker
            .create_container(
                Some(CreateContainerOptions {
                    name: Some(spec.name.clone()),
                    platform: String::new(),
                }),
                spec.to_create_body(),
            )
            .await
            .map_err(|e| match status_of(&e) {
                Some(404) => EngineError::ImageMissing {
                    image: spec.image.clone(),
                },
                _ => EngineError::api("creating container", spec.name.clone())(e),
            })?;
        Ok(created.id)
    }

    pub async fn start_container(&self, name: &str) -> Result<(), EngineError> {
        self.docker
            .start_container(name, None::<StartContainerOptions>)
            .await
            .map_err(EngineError::api("starting container", name))
    }

    /// Stop with a grace period; absent or already stopped is fine.
    pub async fn stop_container(&self, name: &str, timeout_secs: i32) -> Result<(), EngineError> {
        match self
            .docker
            .stop_container(
                name,
                Some(StopContainerOptions {
                    t: Some(timeout_secs),
                    signal: None,
                }),
            )
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if matches!(status_of(&e), Some(304) | Some(404)) => Ok(()),
            Err(e) => Err(EngineError::api("stopping container", name)(e)),
        }
    }

    pub async fn restart_container(
        &self,
        name: &str,
        timeout_secs: i32,
    ) -> Result<(), EngineError> {
        self.docker
            .restart_container(
                name,
                Some(bollard::query_parameters::RestartContainerOptions {
                    t: Some(timeout_secs),
                    signal: None,
                }),
            )
            .await
            .map_err(EngineError::api("restarting container", name))
    }

    /// Remove a container together with its anonymous volumes (a node's
    /// /var would leak otherwise). Absent is fine: returns false.
    pub async fn remove_container(&self, name: &str) -> Result<bool, EngineError> {
        match self
            .docker
            .remove_container(
                name,
                Some(RemoveContainerOptions {
                    v: true,
                    force: true,
                    link: false,
                }),
            )
            .await
        {
            Ok(()) => Ok(true),
            Err(e) if status_of(&e) == Some(404) => Ok(false),
            // Already being removed by a concurrent delete.
            Err(e) if status_of(&e) == Some(409) => Ok(true),
            Err(e) => Err(EngineError::api("removing container", name)(e)),
        }
    }

    /// Containers carrying a label filter (`key` or `key=value`), running or not.
    pub async fn list_containers(&self, label: &str) -> Result<Vec<ContainerInfo>, EngineError> {
        let filters = HashMap::from([("label".to_string(), vec![label.to_string()])]);
        let summaries = self
            .docker
            .list_containers(Some(ListContainersOptions {
                all: true,
                filters: Some(filters),
                ..Default::default()
            }))
            .await
            .map_err(EngineError::api("listing", "containers"))?;
        let mut out = Vec::new();
        for s in summaries {
            let Some(name) = s.names.and_then(|n| n.into_iter().next()) else {
                continue;
            };
            let name = name.trim_start_matches('/').to_string();
            // Inspect for addresses and start times; a container removed
            // meanwhile is simply skipped.
            match self.inspect_container(&name).await {
                Ok(info) => out.push(info),
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The engine's inspect answer; 404 is NoSuchContainer.
    async fn inspect_raw(
        &self,
        name: &str,
    ) -> Result<bollard::models::ContainerInspectResponse, EngineError> {
        self.docker
            .inspect_container(name, None::<InspectContainerOptions>)
            .await
            .map_err(|e| match status_of(&e) {
                Some(404) => EngineError::NoSuchContainer {
                    name: name.to_string(),
                },
                _ => EngineError::api("inspecting container", name)(e),
            })
    }

    pub async fn inspect_container(&self, name: &str) -> Result<ContainerInfo, EngineError> {
        let c = self.inspect_raw(name).await?;
        let state = c.state.as_ref();
        let status = match state.and_then(|s| s.status) {
            Some(ContainerStateStatusEnum::CREATED) => ContainerState::Created,
            Some(ContainerStateStatusEnum::RUNNING) => ContainerState::Running,
            Some(ContainerStateStatusEnum::PAUSED) => ContainerState::Paused,
            Some(ContainerStateStatusEnum::RESTARTING) => ContainerState::Restarting,
            Some(ContainerStateStatusEnum::REMOVING) => ContainerState::Removing,
            Some(ContainerStateStatusEnum::EXITED) => ContainerState::Exited,
            Some(ContainerStateStatusEnum::DEAD) => ContainerState::Dead,
            _ => ContainerState::Unknown,
        };
        let started_at = state
            .and_then(|s| s.started_at.clone())
            .filter(|s| !s.starts_with("0001-"));
        let exit_code = state
            .and_then(|s| s.exit_code)
            .filter(|_| status != ContainerState::Running);
        let network_settings = c.network_settings.as_ref();
        let addresses = network_settings
            .and_then(|n| n.networks.clone())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(net, ep)| {
                // A created, never started container has no address yet;
                // the configured static one is in its IPAM config.
                let ip = ep
                    .ip_address
                    .filter(|ip| !ip.is_empty())
                    .or_else(|| ep.ipam_config.and_then(|i| i.ipv4_address))?;
                Some((net, ip))
            })
            .collect();
        let mut ports = Vec::new();
        if let Some(map) = network_settings.and_then(|n| n.ports.clone()) {
            for (key, bindings) in map {
                for b in bindings.unwrap_or_default() {
                    if let Some(port) = b.host_port.and_then(|p| p.parse().ok()) {
                        ports.push((key.clone(), b.host_ip.unwrap_or_default(), port));
                    }
                }
            }
        }
        ports.sort();
        let volume_mounts = c
            .mounts
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.typ.as_deref() == Some("volume"))
            .filter_map(|m| m.destination)
            .collect();
        let config = c.config.unwrap_or_default();
        Ok(ContainerInfo {
            name: c
                .name
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_string(),
            id: c.id.unwrap_or_default(),
            image: config.image.unwrap_or_default(),
            state: status,
            labels: config.labels.unwrap_or_default().into_iter().collect(),
            addresses,
            ports,
            started_at,
            exit_code,
            volume_mounts,
        })
    }

    /// The engine's whole inspect document of a container, as JSON (for
    /// diagnostics, and for what [`ContainerInfo`] leaves out, such as the
    /// configured port bindings of a stopped container).
    pub async fn inspect_container_json(
        &self,
        name: &str,
    ) -> Result<serde_json::Value, EngineError> {
        let c = self.inspect_raw(name).await?;
        serde_json::to_value(c).map_err(|e| EngineError::Failed {
            action: "inspecting container",
            object: name.to_string(),
            message: e.to_string(),
        })
    }

    /// Whether a container of that name exists.
    pub async fn container_exists(&self, name: &str) -> Result<bool, EngineError> {
        match self.inspect_container(name).await {
            Ok(_) => Ok(true),
            Err(EngineError::NoSuchContainer { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Memory in use by a container, as `docker stats` counts it: usage
    /// minus the inactive file cache the kernel can drop.
    pub async fn memory_usage(&self, name: &str) -> Result<u64, EngineError> {
        use futures::StreamExt;
        let mut stream = self.docker.stats(
            name,
            Some(bollard::query_parameters::StatsOptions {
                stream: false,
                one_shot: false,
            }),
        );
        let stats = stream
            .next()
            .await
            .ok_or_else(|| EngineError::Failed {
                action: "reading the memory use of",
                object: name.to_string(),
                message: "the engine sent no statistics".to_string(),
            })?
            .map_err(EngineError::api("reading the memory use of", name))?;
        let memory = stats.memory_stats.unwrap_or_default();
        let usage = memory.usage.unwrap_or_default();
        let details = memory.stats.unwrap_or_default();
        // cgroup v1 reports total_inactive_file, v2 inactive_file.
        let inactive = details
            .get("total_inactive_file")
            .or_else(|| details.get("inactive_file"))
            .copied()
            .unwrap_or_default();
        Ok(usage.saturating_sub(inactive))
    }

    /// The last lines the container wrote to stdout/stderr.
    pub async fn container_logs(&self, name: &str, tail: usize) -> Result<String, EngineError> {
        use futures::StreamExt;
        let mut stream = self.docker.logs(
            name,
            Some(bollard::query_parameters::LogsOptions {
                stdout: true,
                stderr: true,
                tail: tail.to_string(),
                ..Default::default()
            }),
        );
        let mut out = String::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(EngineError::api("reading the logs of", name))?;
            out.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node_spec() -> ContainerSpec {
        ContainerSpec {
            name: "dev-control-plane".into(),
            hostname: "dev-control-plane".into(),
            image: "devk/node:v1.36.2".into(),
            network: "devk-dev".into(),
            ipv4: Some(Ipv4Addr::new(172, 30, 1, 2)),
            ports: vec![PortSpec {
                container_port: 6443,
                host_port: Some(40000),
                host_ip: "127.0.0.1".into(),
                protocol: "tcp".into(),
            }],
            mounts: vec![MountSpec {
                host_path: "/src".into(),
                container_path: "/src".into(),
                read_only: true,
                propagation: Some("rslave".into()),
            }],
            tmpfs: vec!["/run".into(), "/tmp".into()],
            volumes: vec![VolumeSpec {
                container_path: "/var".into(),
            }],
            security: Some(SecurityMode::Restricted),
            restart_unless_stopped: true,
            private_cgroup_namespace: true,
            ..Default::default()
        }
    }

    #[test]
    fn create_body_carries_static_ip_ports_mounts_and_volume() {
        let body = node_spec().to_create_body();
        let host = body.host_config.expect("host config");
        let endpoint = &body.networking_config.unwrap().endpoints_config.unwrap()["devk-dev"];
        assert_eq!(
            endpoint
                .ipam_config
                .as_ref()
                .unwrap()
                .ipv4_address
                .as_deref(),
            Some("172.30.1.2")
        );
        let bindings = host.port_bindings.unwrap();
        let b = &bindings["6443/tcp"].as_ref().unwrap()[0];
        assert_eq!(b.host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(b.host_port.as_deref(), Some("40000"));
        assert_eq!(host.binds.unwrap(), vec!["/src:/src:ro,rslave".to_string()]);
        assert_eq!(body.volumes.unwrap(), vec!["/var".to_string()]);
        assert!(host.tmpfs.unwrap().contains_key("/run"));
        assert_eq!(
            host.cgroupns_mode,
            Some(HostConfigCgroupnsModeEnum::PRIVATE)
        );
        assert_eq!(
            host.restart_policy.unwrap().name,
            Some(RestartPolicyNameEnum::UNLESS_STOPPED)
        );
    }

    #[test]
    fn random_host_port_is_left_to_the_engine() {
        let mut spec = node_spec();
        spec.ports[0].host_port = None;
        let body = spec.to_create_body();
        let bindings = body.host_config.unwrap().port_bindings.unwrap();
        assert_eq!(
            bindings["6443/tcp"].as_ref().unwrap()[0]
                .host_port
                .as_deref(),
            Some("")
        );
    }
}
