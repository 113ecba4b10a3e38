//! containerd 2.x configuration (`version = 3`, the CRI split into
//! `io.containerd.cri.v1.images` and `io.containerd.cri.v1.runtime`).

use super::HostFacts;
use crate::nodeimage::PAUSE_IMAGE;

pub const CONFIG_PATH: &str = "/etc/containerd/config.toml";
pub const SOCKET: &str = "unix:///run/containerd/containerd.sock";
/// Where Debian's containernetworking-plugins installs the plugins.
pub const CNI_BIN_DIR: &str = "/usr/lib/cni";
pub const CNI_CONF_DIR: &str = "/etc/cni/net.d";

pub fn config(host: &HostFacts) -> String {
    format!(
        r#"# Written by devk for this node.
version = 3
# Without the CRI containerd is useless to the kubelet: fail loudly, so the
# unit restarts and the journal says why, instead of running without it.
required_plugins = ["io.containerd.grpc.v1.cri"]

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  # Images loaded with `devk load` must not be garbage collected for lack of
  # a registry to pull them from again.
  discard_unpacked_layers = false

[plugins."io.containerd.cri.v1.images".pinned_images]
  sandbox = "{PAUSE_IMAGE}"

[plugins."io.containerd.cri.v1.runtime"]
  # {oom_reason}
  restrict_oom_score_adj = {restrict}

[plugins."io.containerd.cri.v1.runtime".cni]
  bin_dirs = ["{CNI_BIN_DIR}"]
  conf_dir = "{CNI_CONF_DIR}"

[plugins."io.containerd.cri.v1.runtime".containerd]
  default_runtime_name = "runc"

[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
  SystemdCgroup = true
"#,
        restrict = host.restricted,
        oom_reason = if host.restricted {
            "The node lacks CAP_SYS_RESOURCE: lowering OOM scores would fail every sandbox."
        } else {
            "The node may lower OOM scores."
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restricted_hosts_restrict_oom_score_adjustment() {
        let restricted = config(&HostFacts {
            cgroup_v1: true,
            restricted: true,
        });
        assert!(restricted.contains("restrict_oom_score_adj = true"));
        let free = config(&HostFacts {
            cgroup_v1: false,
            restricted: false,
        });
        assert!(free.contains("restrict_oom_score_adj = false"));
    }

    #[test]
    fn config_is_version_3_with_the_split_cri_and_pinned_pause() {
        let c = config(&HostFacts {
            cgroup_v1: false,
            restricted: false,
        });
        assert!(c.contains("version = 3"));
        assert!(c.contains(r#"required_plugins = ["io.containerd.grpc.v1.cri"]"#));
        assert!(c.contains(r#"[plugins."io.containerd.cri.v1.images".pinned_images]"#));
        assert!(c.contains(&format!(r#"sandbox = "{PAUSE_IMAGE}""#)));
        assert!(c.contains(r#"bin_dirs = ["/usr/lib/cni"]"#));
        assert!(c.contains("SystemdCgroup = true"));
    }
}
