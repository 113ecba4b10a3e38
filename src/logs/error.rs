use thiserror::Error;

use crate::cluster::ClusterError;
use crate::engine::EngineError;

/// Why an export could not be made at all. What could not be collected
/// from a node or the API is not an error: it is listed in the export.
#[derive(Debug, Error)]
pub enum LogsError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("{path}: {source}")]
    Output {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not empty")]
    NotEmpty { path: String },
    #[error("{path} already exists")]
    Exists { path: String },
}

impl LogsError {
    pub fn hint(&self) -> Option<String> {
        match self {
            LogsError::Cluster(e) => e.hint(),
            LogsError::Engine(e) => e.hint(),
            LogsError::Output { .. } => Some(
                "name a directory you can write to, or leave it out for a temporary one"
                    .to_string(),
            ),
            LogsError::NotEmpty { .. } => Some(
                "name a new (or empty) directory, so exports of different runs do not mix"
                    .to_string(),
            ),
            LogsError::Exists { .. } => {
                Some("remove it, or name another path for the archive".to_string())
            }
        }
    }

    pub(crate) fn output(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> LogsError {
        let path = path.display().to_string();
        move |source| LogsError::Output { path, source }
    }
}
