//! Check 8: kubectl on PATH and its version skew against the Kubernetes the
//! clusters run. kubectl supports the API server's minor and one either
//! way; outside that some commands misbehave in ways that look like cluster
//! bugs. devk itself does not need kubectl.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Finding;
use crate::nodeimage::KubeVersion;

pub const NAME: &str = "kubectl";

const VERSION_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Debug, PartialEq)]
pub struct KubectlFacts {
    pub path: Option<PathBuf>,
    /// What `kubectl version --client` said (None when not found).
    pub version: Option<Result<String, String>>,
    /// The Kubernetes version clusters will run.
    pub cluster_version: String,
    /// Where that version comes from, for the message.
    pub cluster_version_from: String,
    /// The control-plane node of the cluster named by --name, for the fix.
    pub node: String,
}

fn fallback(facts: &KubectlFacts, minor: &str) -> String {
    format!(
        "install kubectl {minor} (https://kubernetes.io/docs/tasks/tools/), or use the one inside \
         the node: `docker exec {} kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes`",
        facts.node
    )
}

pub fn check(facts: &KubectlFacts) -> Finding {
    let cluster = KubeVersion::parse(&facts.cluster_version).ok();
    let minor = cluster
        .as_ref()
        .map(|v| v.minor_key())
        .unwrap_or_else(|| facts.cluster_version.clone());
    let Some(path) = &facts.path else {
        return Finding::warn(
            NAME,
            "kubectl is not on PATH (devk does not need it; you will)",
            fallback(facts, &minor),
        );
    };
    let path_text = path.display();
    let reported = match &facts.version {
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            return Finding::warn(
                NAME,
                format!("{path_text} does not report its version: {e}"),
                fallback(facts, &minor),
            );
        }
        None => {
            return Finding::warn(
                NAME,
                format!("{path_text} was not asked for its version"),
                fallback(facts, &minor),
            );
        }
    };
    let (Ok(client), Some(cluster)) = (KubeVersion::parse(reported), cluster) else {
        return Finding::warn(
            NAME,
            format!(
                "kubectl {reported} at {path_text}: cannot compare with Kubernetes {}",
                facts.cluster_version
            ),
            fallback(facts, &minor),
        );
    };
    let skew = i64::from(client.minor) - i64::from(cluster.minor);
    let base = format!("kubectl {reported} at {path_text}");
    if client.major == cluster.major && skew.abs() <= 1 {
        return Finding::ok(
            NAME,
            format!(
                "{base}: within one minor of Kubernetes {} ({})",
                facts.cluster_version, facts.cluster_version_from
            ),
        );
    }
    let relation = if client.major != cluster.major {
        "a different major version than".to_string()
    } else if skew < 0 {
        format!("{} minor versions older than", -skew)
    } else {
        format!("{skew} minor versions newer than")
    };
    Finding::warn(
        NAME,
        format!(
            "{base} is {relation} Kubernetes {} ({}); kubectl supports one minor either way",
            facts.cluster_version, facts.cluster_version_from
        ),
        fallback(facts, &minor),
    )
}

/// The first executable `kubectl` in `path_var`, as a shell would find it.
pub fn find_on_path(path_var: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path_var?)
        .map(|dir| dir.join("kubectl"))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `clientVersion.gitVersion` from `kubectl version --client -o json`, or
/// the `Client Version:` line of the text form.
pub fn parse_client_version(output: &str) -> Option<String> {
    if let Ok(doc) = serde_json::from_str::<serde_json::Value>(output)
        && let Some(v) = doc["clientVersion"]["gitVersion"].as_str()
    {
        return Some(v.to_string());
    }
    crate::nodeimage::parse_reported_version("kubectl", output)
}

/// Ask `kubectl` at `path` for its client version.
pub async fn client_version(path: &Path) -> Result<String, String> {
    let run = tokio::process::Command::new(path)
        .args(["version", "--client", "-o", "json"])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(VERSION_TIMEOUT, run)
        .await
        .map_err(|_| format!("no answer within {}s", VERSION_TIMEOUT.as_secs()))?
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    parse_client_version(&stdout).ok_or_else(|| {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let said = stderr.lines().next().unwrap_or("").trim();
        format!("exit {}, {said}", out.status.code().unwrap_or(-1))
    })
}

