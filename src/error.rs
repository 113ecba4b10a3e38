//! The library's error type: one variant per area, each carrying its own
//! typed error. The CLI edge renders the message and, where one exists, a hint
//! that says what to do.

use thiserror::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    #[error(transparent)]
    NodeImage(#[from] crate::nodeimage::NodeImageError),
    #[error(transparent)]
    Kube(#[from] crate::kube::KubeError),
    #[error(transparent)]
    Cluster(#[from] crate::cluster::ClusterError),
    #[error(transparent)]
    Kubeconfig(#[from] crate::kubeconfig::KubeconfigError),
    #[error(transparent)]
    Testing(#[from] crate::testing::TestingError),
    /// `devk test` could not run (a failed test is not an error): exit 2.
    #[error(transparent)]
    TestRun(#[from] crate::testing::runner::RunnerError),
    #[error(transparent)]
    Images(#[from] crate::images::ImagesError),
    #[error(transparent)]
    Logs(#[from] crate::logs::LogsError),
    /// A command-line usage problem the parser could not catch.
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },
    /// Ctrl-C or SIGTERM: what was created has been removed.
    #[error("interrupted")]
    Interrupted,
}

impl Error {
    /// What the user can do about it, when we know.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Config(e) => e.hint(),
            Error::Engine(e) => e.hint(),
            Error::NodeImage(e) => e.hint(),
            Error::Kube(e) => e.hint(),
            Error::Cluster(e) => e.hint(),
            Error::Kubeconfig(e) => e.hint(),
            Error::Testing(e) => e.hint(),
            Error::TestRun(e) => e.hint(),
            Error::Images(e) => e.hint(),
            Error::Logs(e) => e.hint(),
            Error::Usage { hint, .. } => hint.clone(),
            Error::Interrupted => None,
        }
    }

    /// The process exit code for this error: 130 for an interrupt (as
    /// shells report SIGINT), 2 for usage errors, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Interrupted => 130,
            Error::Cluster(e) if e.is_interrupted() => 130,
            Error::Usage { .. } | Error::Config(_) | Error::TestRun(_) => 2,
            _ => 1,
        }
    }

    pub fn usage(message: impl Into<String>, hint: Option<&str>) -> Error {
        Error::Usage {
            message: message.into(),
            hint: hint.map(str::to_string),
        }
    }
}
