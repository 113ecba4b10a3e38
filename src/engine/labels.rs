//! Labels devk puts on everything it creates. `list`, `delete` and every
//! day-two command find a cluster's objects by these labels alone, so devk
//! keeps no state file on the host.

/// The cluster an object belongs to.
pub const CLUSTER: &str = "dev.devk.cluster";
/// The node's role: `control-plane`, `worker` or `balancer`.
pub const ROLE: &str = "dev.devk.role";
/// Set on node images: the Kubernetes version they carry.
pub const IMAGE_KUBERNETES_VERSION: &str = "dev.devk.kubernetes-version";
/// Set on node images: a JSON document of every component's version.
pub const IMAGE_CONTENTS: &str = "dev.devk.image-contents";

/// A filter for the engine's list calls: objects of one cluster, or of any.
pub fn cluster_filter(cluster: Option<&str>) -> String {
    match cluster {
        Some(name) => format!("{CLUSTER}={name}"),
        None => CLUSTER.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_for_one_cluster_names_it() {
        assert_eq!(cluster_filter(Some("dev")), "dev.devk.cluster=dev");
        assert_eq!(cluster_filter(None), "dev.devk.cluster");
    }
}
