//! Errors that stop a whole `devk test` run before or around the tests (no
//! cluster, no such context, an ephemeral cluster that cannot be created,
//! an image that cannot be loaded). What goes wrong inside a test is a
//! failed test, not an error.

use thiserror::Error;

use crate::cluster::ClusterError;
use crate::engine::EngineError;
use crate::kube::KubeError;
use crate::testing::TestingError;

#[derive(Debug, Error)]
pub enum RunnerError {
    #[error(transparent)]
    Testing(#[from] TestingError),

    #[error("cannot reach the cluster ({target}): {message}")]
    Unreachable { target: String, message: String },

    #[error(transparent)]
    Kube(#[from] KubeError),

    #[error("no context {context} for devk cluster {cluster} in {kubeconfig}")]
    NoSuchCluster {
        cluster: String,
        context: String,
        kubeconfig: String,
    },

    #[error(transparent)]
    Cluster(#[from] ClusterError),

    #[error(transparent)]
    Engine(#[from] EngineError),

    #[error(transparent)]
    Images(#[from] crate::images::ImagesError),

    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },

    #[error("cannot write {path}: {message}")]
    WriteReport { path: String, message: String },

    #[error("{what}: {message}")]
    Io { what: String, message: String },
}

impl RunnerError {
    pub fn hint(&self) -> Option<String> {
        match self {
            RunnerError::Testing(e) => e.hint(),
            RunnerError::Unreachable { .. } => Some(
                "check that the cluster runs (`devk list`, `kubectl cluster-info`), or pick another with --cluster, --context or --kubeconfig; --ephemeral creates one"
                    .to_string(),
            ),
            RunnerError::Kube(e) => e.hint(),
            RunnerError::NoSuchCluster { cluster, .. } => Some(format!(
                "create it with `devk create --name {cluster}`, or see the clusters there are with `devk list`"
            )),
            RunnerError::Cluster(e) => e.hint(),
            RunnerError::Engine(e) => e.hint(),
            RunnerError::Images(e) => e.hint(),
            RunnerError::Usage { hint, .. } => hint.clone(),
            RunnerError::WriteReport { .. } => {
                Some("check that the directory exists and is writable".to_string())
            }
            RunnerError::Io { .. } => None,
        }
    }

    pub fn usage(message: impl Into<String>, hint: Option<&str>) -> RunnerError {
        RunnerError::Usage {
            message: message.into(),
            hint: hint.map(str::to_string),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_names_what_failed_and_most_say_what_to_do() {
        let missing = RunnerError::NoSuchCluster {
            cluster: "dev".into(),
            context: "devk-dev".into(),
            kubeconfig: "/home/u/.kube/config".into(),
        };
        assert_eq!(
            missing.to_string(),
            "no context devk-dev for devk cluster dev in /home/u/.kube/config"
        );
        assert!(missing.hint().unwrap().contains("devk create --name dev"));
        let unreachable = RunnerError::Unreachable {
            target: "context kind-kind".into(),
            message: "connection refused".into(),
        };
        assert!(unreachable.to_string().contains("context kind-kind"));
        assert!(unreachable.hint().unwrap().contains("--ephemeral"));
        let load = RunnerError::from(crate::images::ImagesError::ImageMissing {
            image: "app:1".into(),
        });
        assert!(load.to_string().contains("app:1"));
        assert!(load.hint().unwrap().contains("docker pull app:1"));
    }
}
