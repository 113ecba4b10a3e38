//! Check 1: the container engine answers, which one it is (Docker or
//! Podman, from the `version` components) and whether it is recent enough.
//! The details gathered here (cgroups, data root, kernel) feed later checks.

use std::time::Duration;

use super::Finding;
use super::host::unix_socket_path;
use crate::engine::Engine;

pub const NAME: &str = "engine";

/// The oldest Docker devk is tested against: its API 1.41 is what devk
/// negotiates down to.
pub const MIN_DOCKER: (u32, u32) = (20, 10);
/// The first Podman whose Docker-compatible API covers what devk uses
/// (static IPs on user networks, archive upload to created containers).
pub const MIN_PODMAN: (u32, u32) = (4, 0);

/// How long a silent engine (a dead tcp:// host) may take to answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Product {
    Docker,
    Podman,
}

impl Product {
    pub fn as_str(self) -> &'static str {
        match self {
            Product::Docker => "Docker",
            Product::Podman => "Podman",
        }
    }
}

/// What the engine says about itself (`version` and `info`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EngineDetails {
    pub product: Option<Product>,
    pub version: String,
    pub api_version: Option<String>,
    pub operating_system: Option<String>,
    pub kernel: Option<String>,
    /// "1" or "2".
    pub cgroup_version: Option<String>,
    pub cgroup_driver: Option<String>,
    pub root_dir: Option<String>,
    pub rootless: bool,
    /// Controllers as the engine sees them (`MemoryLimit`, `PidsLimit`,
    /// `CpuCfsQuota` in `docker info`): they work for remote engines too.
    pub memory_controller: Option<bool>,
    pub pids_controller: Option<bool>,
    pub cpu_controller: Option<bool>,
    pub mem_total_bytes: Option<u64>,
}

/// The state of a `unix://` socket file, for a precise fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketState {
    Missing,
    NoPermission,
    Present,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Unreachable {
    /// The connection error as devk reports it (names the address).
    pub error: String,
    pub hint: Option<String>,
    /// None for non-unix addresses.
    pub socket: Option<SocketState>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EngineFacts {
    pub host: String,
    pub reached: Result<EngineDetails, Unreachable>,
}

impl EngineFacts {
    pub fn details(&self) -> Option<&EngineDetails> {
        self.reached.as_ref().ok()
    }
}

/// `20.10.24+dfsg1` -> (20, 10); `v4.9.3` -> (4, 9).
pub fn major_minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.trim().trim_start_matches('v').split('.');
    let major = parts.next()?.parse().ok()?;
    let minor_digits: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some((major, minor_digits.parse().ok()?))
}

pub fn check(facts: &EngineFacts) -> Finding {
    let details = match &facts.reached {
        Ok(d) => d,
        Err(unreachable) => return unreachable_finding(&facts.host, unreachable),
    };
    let product = details.product.unwrap_or(Product::Docker);
    let mut message = format!("{} {}", product.as_str(), details.version);
    if let Some(api) = &details.api_version {
        message.push_str(&format!(" (API {api})"));
    }
    message.push_str(&format!(" at {}", facts.host));
    if details.rootless {
        message.push_str(", rootless");
    }
    let (minimum, upgrade) = match product {
        Product::Docker => (MIN_DOCKER, "https://docs.docker.com/engine/install/"),
        Product::Podman => (MIN_PODMAN, "https://podman.io/docs/installation"),
    };
    match major_minor(&details.version) {
        Some(found) if found < minimum => Finding::warn(
            NAME,
            format!(
                "{message}: older than {} {}.{}, which devk is tested with",
                product.as_str(),
                minimum.0,
                minimum.1
            ),
            format!(
                "upgrade {} to {}.{} or later ({upgrade})",
                product.as_str(),
                minimum.0,
                minimum.1
            ),
        ),
        _ => Finding::ok(NAME, message),
    }
}

