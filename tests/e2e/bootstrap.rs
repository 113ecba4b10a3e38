//! A cluster works as a user expects right after `devk create`.

use crate::support::*;

/// Placeholder until the full suite lands: a one-node cluster answers.
#[test]
fn one_node_cluster_is_usable() {
    let test = "one_node_cluster_is_usable";
    let Some(image) = real_node_image(test) else {
        return;
    };
    let cluster = TestCluster::create("e2e-one", &image, &[]);
    let nodes = cluster.kubectl_ok(&[
        "get",
        "nodes",
        "-o",
        "jsonpath={.items[*].status.conditions[?(@.type==\"Ready\")].status}",
    ]);
    assert_eq!(nodes, "True");
}
