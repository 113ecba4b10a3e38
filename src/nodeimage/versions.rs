//! Versions: what a binary reports, what an image contains, and which etcd
//! and CoreDNS go with a Kubernetes minor.

use serde::{Deserialize, Serialize};

/// A Kubernetes version `vMAJOR.MINOR.PATCH` (pre-release suffixes kept).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct KubeVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    pub suffix: String,
}

impl KubeVersion {
    /// Parse `v1.36.2`, `1.36.2` or `v1.36.2-rc.1`.
    pub fn parse(text: &str) -> Result<KubeVersion, String> {
        let t = text.trim().trim_start_matches('v');
        let (core, suffix) = match t.split_once(['-', '+']) {
            Some((c, s)) => (c, s.to_string()),
            None => (t, String::new()),
        };
        let parts: Vec<&str> = core.split('.').collect();
        let num = |s: &str| s.parse::<u32>().ok();
        match parts.as_slice() {
            [a, b, c] => match (num(a), num(b), num(c)) {
                (Some(major), Some(minor), Some(patch)) => Ok(KubeVersion {
                    major,
                    minor,
                    patch,
                    suffix,
                }),
                _ => Err(format!("{text:?} is not a version like v1.36.2")),
            },
            _ => Err(format!("{text:?} is not a version like v1.36.2")),
        }
    }

    /// `v1.36`, for tables keyed by minor.
    pub fn minor_key(&self) -> String {
        format!("v{}.{}", self.major, self.minor)
    }
}

impl std::fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.suffix.is_empty() {
            write!(f, "-{}", self.suffix)?;
        }
        Ok(())
    }
}

/// What one Kubernetes minor is released with (kubeadm's constants and
/// build/dependencies.yaml of that release). A new minor is one row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pairing {
    pub minor: &'static str,
    pub etcd: &'static str,
    pub coredns: &'static str,
    pub pause: &'static str,
}

pub const PAIRINGS: &[Pairing] = &[Pairing {
    minor: "v1.36",
    etcd: "3.6.8",
    coredns: "1.14.2",
    pause: "3.10.2",
}];

/// The pairing for a version's minor, or the list of minors devk knows.
pub fn pairing_for(version: &KubeVersion) -> Result<&'static Pairing, String> {
    let key = version.minor_key();
    PAIRINGS.iter().find(|p| p.minor == key).ok_or_else(|| {
        let known: Vec<&str> = PAIRINGS.iter().map(|p| p.minor).collect();
        format!(
            "devk does not know which etcd and CoreDNS go with Kubernetes {key}; known: {}",
            known.join(", ")
        )
    })
}

/// The versions printed by the binaries devk runs, e.g.
/// `Kubernetes v1.36.2`, `Client Version: v1.36.2`, `etcd Version: 3.6.8`,
/// `CoreDNS-1.14.2`. Returns the version text without a leading `v`
/// for etcd and CoreDNS, with it for Kubernetes.
pub fn parse_reported_version(binary: &str, output: &str) -> Option<String> {
    for line in output.lines() {
        let line = line.trim();
        let found = match binary {
            "kubectl" => line.strip_prefix("Client Version:").map(str::trim),
            "etcd" => line.strip_prefix("etcd Version:").map(str::trim),
            "coredns" => line.strip_prefix("CoreDNS-").map(str::trim),
            _ => line.strip_prefix("Kubernetes ").map(str::trim),
        };
        if let Some(v) = found.filter(|v| !v.is_empty()) {
            return Some(v.to_string());
        }
    }
    None
}

/// What a node image holds, recorded in its labels and in
/// /etc/devk/image.json inside it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageContents {
    pub kubernetes: String,
    pub etcd: String,
    pub coredns: String,
    pub pause: String,
    /// `release` (downloaded and verified) or `directory` (--kube-binaries).
    pub source: String,
    pub devk: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_with_and_without_v() {
        let v = KubeVersion::parse("v1.36.2").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (1, 36, 2));
        assert_eq!(v.to_string(), "v1.36.2");
        assert_eq!(KubeVersion::parse("1.36.2").unwrap(), v);
        let rc = KubeVersion::parse("v1.37.0-rc.1").unwrap();
        assert_eq!(rc.suffix, "rc.1");
        assert_eq!(rc.to_string(), "v1.37.0-rc.1");
        assert_eq!(rc.minor_key(), "v1.37");
    }

    #[test]
    fn bad_versions_are_refused_with_the_text() {
        for bad in ["", "v1.36", "latest", "v1.x.2", "1.36.2.1"] {
            let err = KubeVersion::parse(bad).unwrap_err();
            assert!(err.contains("is not a version"), "{bad}: {err}");
        }
    }

    #[test]
    fn reported_versions_are_read_from_each_binary() {
        assert_eq!(
            parse_reported_version("kube-apiserver", "Kubernetes v1.36.2\n").as_deref(),
            Some("v1.36.2")
        );
        assert_eq!(
            parse_reported_version(
                "kubectl",
                "Client Version: v1.36.2\nKustomize Version: v5.8.1\n"
            )
            .as_deref(),
            Some("v1.36.2")
        );
        assert_eq!(
            parse_reported_version("etcd", "etcd Version: 3.6.8\nGit SHA: abc\n").as_deref(),
            Some("3.6.8")
        );
        assert_eq!(
            parse_reported_version("coredns", "CoreDNS-1.14.2\nlinux/amd64, go1.26\n").as_deref(),
            Some("1.14.2")
        );
        assert_eq!(parse_reported_version("kubelet", "garbage"), None);
    }

    #[test]
    fn pairing_is_known_for_1_36_and_not_for_others() {
        let p = pairing_for(&KubeVersion::parse("v1.36.2").unwrap()).unwrap();
        assert_eq!(p.etcd, "3.6.8");
        let err = pairing_for(&KubeVersion::parse("v1.20.0").unwrap()).unwrap_err();
        assert!(err.contains("v1.20") && err.contains("v1.36"), "{err}");
    }
}