fn unreachable_finding(host: &str, unreachable: &Unreachable) -> Finding {
    let socket = unix_socket_path(host).map(|p| p.display().to_string());
    let fix = match (unreachable.socket, &socket) {
        (Some(SocketState::Missing), Some(path)) => format!(
            "no engine listens on {path}: start it (`sudo systemctl start docker`; for Podman \
             `systemctl --user start podman.socket` and \
             `export DOCKER_HOST=unix://$XDG_RUNTIME_DIR/podman/podman.sock`), or point \
             DOCKER_HOST at the engine's socket"
        ),
        (Some(SocketState::NoPermission), Some(path)) => format!(
            "you may not use {path}: `sudo usermod -aG docker $USER`, then log out and back in \
             (or run `newgrp docker`)"
        ),
        _ => unreachable.hint.clone().unwrap_or_else(|| {
            "start the engine, or set DOCKER_HOST to an engine that runs".to_string()
        }),
    };
    Finding::fail(NAME, unreachable.error.clone(), fix)
}

/// Connect and ask. Returns the engine for the checks that need it.
pub async fn gather() -> (EngineFacts, Option<Engine>) {
    let configured_host = std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unix:///var/run/docker.sock".to_string());
    let engine = match tokio::time::timeout(CONNECT_TIMEOUT, Engine::connect()).await {
        Ok(Ok(engine)) => engine,
        Ok(Err(err)) => {
            return (
                EngineFacts {
                    reached: Err(Unreachable {
                        error: err.to_string(),
                        hint: err.hint(),
                        socket: socket_state(&configured_host),
                    }),
                    host: configured_host,
                },
                None,
            );
        }
        Err(_) => {
            return (
                EngineFacts {
                    reached: Err(Unreachable {
                        error: format!(
                            "the container engine at {configured_host} did not answer within {}s",
                            CONNECT_TIMEOUT.as_secs()
                        ),
                        hint: None,
                        socket: socket_state(&configured_host),
                    }),
                    host: configured_host,
                },
                None,
            );
        }
    };
    let host = engine.host().to_string();
    let details = details_of(&engine).await;
    let facts = EngineFacts {
        host: host.clone(),
        reached: details.map_err(|error| Unreachable {
            error,
            hint: None,
            socket: socket_state(&host),
        }),
    };
    let engine = facts.reached.is_ok().then_some(engine);
    (facts, engine)
}

async fn details_of(engine: &Engine) -> Result<EngineDetails, String> {
    let version = engine
        .docker
        .version()
        .await
        .map_err(|e| format!("asking {} for its version: {e}", engine.host()))?;
    let info = engine
        .docker
        .info()
        .await
        .map_err(|e| format!("asking {} for its information: {e}", engine.host()))?;
    let components = version.components.unwrap_or_default();
    let podman = components
        .iter()
        .find(|c| c.name.to_ascii_lowercase().contains("podman"));
    let (product, product_version) = match podman {
        Some(c) => (Product::Podman, Some(c.version.clone())),
        None => (
            Product::Docker,
            components
                .iter()
                .find(|c| c.name == "Engine")
                .map(|c| c.version.clone()),
        ),
    };
    let non_empty = |s: Option<String>| s.filter(|s| !s.is_empty());
    Ok(EngineDetails {
        product: Some(product),
        version: product_version
            .or(version.version)
            .unwrap_or_else(|| "(unknown version)".to_string()),
        api_version: non_empty(version.api_version),
        operating_system: non_empty(info.operating_system),
        kernel: non_empty(info.kernel_version).or(non_empty(version.kernel_version)),
        cgroup_version: info
            .cgroup_version
            .map(|v| v.to_string())
            .filter(|v| !v.is_empty()),
        cgroup_driver: info
            .cgroup_driver
            .map(|d| d.to_string())
            .filter(|d| !d.is_empty()),
        root_dir: non_empty(info.docker_root_dir),
        rootless: info
            .security_options
            .unwrap_or_default()
            .iter()
            .any(|o| o.contains("name=rootless")),
        memory_controller: info.memory_limit,
        pids_controller: info.pids_limit,
        cpu_controller: info.cpu_cfs_quota.or(info.cpu_shares),
        mem_total_bytes: info.mem_total.and_then(|m| u64::try_from(m).ok()),
    })
}

