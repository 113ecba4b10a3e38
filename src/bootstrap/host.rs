//! What devk learned about the host, which changes how nodes are set up.

use serde::Serialize;

use crate::engine::SecurityMode;

/// Facts about the host and engine that node configuration depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostFacts {
    /// The kernel mounts cgroup v1: the kubelet must be told to accept it.
    pub cgroup_v1: bool,
    /// Nodes run without CAP_SYS_RESOURCE: nothing may lower an OOM score,
    /// so containerd must not try (or every pod sandbox fails).
    pub restricted: bool,
}

impl HostFacts {
    pub fn new(cgroup_version: &str, security: SecurityMode) -> HostFacts {
        HostFacts {
            cgroup_v1: cgroup_version.trim() == "1",
            restricted: security == SecurityMode::Restricted,
        }
    }
}
