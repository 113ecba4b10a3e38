//! A directory of Kubernetes binaries under fixed names, and the versions
//! they report when run.

use std::path::{Path, PathBuf};

use super::NodeImageError;
use super::versions::{KubeVersion, parse_reported_version};

/// Every executable a node image carries, by the name it must have.
pub const REQUIRED_BINARIES: &[&str] = &[
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-proxy",
    "kubectl",
    "etcd",
    "coredns",
];

/// Binaries found in a directory, with the versions they report.
#[derive(Clone, Debug, PartialEq)]
pub struct BinarySet {
    pub dir: PathBuf,
    pub kubernetes: KubeVersion,
    pub etcd: String,
    pub coredns: String,
}

impl BinarySet {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// The names of required binaries the directory lacks (or holds as
/// something other than an executable file).
pub fn missing_binaries(dir: &Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    REQUIRED_BINARIES
        .iter()
        .filter(|name| {
            let ok = std::fs::metadata(dir.join(name))
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false);
            !ok
        })
        .map(|s| s.to_string())
        .collect()
}

/// The arguments that make each binary print its version.
fn version_args(name: &str) -> &'static [&'static str] {
    match name {
        "kubectl" => &["version", "--client"],
        "coredns" => &["-version"],
        _ => &["--version"],
    }
}

/// Check the directory and read every binary's version by running it.
pub async fn inspect_dir(dir: &Path) -> Result<BinarySet, NodeImageError> {
    let dir = std::fs::canonicalize(dir).map_err(NodeImageError::io(dir))?;
    let missing = missing_binaries(&dir);
    if !missing.is_empty() {
        return Err(NodeImageError::MissingBinaries { dir, missing });
    }
    let runs = REQUIRED_BINARIES.iter().map(|name| {
        let path = dir.join(name);
        async move {
            let out = tokio::process::Command::new(&path)
                .args(version_args(name))
                .output()
                .await
                .map_err(NodeImageError::io(&path))?;
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            parse_reported_version(name, &text)
                .map(|v| (*name, v))
                .ok_or_else(|| NodeImageError::Binary {
                    path: path.clone(),
                    message: format!(
                        "does not report a version (ran it with {}; it printed {:?})",
                        version_args(name).join(" "),
                        text.lines().next().unwrap_or("")
                    ),
                })
        }
    });
    let versions = futures::future::try_join_all(runs).await?;
    let kube: Vec<(&str, String)> = versions
        .iter()
        .filter(|(n, _)| *n != "etcd" && *n != "coredns")
        .cloned()
        .collect();
    let mut distinct: Vec<String> = kube.iter().map(|(_, v)| v.clone()).collect();
    distinct.sort();
    distinct.dedup();
    if distinct.len() != 1 {
        return Err(NodeImageError::MixedVersions {
            dir,
            found: kube.iter().map(|(n, v)| format!("{n} {v}")).collect(),
        });
    }
    let kubernetes =
        KubeVersion::parse(&distinct[0]).map_err(|message| NodeImageError::Binary {
            path: dir.join("kube-apiserver"),
            message,
        })?;
    let find = |name: &str| {
        versions
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    Ok(BinarySet {
        etcd: find("etcd"),
        coredns: find("coredns"),
        dir,
        kubernetes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn write_exe(dir: &Path, name: &str, script: &str) {
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn stand_ins(dir: &Path, kube: &str) {
        for n in REQUIRED_BINARIES {
            let script = match *n {
                "kubectl" => format!("echo 'Client Version: {kube}'"),
                "etcd" => "echo 'etcd Version: 3.6.8'".to_string(),
                "coredns" => "echo 'CoreDNS-1.14.2'".to_string(),
                _ => format!("echo 'Kubernetes {kube}'"),
            };
            write_exe(dir, n, &script);
        }
    }

    #[test]
    fn missing_and_non_executable_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        stand_ins(dir.path(), "v1.36.2");
        std::fs::remove_file(dir.path().join("kubelet")).unwrap();
        std::fs::set_permissions(
            dir.path().join("etcd"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        assert_eq!(missing_binaries(dir.path()), vec!["kubelet", "etcd"]);
    }

    #[tokio::test]
    async fn versions_are_read_by_running_the_binaries() {
        let dir = tempfile::tempdir().unwrap();
        stand_ins(dir.path(), "v1.36.2");
        let set = inspect_dir(dir.path()).await.unwrap();
        assert_eq!(set.kubernetes.to_string(), "v1.36.2");
        assert_eq!(set.etcd, "3.6.8");
        assert_eq!(set.coredns, "1.14.2");
    }

    #[tokio::test]
    async fn a_directory_lacking_a_binary_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        stand_ins(dir.path(), "v1.36.2");
        std::fs::remove_file(dir.path().join("coredns")).unwrap();
        let err = inspect_dir(dir.path()).await.unwrap_err();
        assert!(err.to_string().ends_with("missing coredns"), "{err}");
    }

    #[tokio::test]
    async fn mixed_versions_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        stand_ins(dir.path(), "v1.36.2");
        write_exe(dir.path(), "kubelet", "echo 'Kubernetes v1.35.0'");
        let err = inspect_dir(dir.path()).await.unwrap_err();
        assert!(err.to_string().contains("kubelet v1.35.0"), "{err}");
    }

    #[tokio::test]
    async fn a_binary_that_reports_no_version_is_named() {
        let dir = tempfile::tempdir().unwrap();
        stand_ins(dir.path(), "v1.36.2");
        write_exe(dir.path(), "kube-proxy", "echo hello");
        let err = inspect_dir(dir.path()).await.unwrap_err();
        assert!(
            err.to_string()
                .contains("kube-proxy: does not report a version"),
            "{err}"
        );
    }
}
