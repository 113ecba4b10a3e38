use std::path::PathBuf;

use thiserror::Error;

use crate::engine::EngineError;

#[derive(Debug, Error)]
pub enum NodeImageError {
    #[error("{dir}: missing {}", missing.join(", "))]
    MissingBinaries { dir: PathBuf, missing: Vec<String> },
    #[error("{path}: {message}")]
    Binary { path: PathBuf, message: String },
    #[error("the Kubernetes binaries in {dir} are not one version: {}", found.join(", "))]
    MixedVersions { dir: PathBuf, found: Vec<String> },
    #[error("unknown Kubernetes version: {0}")]
    UnknownVersion(String),
    #[error("downloading {url}: {message}")]
    Download { url: String, message: String },
    #[error("checksum mismatch for {url}: expected {expected}, got {actual}")]
    Checksum {
        url: String,
        expected: String,
        actual: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("building the node image: {0}")]
    Build(String),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl NodeImageError {
    pub fn hint(&self) -> Option<String> {
        match self {
            NodeImageError::MissingBinaries { .. } => Some(
                "the directory needs kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, \
                 kube-proxy, kubectl, etcd and coredns, under exactly those names"
                    .to_string(),
            ),
            NodeImageError::MixedVersions { .. } => {
                Some("put binaries of a single Kubernetes release in the directory".to_string())
            }
            NodeImageError::UnknownVersion(_) => Some(
                "pass a version like v1.36.2, or build from local binaries with --kube-binaries DIR"
                    .to_string(),
            ),
            NodeImageError::Download { .. } => Some(
                "check your network or proxy; offline, build from local binaries with --kube-binaries DIR"
                    .to_string(),
            ),
            NodeImageError::Checksum { .. } => Some(
                "the download is corrupt or was tampered with; devk removed it, try again".to_string(),
            ),
            NodeImageError::Engine(e) => e.hint(),
            _ => None,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> NodeImageError {
        let path = path.into();
        move |source| NodeImageError::Io { path, source }
    }
}
