//! Clusters: the plan, the create pipeline as named steps, delete, list,
//! stop/start. Every object devk creates carries the cluster label, so
//! nothing here needs a state file.

mod addons;
mod balancer;
mod boot;
mod create;
mod delete;
mod error;
pub mod existing;
mod host_network;
mod list;
mod node_container;
pub mod plan;
mod stop_start;
pub mod wait;

pub use create::{CreateOptions, CreateReport, Phase, SecurityChoice, create, default_image_name};
pub use delete::{DeleteReport, delete};
pub use error::ClusterError;
pub use existing::{ApiEndpoint, ExistingCluster, NodeMetadata};
pub use list::{ClusterSummary, NodeInfo, clusters, nodes, summarize};
pub use node_container::{NODE_STOP_TIMEOUT_SECS, node_spec};
pub use stop_start::{StartReport, StopReport, start, stop, wait_target};
