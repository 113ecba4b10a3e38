//! `devk export logs`: everything needed to understand what a cluster did,
//! for a bug report or a failed CI job, and nothing secret. Per node:
//! every unit's journal, pod and container logs, network and container
//! runtime state, devk's own files and the engine's inspect; per cluster:
//! every object the API lists (Secrets by name only) and its events.
//! Nodes are collected in parallel; what cannot be collected is listed in
//! `problems.txt` instead of failing the export.
//!
//! Secrets are kept out by construction ([`node`] reads named, non-secret
//! paths only; [`cluster_objects`] lists Secrets by metadata) and, as a
//! last line of defence, every file is [`redact`]ed on its way to disk.

pub mod cluster_objects;
mod error;
mod export;
pub mod node;
pub mod output;
pub mod redact;

pub use error::LogsError;
pub use export::{ExportOptions, ExportReport, export_logs};
pub use output::Problem;
