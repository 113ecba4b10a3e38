//! Clusters: the plan, the create pipeline as named steps, delete, list,
//! stop/start. Every object devk creates carries the cluster label, so
//! nothing here needs a state file.

pub mod plan;
