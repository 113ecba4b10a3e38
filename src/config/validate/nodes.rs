//! The node list: role counts, and each node's own fields.

use super::super::error::Problem;
use super::super::model::Cluster;
use super::{labels, mounts};

/// Node names end in a number (`-control-plane2`, `-worker2`); the name
/// length limit assumes at most two digits, and one for control planes.
const MAX_CONTROL_PLANES: usize = 9;
const MAX_WORKERS: usize = 99;

pub(super) fn check(cluster: &Cluster, problems: &mut Vec<Problem>) {
    let control_planes = cluster.control_planes().count();
    let workers = cluster.workers().count();
    if control_planes == 0 {
        problems.push(Problem::new(
            "nodes",
            "needs at least one node with role: control-plane (leave nodes out for a single control-plane node)",
        ));
    }
    if control_planes > MAX_CONTROL_PLANES {
        problems.push(Problem::new(
            "nodes",
            format!(
                "{control_planes} control-plane nodes; at most {MAX_CONTROL_PLANES} are allowed"
            ),
        ));
    }
    if workers > MAX_WORKERS {
        problems.push(Problem::new(
            "nodes",
            format!("{workers} worker nodes; at most {MAX_WORKERS} are allowed"),
        ));
    }

    for (i, node) in cluster.nodes.iter().enumerate() {
        let at = format!("nodes[{i}]");
        if node
            .image
            .as_deref()
            .is_some_and(|image| image.trim().is_empty())
        {
            problems.push(Problem::new(
                format!("{at}.image"),
                "must not be empty; leave it out to use devk's default node image",
            ));
        }
        labels::check(&node.labels, &format!("{at}.labels"), problems);
        mounts::check(&node.extra_mounts, &format!("{at}.extraMounts"), problems);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{Node, Role};

    fn cluster_with(control_planes: usize, workers: usize) -> Cluster {
        let mut cluster = Cluster::default_named("dev");
        cluster.nodes = std::iter::repeat_n(Role::ControlPlane, control_planes)
            .chain(std::iter::repeat_n(Role::Worker, workers))
            .map(Node::new)
            .collect();
        cluster
    }

    #[test]
    fn role_counts_table() {
        let cases = [
            (1, 0, None),
            (3, 2, None),
            (9, 99, None),
            (0, 2, Some("at least one node with role: control-plane")),
            (10, 0, Some("10 control-plane nodes; at most 9")),
            (1, 100, Some("100 worker nodes; at most 99")),
        ];
        for (control_planes, workers, expected) in cases {
            let mut problems = Vec::new();
            check(&cluster_with(control_planes, workers), &mut problems);
            match expected {
                None => assert!(
                    problems.is_empty(),
                    "{control_planes}+{workers}: {problems:?}"
                ),
                Some(needle) => {
                    assert_eq!(problems.len(), 1, "{problems:?}");
                    assert_eq!(problems[0].path, "nodes");
                    assert!(problems[0].message.contains(needle), "{problems:?}");
                }
            }
        }
    }

    #[test]
    fn empty_image_is_a_problem() {
        let mut cluster = cluster_with(1, 1);
        cluster.nodes[1].image = Some(String::new());
        let mut problems = Vec::new();
        check(&cluster, &mut problems);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "nodes[1].image");
    }
}