pub async fn gather(cluster_version: String, from: String, node: String) -> KubectlFacts {
    let path = find_on_path(std::env::var_os("PATH").as_deref());
    let version = match &path {
        Some(p) => Some(client_version(p).await),
        None => None,
    };
    KubectlFacts {
        path,
        version,
        cluster_version,
        cluster_version_from: from,
        node,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    fn facts(version: Option<Result<&str, &str>>) -> KubectlFacts {
        KubectlFacts {
            path: version.map(|_| PathBuf::from("/usr/bin/kubectl")),
            version: version.map(|v| v.map(str::to_string).map_err(str::to_string)),
            cluster_version: "v1.36.2".to_string(),
            cluster_version_from: "the node image devk/node:v1.36.2".to_string(),
            node: "devk-control-plane".to_string(),
        }
    }

    #[test]
    fn kubectl_rules() {
        // (case, facts, status, message contains, fix contains)
        let cases = [
            (
                "same minor",
                facts(Some(Ok("v1.36.2"))),
                Status::Ok,
                "within one minor of Kubernetes v1.36.2",
                "",
            ),
            (
                "one older",
                facts(Some(Ok("v1.35.0"))),
                Status::Ok,
                "kubectl v1.35.0 at /usr/bin/kubectl",
                "",
            ),
            (
                "one newer",
                facts(Some(Ok("v1.37.1"))),
                Status::Ok,
                "within one minor",
                "",
            ),
            (
                "four older, with a suffix",
                facts(Some(Ok("v1.32.4-dispatcher"))),
                Status::Warn,
                "is 4 minor versions older than Kubernetes v1.36.2",
                "install kubectl v1.36",
            ),
            (
                "two newer",
                facts(Some(Ok("v1.38.0"))),
                Status::Warn,
                "2 minor versions newer",
                "docker exec devk-control-plane kubectl",
            ),
            (
                "other major",
                facts(Some(Ok("v2.36.0"))),
                Status::Warn,
                "different major",
                "kubernetes.io/docs/tasks/tools",
            ),
            (
                "not on PATH",
                facts(None),
                Status::Warn,
                "not on PATH",
                "docker exec devk-control-plane kubectl --kubeconfig /etc/kubernetes/admin.conf",
            ),
            (
                "version fails",
                facts(Some(Err("exit 1, boom"))),
                Status::Warn,
                "does not report its version: exit 1, boom",
                "install kubectl",
            ),
            (
                "odd version",
                facts(Some(Ok("unknown"))),
                Status::Warn,
                "cannot compare",
                "install kubectl",
            ),
        ];
        for (case, f, status, message, fix) in cases {
            crate::doctor::assert_finding(case, &check(&f), status, message, fix);
        }
    }

    #[test]
    fn client_version_parses_json_and_text() {
        let json = r#"{"clientVersion":{"major":"1","minor":"36","gitVersion":"v1.36.2"},"kustomizeVersion":"v5.8.1"}"#;
        assert_eq!(parse_client_version(json).as_deref(), Some("v1.36.2"));
        assert_eq!(
            parse_client_version("Client Version: v1.31.0\nKustomize Version: v5\n").as_deref(),
            Some("v1.31.0")
        );
        assert_eq!(parse_client_version("error: unknown flag"), None);
    }

    #[test]
    fn path_lookup_takes_the_first_executable() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("c"),
        );
        for d in [&a, &b, &c] {
            std::fs::create_dir(d).unwrap();
        }
        // a: not executable; b: a directory named kubectl; c: the real one.
        std::fs::write(a.join("kubectl"), "").unwrap();
        std::fs::create_dir(b.join("kubectl")).unwrap();
        std::fs::write(c.join("kubectl"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(c.join("kubectl"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        let path = std::env::join_paths([&a, &b, &c]).unwrap();
        assert_eq!(find_on_path(Some(&path)), Some(c.join("kubectl")));
        let only_a = std::env::join_paths([&a]).unwrap();
        assert_eq!(find_on_path(Some(&only_a)), None);
        assert_eq!(find_on_path(None), None);
    }

    #[tokio::test]
    async fn client_version_runs_the_binary() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("kubectl");
        std::fs::write(
            &fake,
            "#!/bin/sh\necho '{\"clientVersion\":{\"gitVersion\":\"v1.35.1\"}}'\n",
        )
        .unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(client_version(&fake).await.unwrap(), "v1.35.1");

        let broken = dir.path().join("broken");
        std::fs::write(&broken, "#!/bin/sh\necho nope >&2\nexit 3\n").unwrap();
        std::fs::set_permissions(&broken, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(client_version(&broken).await.unwrap_err(), "exit 3, nope");
    }
}
