//! Building a kube-rs client: from devk's own admin credentials (create,
//! wait), or from the user's kubeconfig and context (`devk test`).

use std::path::Path;

use kube::config::{KubeConfigOptions, Kubeconfig};

use super::KubeError;

/// A client from a kubeconfig document held in memory.
pub async fn from_kubeconfig_yaml(
    yaml: &str,
    context: Option<&str>,
) -> Result<kube::Client, KubeError> {
    crate::tls::ensure_crypto_provider();
    let kubeconfig = Kubeconfig::from_yaml(yaml).map_err(|e| KubeError::Kubeconfig {
        source_name: "the cluster's admin kubeconfig".to_string(),
        message: e.to_string(),
    })?;
    from_kubeconfig(kubeconfig, context, "the cluster's admin kubeconfig").await
}

/// A client as kubectl would build it: `--kubeconfig` (or the `KUBECONFIG`
/// list, or ~/.kube/config) and `--context` (or the current one).
pub async fn from_user_kubeconfig(
    path: Option<&Path>,
    context: Option<&str>,
) -> Result<kube::Client, KubeError> {
    crate::tls::ensure_crypto_provider();
    let (kubeconfig, name) = match path {
        Some(p) => (
            Kubeconfig::read_from(p).map_err(|e| KubeError::Kubeconfig {
                source_name: p.display().to_string(),
                message: e.to_string(),
            })?,
            p.display().to_string(),
        ),
        None => (
            Kubeconfig::read().map_err(|e| KubeError::Kubeconfig {
                source_name: "the default kubeconfig".to_string(),
                message: e.to_string(),
            })?,
            "the default kubeconfig".to_string(),
        ),
    };
    from_kubeconfig(kubeconfig, context, &name).await
}

async fn from_kubeconfig(
    kubeconfig: Kubeconfig,
    context: Option<&str>,
    source_name: &str,
) -> Result<kube::Client, KubeError> {
    let options = KubeConfigOptions {
        context: context.map(str::to_string),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| KubeError::Kubeconfig {
            source_name: source_name.to_string(),
            message: e.to_string(),
        })?;
    kube::Client::try_from(config).map_err(|e| KubeError::Kubeconfig {
        source_name: source_name.to_string(),
        message: e.to_string(),
    })
}

/// GET a raw path (health endpoints) and return the body.
pub async fn get_text(client: &kube::Client, path: &str) -> Result<String, kube::Error> {
    let request = http::Request::get(path)
        .body(Vec::new())
        .map_err(|e| kube::Error::BuildRequest(kube::core::request::Error::BuildRequest(e)))?;
    client.request_text(request).await
}
