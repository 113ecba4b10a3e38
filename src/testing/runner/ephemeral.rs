//! `devk test --ephemeral`: a cluster made for one run and deleted after it.
//! Its kubeconfig entry goes to a file of its own (unless `--kubeconfig`
//! names one), so the user's current context is never touched.

use std::path::{Path, PathBuf};

use crate::cluster::{self, CreateOptions};
use crate::engine::Engine;
use crate::kubeconfig;
use crate::testing::namespace::random_suffix;
use crate::ui::Ui;

use super::RunnerError;

/// `devk-test-<5 random characters>`.
pub fn ephemeral_name() -> String {
    format!("devk-test-{}", random_suffix())
}

/// A cluster created for this run.
pub struct EphemeralCluster {
    pub name: String,
    /// The kubeconfig file holding its entry.
    pub kubeconfig: PathBuf,
    /// Its context: `devk-<name>`.
    pub context: String,
    _dir: Option<tempfile::TempDir>,
}

impl EphemeralCluster {
    /// Create the cluster `options` describe. Without `options.kubeconfig`,
    /// its entry goes into a temporary file. `cluster::create` removes what
    /// it made when it fails or is interrupted.
    pub async fn create(
        engine: &Engine,
        ui: &Ui,
        mut options: CreateOptions,
    ) -> Result<EphemeralCluster, RunnerError> {
        let name = options.config.name.clone();
        let (kubeconfig, dir) = match options.kubeconfig.clone() {
            Some(path) => (path, None),
            None => {
                let dir = tempfile::Builder::new()
                    .prefix("devk-test-")
                    .tempdir()
                    .map_err(|e| RunnerError::Io {
                        what: "creating a directory for the ephemeral kubeconfig".to_string(),
                        message: e.to_string(),
                    })?;
                (dir.path().join("kubeconfig"), Some(dir))
            }
        };
        options.kubeconfig = Some(kubeconfig.clone());
        ui.info(format!("Creating ephemeral cluster {name} ..."));
        cluster::create(engine, ui, options).await?;
        Ok(EphemeralCluster {
            context: kubeconfig::entry_name(&name),
            name,
            kubeconfig,
            _dir: dir,
        })
    }

    /// Keep the cluster (`--keep`): its kubeconfig file stays too.
    pub fn keep(self) -> PathBuf {
        if let Some(dir) = self._dir {
            let _ = dir.keep();
        }
        self.kubeconfig
    }

    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// Delete the cluster and its kubeconfig entry.
    pub async fn delete(&self, engine: &Engine, ui: &Ui) -> Result<(), RunnerError> {
        let step = ui.step(format!("Deleting ephemeral cluster {}", self.name));
        cluster::delete(engine, &self.name, Some(&self.kubeconfig)).await?;
        step.done();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid_cluster_names() {
        let name = ephemeral_name();
        assert!(name.starts_with("devk-test-") && name.len() == 15, "{name}");
        assert!(crate::config::validate_name(&name).is_ok(), "{name}");
        assert_ne!(ephemeral_name(), ephemeral_name());
    }
}
