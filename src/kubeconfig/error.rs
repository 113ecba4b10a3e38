//! What can go wrong while reading or writing a kubeconfig file. Every
//! variant names the file.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum KubeconfigError {
    #[error("cannot read kubeconfig {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("kubeconfig {} is not valid YAML (line {line}, column {column}): {message}", path.display())]
    Parse {
        path: PathBuf,
        line: u64,
        column: u64,
        message: String,
    },

    #[error("kubeconfig {}: `{field}` is not {expected}", path.display())]
    Invalid {
        path: PathBuf,
        field: String,
        expected: &'static str,
    },

    #[error("cannot create directory {} for the kubeconfig: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("cannot lock kubeconfig with {}: {source}", path.display())]
    Lock {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error(
        "kubeconfig lock {} is still held after {}s{}",
        path.display(),
        waited.as_secs(),
        if *held_by_kubectl { " (a kubectl-style lock file)" } else { "" }
    )]
    LockTimeout {
        path: PathBuf,
        waited: Duration,
        /// The lock file has mode 0000: client-go's lock, which a killed
        /// kubectl leaves behind.
        held_by_kubectl: bool,
    },

    #[error("cannot write kubeconfig {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("kubeconfig {} is a chain of more than {max} symbolic links", path.display())]
    SymlinkLoop { path: PathBuf, max: usize },

    #[error("cannot render kubeconfig {}: {message}", path.display())]
    Render { path: PathBuf, message: String },
}

impl KubeconfigError {
    /// What the user can do about it, when we know.
    pub fn hint(&self) -> Option<String> {
        let permission_hint = |source: &io::Error, path: &PathBuf| {
            (source.kind() == io::ErrorKind::PermissionDenied).then(|| {
                format!(
                    "check the owner and permissions of {} and its directory \
                     (a file created by `sudo` belongs to root: `sudo chown $USER {}`), \
                     or write elsewhere with --kubeconfig",
                    path.display(),
                    path.display()
                )
            })
        };
        match self {
            KubeconfigError::Read { path, source }
            | KubeconfigError::Write { path, source }
            | KubeconfigError::Lock { path, source }
            | KubeconfigError::CreateDir { path, source } => permission_hint(source, path),
            KubeconfigError::Parse { path, .. } | KubeconfigError::Invalid { path, .. } => {
                Some(format!(
                    "devk does not overwrite a kubeconfig it cannot understand: fix {} \
                     (or move it away), or use another file with --kubeconfig",
                    path.display()
                ))
            }
            KubeconfigError::LockTimeout {
                path,
                held_by_kubectl,
                ..
            } => Some(if *held_by_kubectl {
                format!(
                    "kubectl leaves {} behind when it is killed while writing; \
                     if no kubectl is running, delete that file",
                    path.display()
                )
            } else {
                "another devk is writing this kubeconfig; wait for it, or use another \
                 file with --kubeconfig"
                    .to_string()
            }),
            KubeconfigError::SymlinkLoop { path, .. } => Some(format!(
                "check where {} points: `ls -l {}`",
                path.display(),
                path.display()
            )),
            KubeconfigError::Render { .. } => {
                Some("this is a bug in devk; please report it with this message".to_string())
            }
        }
    }
}
