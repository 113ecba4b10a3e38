use thiserror::Error;

/// What went wrong talking to the container engine, with the object it
/// concerned.
#[derive(Debug, Error)]
pub enum EngineError {
    #[error("cannot reach the container engine at {host}: {source}")]
    Unreachable {
        host: String,
        #[source]
        source: bollard::errors::Error,
    },
    #[error("image {image} is not present in the container engine")]
    ImageMissing { image: String },
    #[error("container {name} does not exist")]
    NoSuchContainer { name: String },
    #[error("container {name} is not running")]
    NotRunning { name: String },
    #[error("{action} {object}: {source}")]
    Api {
        action: &'static str,
        object: String,
        #[source]
        source: bollard::errors::Error,
    },
    #[error("{action} {object}: {message}")]
    Failed {
        action: &'static str,
        object: String,
        message: String,
    },
    #[error("building the archive for {object}: {source}")]
    Archive {
        object: String,
        #[source]
        source: std::io::Error,
    },
}

impl EngineError {
    pub fn hint(&self) -> Option<String> {
        match self {
            EngineError::Unreachable { host, .. } => Some(format!(
                "start Docker (or Podman's Docker-compatible socket) and check that you may use {host}; \
                 set DOCKER_HOST to point devk at another engine"
            )),
            EngineError::ImageMissing { image } => Some(format!(
                "build it with `devk build node-image --image {image}` or pull it with `docker pull {image}`"
            )),
            EngineError::NotRunning { .. } => {
                Some("start the cluster with `devk start`".to_string())
            }
            _ => None,
        }
    }

    /// The engine answered 404 for the object.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            EngineError::Api {
                source: bollard::errors::Error::DockerResponseServerError {
                    status_code: 404,
                    ..
                },
                ..
            } | EngineError::NoSuchContainer { .. }
                | EngineError::ImageMissing { .. }
        )
    }

    pub(crate) fn api(
        action: &'static str,
        object: impl Into<String>,
    ) -> impl FnOnce(bollard::errors::Error) -> EngineError {
        let object = object.into();
        move |source| EngineError::Api {
            action,
            object,
            source,
        }
    }
}

/// The HTTP status of an engine API error, if it was one.
pub(crate) fn status_of(err: &bollard::errors::Error) -> Option<u16> {
    match err {
        bollard::errors::Error::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}