fn socket_state(host: &str) -> Option<SocketState> {
    let path = unix_socket_path(host)?;
    if !path.exists() {
        return Some(SocketState::Missing);
    }
    Some(match super::access::check(path, libc::R_OK | libc::W_OK) {
        Ok(()) => SocketState::Present,
        Err(_) => SocketState::NoPermission,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    fn reached(product: Product, version: &str) -> EngineFacts {
        EngineFacts {
            host: "unix:///var/run/docker.sock".to_string(),
            reached: Ok(EngineDetails {
                product: Some(product),
                version: version.to_string(),
                api_version: Some("1.41".to_string()),
                ..Default::default()
            }),
        }
    }

    fn down(host: &str, socket: Option<SocketState>) -> EngineFacts {
        EngineFacts {
            host: host.to_string(),
            reached: Err(Unreachable {
                error: format!("cannot reach the container engine at {host}: boom"),
                hint: Some("start Docker".to_string()),
                socket,
            }),
        }
    }

    #[test]
    fn versions_parse_to_major_minor() {
        let cases = [
            ("20.10.24+dfsg1", Some((20, 10))),
            ("28.2.2", Some((28, 2))),
            ("v4.9.3", Some((4, 9))),
            ("19.03.12", Some((19, 3))),
            ("1.13.1", Some((1, 13))),
            ("5.0.0-rc1", Some((5, 0))),
            ("dev", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(major_minor(text), want, "{text}");
        }
    }

    #[test]
    fn engine_rules() {
        // (case, facts, status, message contains, fix contains)
        let cases = [
            (
                "docker 20.10 is fine",
                reached(Product::Docker, "20.10.24+dfsg1"),
                Status::Ok,
                "Docker 20.10.24+dfsg1 (API 1.41) at unix:///var/run/docker.sock",
                "",
            ),
            (
                "docker 19.03 is old",
                reached(Product::Docker, "19.03.12"),
                Status::Warn,
                "older than Docker 20.10",
                "upgrade Docker to 20.10",
            ),
            (
                "podman 5 is fine",
                reached(Product::Podman, "5.2.1"),
                Status::Ok,
                "Podman 5.2.1",
                "",
            ),
            (
                "podman 3 is old",
                reached(Product::Podman, "3.4.4"),
                Status::Warn,
                "older than Podman 4.0",
                "upgrade Podman",
            ),
            (
                "unparsable version is not judged",
                reached(Product::Docker, "dev"),
                Status::Ok,
                "Docker dev",
                "",
            ),
            (
                "missing socket: start the engine",
                down("unix:///nonexistent", Some(SocketState::Missing)),
                Status::Fail,
                "unix:///nonexistent",
                "no engine listens on /nonexistent",
            ),
            (
                "socket not ours: docker group",
                down(
                    "unix:///var/run/docker.sock",
                    Some(SocketState::NoPermission),
                ),
                Status::Fail,
                "cannot reach",
                "usermod -aG docker",
            ),
            (
                "tcp host: the engine's own hint",
                down("tcp://10.1.1.1:2375", None),
                Status::Fail,
                "tcp://10.1.1.1:2375",
                "start Docker",
            ),
        ];
        for (case, facts, status, message, fix) in cases {
            let f = check(&facts);
            crate::doctor::assert_finding(case, &f, status, message, fix);
            assert_eq!(f.fix.is_some(), status != Status::Ok, "{case}: {f:?}");
        }
    }

    #[test]
    fn rootless_is_said() {
        let mut facts = reached(Product::Docker, "27.0.1");
        if let Ok(d) = &mut facts.reached {
            d.rootless = true;
        }
        assert!(check(&facts).message.ends_with(", rootless"));
    }
}
