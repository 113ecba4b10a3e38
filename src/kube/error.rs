use thiserror::Error;

/// Failures talking to a Kubernetes API server.
#[derive(Debug, Error)]
pub enum KubeError {
    #[error("{source_name}: {message}")]
    Kubeconfig {
        source_name: String,
        message: String,
    },
    #[error("{what}: {source}")]
    Api {
        what: String,
        #[source]
        source: kube::Error,
    },
    #[error("{what}: the API server has no kind {kind} in {api_version}")]
    UnknownKind {
        what: String,
        api_version: String,
        kind: String,
    },
    #[error("{what}: {message}")]
    Invalid { what: String, message: String },
    #[error("timed out after {after} waiting for {what}")]
    Timeout { what: String, after: String },
}

impl KubeError {
    pub fn hint(&self) -> Option<String> {
        match self {
            KubeError::Kubeconfig { .. } => Some(
                "check --kubeconfig/--context, or create a cluster with `devk create`".to_string(),
            ),
            KubeError::UnknownKind { .. } => Some(
                "apply the CustomResourceDefinition first (devk test applies CRDs before other objects)"
                    .to_string(),
            ),
            _ => None,
        }
    }

    pub(crate) fn api(what: impl Into<String>) -> impl FnOnce(kube::Error) -> KubeError {
        let what = what.into();
        move |source| KubeError::Api { what, source }
    }

    /// The API server's own message (for `Failure` statuses), else the error.
    pub fn api_message(&self) -> String {
        match self {
            KubeError::Api {
                source: kube::Error::Api(status),
                ..
            } => status.message.clone(),
            other => other.to_string(),
        }
    }
}
