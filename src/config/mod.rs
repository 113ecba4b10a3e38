//! The cluster config file: types, defaults, strict loading, validation.
//!
//! A config is `apiVersion: devk.dev/v1alpha1`, `kind: Cluster` (or a kind
//! `kind.x-k8s.io/v1alpha4` Cluster, translated). Loading goes
//! text -> [`file`] raw types (strict: unknown fields are errors) ->
//! [`resolve`] (defaults, relative paths, ports and subnets) -> [`validate`]
//! -> the [`model`] the rest of devk plans from. Every error names the
//! source, the field path and what is allowed; validation reports every
//! problem at once. docs/config.md is the user's reference.

mod defaults;
mod error;
mod file;
mod kind;
mod load;
mod model;
mod resolve;
mod validate;
mod yaml;

pub use defaults::{
    DEFAULT_API_SERVER_ADDRESS, DEFAULT_CLUSTER_NAME, DEFAULT_LISTEN_ADDRESS, DEFAULT_POD_SUBNET,
    DEFAULT_SERVICE_SUBNET,
};
pub use error::{ConfigError, Problem};
pub use load::{Source, load, load_file};
pub use model::{
    Cluster, Component, ExtraArgs, KubeProxyMode, Kubernetes, Mount, Networking, Node, PortMapping,
    Propagation, Protocol, Role,
};
pub use validate::{
    MAX_NAME_LEN, OwnedFlag, owned_flags, validate, validate_label_key, validate_label_value,
    validate_name,
};

#[cfg(test)]
mod tests;
