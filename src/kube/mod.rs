//! Kubernetes API use: applying manifests, watching objects, and deciding when
//! a workload has rolled out. The pure rules live in [`readiness`]; the parts
//! that talk to a cluster build on them.

mod apply;
mod client;
mod error;
pub mod readiness;
pub mod watch;

pub use apply::{Applied, Applier, FIELD_MANAGER};
pub use client::{from_kubeconfig_yaml, from_user_kubeconfig, get_text};
pub use error::KubeError;
