//! devk: local Kubernetes clusters whose nodes are containers, and a test
//! runner for directories of manifests.
//!
//! Data flows one way: [`config`] -> [`cluster::plan`] -> [`engine`] -> nodes
//! ([`bootstrap`], [`network`], [`pki`]) -> [`kubeconfig`]. The `devk` binary
//! is a thin shell over this library; tests and the benchmark harness call the
//! library directly.

pub mod bootstrap;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod doctor;
pub mod engine;
pub mod error;
pub mod images;
pub mod kube;
pub mod kubeconfig;
pub mod logs;
pub mod network;
pub mod nodeimage;
pub mod pki;
pub mod signal;
pub mod testing;
pub mod tls;
pub mod ui;

pub use error::{Error, Result};
