use thiserror::Error;

use super::plan::PlanError;
use crate::engine::EngineError;
use crate::kube::KubeError;
use crate::kubeconfig::KubeconfigError;
use crate::nodeimage::NodeImageError;
use crate::pki::PkiError;

/// Why a cluster operation failed; `create` says which step.
#[derive(Debug, Error)]
pub enum ClusterError {
    #[error("cluster {name} already exists")]
    Exists { name: String },
    #[error("no cluster named {name}")]
    NotFound { name: String },
    #[error("{step}: {source}")]
    Step {
        step: &'static str,
        #[source]
        source: Box<ClusterError>,
    },
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Pki(#[from] PkiError),
    #[error(transparent)]
    NodeImage(#[from] NodeImageError),
    #[error(transparent)]
    Kube(#[from] KubeError),
    #[error(transparent)]
    Kubeconfig(#[from] KubeconfigError),
    #[error(
        "node {node} did not finish booting within {after}; its last journal lines:\n{journal}"
    )]
    BootTimeout {
        node: String,
        after: String,
        journal: String,
    },
    #[error("node {node} stopped while booting (exit code {exit_code}); its output:\n{logs}")]
    NodeDied {
        node: String,
        exit_code: i64,
        logs: String,
    },
    #[error("timed out after {after} waiting for {what}{details}")]
    WaitTimeout {
        what: String,
        after: String,
        details: String,
    },
    #[error("{what}: {message}")]
    Node { what: String, message: String },
    #[error("interrupted")]
    Interrupted,
}

impl ClusterError {
    pub fn hint(&self) -> Option<String> {
        match self {
            ClusterError::Exists { name } => Some(format!(
                "delete it with `devk delete --name {name}`, or pick another name with --name"
            )),
            ClusterError::NotFound { .. } => Some("see the clusters there are with `devk list`".to_string()),
            ClusterError::Step { source, .. } => source.hint(),
            ClusterError::Plan(e) => e.hint(),
            ClusterError::Engine(e) => e.hint(),
            ClusterError::Pki(e) => e.hint(),
            ClusterError::NodeImage(e) => e.hint(),
            ClusterError::Kube(e) => e.hint(),
            ClusterError::Kubeconfig(e) => e.hint(),
            ClusterError::NodeDied { logs, .. } if logs.trim().is_empty() => Some(
                "a node that stops at once without a word is usually out of inotify instances \
                 (every node's systemd and kubelet use some): `sudo sysctl fs.inotify.max_user_instances=512`; \
                 `devk doctor` checks this"
                    .to_string(),
            ),
            ClusterError::BootTimeout { .. } | ClusterError::NodeDied { .. } => Some(
                "run `devk doctor` to check the host; `devk create --retain` keeps the nodes for inspection"
                    .to_string(),
            ),
            ClusterError::WaitTimeout { .. } => Some(
                "a slow machine may need a longer --wait; `devk create --retain` keeps the cluster, \
                 and `devk export logs` collects every component's log"
                    .to_string(),
            ),
            ClusterError::Node { .. } | ClusterError::Interrupted => None,
        }
    }

    /// Wrap an error with the create step it happened in.
    pub fn in_step(step: &'static str) -> impl FnOnce(ClusterError) -> ClusterError {
        move |e| match e {
            // An interrupt is not a step's failure.
            ClusterError::Interrupted => e,
            other => ClusterError::Step {
                step,
                source: Box::new(other),
            },
        }
    }

    pub fn is_interrupted(&self) -> bool {
        matches!(self, ClusterError::Interrupted)
    }
}
