//! What can go wrong while generating the cluster's certificates.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum PkiError {
    #[error("the cluster has no control-plane node to issue API server and etcd certificates for")]
    NoControlPlane,

    #[error("node {name:?} is listed twice")]
    DuplicateNode { name: String },

    #[error(
        "control-plane node {name:?} ({ip}) is not among the cluster's nodes with that address"
    )]
    ControlPlaneNotANode {
        name: String,
        ip: std::net::Ipv4Addr,
    },

    #[error("{value:?} cannot be a subject alternative name of the {what}: {reason}")]
    InvalidSan {
        what: String,
        value: String,
        reason: &'static str,
    },

    #[error("cannot generate the {what}: {source}")]
    Generate {
        what: String,
        #[source]
        source: rcgen::Error,
    },

    #[error("no certificates were generated for node {name:?}")]
    UnknownNode { name: String },

    #[error("cannot render the kubeconfig for {user:?}: {message}")]
    RenderKubeconfig { user: String, message: String },
}

impl PkiError {
    /// What the user can do about it, when we know.
    pub fn hint(&self) -> Option<String> {
        match self {
            PkiError::InvalidSan { .. } => Some(
                "extra API server names must be DNS names (letters, digits, '-', '.') \
                 or IP addresses"
                    .to_string(),
            ),
            PkiError::NoControlPlane => {
                Some("add a node with role control-plane to the cluster config".to_string())
            }
            PkiError::DuplicateNode { .. }
            | PkiError::ControlPlaneNotANode { .. }
            | PkiError::UnknownNode { .. }
            | PkiError::Generate { .. }
            | PkiError::RenderKubeconfig { .. } => Some(
                "this is a bug in devk, not in your config; please report it with this message"
                    .to_string(),
            ),
        }
    }
}
