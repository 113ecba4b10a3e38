use bollard::models::HostConfig;
use serde::Serialize;

use super::{ContainerSpec, Engine, EngineError};

/// How a node container gets the powers systemd, containerd and the kubelet
/// need.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecurityMode {
    /// `--privileged`, as kind, k3d and minikube use.
    Privileged,
    /// Every capability but CAP_SYS_RESOURCE, no seccomp/AppArmor filter,
    /// unmasked /proc and /sys, every device. For engines whose root lacks
    /// CAP_SYS_RESOURCE, where `--privileged` cannot start at all; the node
    /// entrypoint then makes /sys and the cgroup hierarchies writable.
    Restricted,
}

/// Capabilities the restricted mode drops: the ones such hosts cannot grant.
const DROPPED_CAPABILITIES: &[&str] = &["SYS_RESOURCE"];

impl SecurityMode {
    pub(crate) fn apply(self, host: &mut HostConfig) {
        let security_opt = vec![
            "seccomp=unconfined".to_string(),
            "apparmor=unconfined".to_string(),
        ];
        match self {
            SecurityMode::Privileged => host.privileged = Some(true),
            SecurityMode::Restricted => {
                host.cap_add = Some(vec!["ALL".to_string()]);
                host.cap_drop = Some(DROPPED_CAPABILITIES.iter().map(|c| c.to_string()).collect());
                // The CLI's `systempaths=unconfined`: nothing masked or
                // read-only under /proc and /sys.
                host.masked_paths = Some(Vec::new());
                host.readonly_paths = Some(Vec::new());
                host.device_cgroup_rules = Some(vec!["a *:* rwm".to_string()]);
            }
        }
        host.security_opt = Some(security_opt);
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SecurityMode::Privileged => "privileged",
            SecurityMode::Restricted => "restricted",
        }
    }
}

impl std::str::FromStr for SecurityMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "privileged" => Ok(SecurityMode::Privileged),
            "restricted" => Ok(SecurityMode::Restricted),
            other => Err(format!(
                "unknown security mode {other:?}: use privileged or restricted"
            )),
        }
    }
}

impl Engine {
    /// Ask the engine whether it can start a privileged container, by
    /// starting one (`true` in `image`). Engines on hosts whose root lacks a
    /// capability refuse with "unable to apply caps"; then nodes use the
    /// restricted mode. The probe container is always removed.
    pub async fn probe_security_mode(
        &self,
        image: &str,
        probe_name: &str,
    ) -> Result<SecurityMode, EngineError> {
        let spec = ContainerSpec {
            name: probe_name.to_string(),
            hostname: "devk-probe".to_string(),
            image: image.to_string(),
            entrypoint: Some(vec!["/bin/true".to_string()]),
            network: "none".to_string(),
            security: Some(SecurityMode::Privileged),
            labels: [(super::labels::ROLE.to_string(), "probe".to_string())].into(),
            ..Default::default()
        };
        self.create_container(&spec).await?;
        let started = self.start_container(probe_name).await;
        self.remove_container(probe_name).await?;
        match started {
            Ok(()) => Ok(SecurityMode::Privileged),
            Err(EngineError::Api { source, .. }) if is_capability_refusal(&source.to_string()) => {
                Ok(SecurityMode::Restricted)
            }
            Err(e) => Err(e),
        }
    }
}

/// The runtime's message when the host cannot grant every capability.
pub(crate) fn is_capability_refusal(message: &str) -> bool {
    message.contains("apply caps") || message.contains("operation not permitted")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restricted_mode_drops_only_sys_resource_and_unmasks_paths() {
        let mut host = HostConfig::default();
        SecurityMode::Restricted.apply(&mut host);
        assert_eq!(host.privileged, None);
        assert_eq!(host.cap_add.unwrap(), vec!["ALL"]);
        assert_eq!(host.cap_drop.unwrap(), vec!["SYS_RESOURCE"]);
        assert_eq!(host.masked_paths, Some(vec![]));
        assert_eq!(host.readonly_paths, Some(vec![]));
        let opts = host.security_opt.unwrap();
        assert!(opts.contains(&"seccomp=unconfined".to_string()));
        assert_eq!(host.device_cgroup_rules.unwrap(), vec!["a *:* rwm"]);
    }

    #[test]
    fn privileged_mode_is_privileged() {
        let mut host = HostConfig::default();
        SecurityMode::Privileged.apply(&mut host);
        assert_eq!(host.privileged, Some(true));
        assert!(host.cap_drop.is_none());
    }

    #[test]
    fn recognises_the_runtime_refusal() {
        assert!(is_capability_refusal(
            "runc create failed: unable to start container process: unable to apply caps: operation not permitted"
        ));
        assert!(!is_capability_refusal("no such image"));
    }
}
