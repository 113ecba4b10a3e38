//! Settings that depend on the Kubernetes version, in one table: a new
//! minor, or a flag that comes or goes, is one edit here.

use crate::nodeimage::KubeVersion;

/// A setting and the minors it applies to (inclusive bounds).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VersionedSetting {
    pub name: &'static str,
    pub since_minor: u32,
    pub until_minor: Option<u32>,
}

/// kubelet `failCgroupV1`: the kubelet refuses cgroup v1 from 1.35 unless
/// told otherwise; the field exists from 1.31.
pub const KUBELET_FAIL_CGROUP_V1: VersionedSetting = VersionedSetting {
    name: "kubelet.failCgroupV1",
    since_minor: 31,
    until_minor: None,
};

/// kube-apiserver `--shutdown-watch-termination-grace-period`: without it
/// the API server holds watches open for a minute at shutdown.
pub const APISERVER_WATCH_GRACE: VersionedSetting = VersionedSetting {
    name: "kube-apiserver.shutdown-watch-termination-grace-period",
    since_minor: 27,
    until_minor: None,
};

/// The oldest minor devk configures.
pub const OLDEST_SUPPORTED_MINOR: u32 = 31;

pub const TABLE: &[VersionedSetting] = &[KUBELET_FAIL_CGROUP_V1, APISERVER_WATCH_GRACE];

impl VersionedSetting {
    pub fn applies_to(&self, version: &KubeVersion) -> bool {
        version.major == 1
            && version.minor >= self.since_minor
            && self.until_minor.is_none_or(|u| version.minor <= u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> KubeVersion {
        KubeVersion::parse(s).unwrap()
    }

    #[test]
    fn settings_apply_within_their_bounds() {
        assert!(KUBELET_FAIL_CGROUP_V1.applies_to(&v("v1.36.2")));
        assert!(!KUBELET_FAIL_CGROUP_V1.applies_to(&v("v1.30.0")));
        let bounded = VersionedSetting {
            name: "x",
            since_minor: 30,
            until_minor: Some(32),
        };
        assert!(bounded.applies_to(&v("v1.32.9")));
        assert!(!bounded.applies_to(&v("v1.33.0")));
    }

    #[test]
    fn every_setting_has_a_unique_name() {
        let mut names: Vec<&str> = TABLE.iter().map(|s| s.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), TABLE.len());
    }
}
