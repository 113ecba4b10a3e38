//! Rules a loaded config must satisfy before anything is created. Each check
//! appends [`Problem`]s instead of stopping, so a user fixes everything in
//! one round.

mod kubernetes;
mod labels;
mod mounts;
mod name;
mod network;
mod nodes;
mod ports;

pub use kubernetes::{OwnedFlag, owned_flags};
pub use labels::{validate_label_key, validate_label_value};
pub use name::{MAX_NAME_LEN, validate_name};
pub(crate) use network::parse_ipv4_subnet;

use std::collections::HashSet;

use super::error::Problem;
use super::model::Cluster;

/// Every problem with `cluster`; empty when it is valid.
pub fn validate(cluster: &Cluster) -> Vec<Problem> {
    validate_except(cluster, &[])
}

/// Every problem with `cluster` that is not about a field already in
/// `known` (problems found while loading, where the model holds a
/// placeholder that would only cause follow-up noise).
pub(crate) fn validate_except(cluster: &Cluster, known: &[Problem]) -> Vec<Problem> {
    let known_paths: HashSet<&str> = known.iter().map(|problem| problem.path.as_str()).collect();
    let mut problems = Vec::new();
    if let Err(message) = validate_name(&cluster.name) {
        problems.push(Problem::new(
            "name",
            format!("{:?}: {message}", cluster.name),
        ));
    }
    nodes::check(cluster, &mut problems);
    ports::check(cluster, &mut problems);
    let subnets_known = ["networking.podSubnet", "networking.serviceSubnet"]
        .iter()
        .all(|path| !known_paths.contains(path));
    network::check(cluster, subnets_known, &mut problems);
    kubernetes::check(&cluster.kubernetes, &mut problems);
    problems.retain(|problem| !known_paths.contains(problem.path.as_str()));
    problems
}
