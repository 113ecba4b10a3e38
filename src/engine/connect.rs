use bollard::Docker;

use super::EngineError;

/// A connection to the container engine.
#[derive(Clone, Debug)]
pub struct Engine {
    pub(crate) docker: Docker,
    host: String,
}

impl Engine {
    /// Connect as the docker CLI would: `DOCKER_HOST` when set, else the
    /// local socket. Negotiates the API version down to what the engine
    /// speaks (Docker 20.10 stops at 1.41) and pings it, so an absent engine
    /// fails here with one clear message rather than at the first real call.
    pub async fn connect() -> Result<Engine, EngineError> {
        let host = std::env::var("DOCKER_HOST")
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unix:///var/run/docker.sock".to_string());
        let unreachable = |source| EngineError::Unreachable {
            host: host.clone(),
            source,
        };
        let docker = Docker::connect_with_defaults().map_err(unreachable)?;
        let docker = docker.negotiate_version().await.map_err(unreachable)?;
        docker.ping().await.map_err(unreachable)?;
        Ok(Engine { docker, host })
    }

    /// Where the engine was reached, for messages.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The engine's version string, e.g. `20.10.24+dfsg1`.
    pub async fn server_version(&self) -> Result<String, EngineError> {
        let version = self
            .docker
            .version()
            .await
            .map_err(EngineError::api("asking the version of", self.host.clone()))?;
        Ok(version.version.unwrap_or_else(|| "unknown".to_string()))
    }

    /// The engine's cgroup version ("1" or "2") as it reports it.
    pub async fn cgroup_version(&self) -> Result<String, EngineError> {
        let info = self.docker.info().await.map_err(EngineError::api(
            "asking for information from",
            self.host.clone(),
        ))?;
        Ok(info
            .cgroup_version
            .map(|v| v.to_string())
            .unwrap_or_else(|| "1".to_string()))
    }
}
