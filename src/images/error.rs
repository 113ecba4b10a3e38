use thiserror::Error;

use crate::cluster::ClusterError;
use crate::engine::EngineError;

/// Why loading images failed, naming the image, node or file.
#[derive(Debug, Error)]
pub enum ImagesError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("image {image} is not on this machine's container engine")]
    ImageMissing { image: String },
    #[error("{reference:?} cannot be loaded: {message}")]
    Reference { reference: String, message: String },
    #[error("cluster {cluster} has no node {node} (its nodes: {})", known.join(", "))]
    UnknownNode {
        node: String,
        cluster: String,
        known: Vec<String>,
    },
    #[error("node {node} of cluster {cluster} is not running")]
    NodeNotRunning { node: String, cluster: String },
    #[error("importing {image} into node {node} failed: {message}")]
    Import {
        node: String,
        image: String,
        message: String,
    },
    #[error("{path}: {message}")]
    Archive { path: String, message: String },
}

impl ImagesError {
    pub fn hint(&self) -> Option<String> {
        match self {
            ImagesError::Cluster(e) => e.hint(),
            ImagesError::Engine(e) => e.hint(),
            ImagesError::ImageMissing { image } => Some(format!(
                "pull it with `docker pull {image}` or build it with `docker build -t {image} .`; \
                 `docker images` lists what there is"
            )),
            ImagesError::Reference { .. } => Some(
                "name the image as repository:tag, as `docker images` shows it \
                 (`docker tag <id> myapp:dev` gives an unnamed image a name)"
                    .to_string(),
            ),
            ImagesError::UnknownNode { cluster, .. } => Some(format!(
                "--nodes takes node names as `devk get nodes --name {cluster}` lists them \
                 (the `{cluster}-` prefix may be left out)"
            )),
            ImagesError::NodeNotRunning { cluster, .. } => Some(format!(
                "start the cluster with `devk start --name {cluster}`"
            )),
            ImagesError::Import { .. } => Some(
                "check the free disk space of the engine (`docker system df`); \
                 `devk export logs` collects the node's containerd journal"
                    .to_string(),
            ),
            ImagesError::Archive { .. } => Some(
                "`devk load archive` takes a tar file written by `docker save` \
                 (or an OCI image layout in a tar); decompress .tar.gz files first"
                    .to_string(),
            ),
        }
    }
}
