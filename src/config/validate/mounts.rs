//! A node's extra mounts: the host side must exist, the node side must not
//! hide what the node itself needs.

use std::collections::HashMap;
use std::io;
use std::path::Path;

use super::super::error::Problem;
use super::super::model::Mount;

/// Node paths a mount must not cover or sit under, and why.
const FORBIDDEN_TREES: [(&str, &str); 5] = [
    ("/sys", "the node's kernel filesystems are mounted there"),
    ("/proc", "the node's kernel filesystems are mounted there"),
    ("/dev", "the node's device filesystem is mounted there"),
    (
        "/run",
        "it is a tmpfs in the node, which would hide the mounted files",
    ),
    (
        "/tmp",
        "it is a tmpfs in the node, which would hide the mounted files",
    ),
];

pub(super) fn check(mounts: &[Mount], at: &str, problems: &mut Vec<Problem>) {
    let mut seen: HashMap<&Path, usize> = HashMap::new();
    for (j, mount) in mounts.iter().enumerate() {
        let path = format!("{at}[{j}]");
        check_host_path(&mount.host_path, &format!("{path}.hostPath"), problems);
        let container_path = &mount.container_path;
        if let Err(message) = check_container_path(container_path) {
            problems.push(Problem::new(format!("{path}.containerPath"), message));
        } else if let Some(first) = seen.insert(container_path, j) {
            problems.push(Problem::new(
                format!("{path}.containerPath"),
                format!(
                    "{} is already the containerPath of {at}[{first}]; each mount needs its own containerPath",
                    container_path.display()
                ),
            ));
        }
    }
}

fn check_host_path(host_path: &Path, at: &str, problems: &mut Vec<Problem>) {
    // Empty and unresolvable paths were reported while resolving.
    if !host_path.is_absolute() {
        return;
    }
    match std::fs::metadata(host_path) {
        Ok(_) => {}
        Err(err) if err.kind() == io::ErrorKind::NotFound => problems.push(Problem::new(
            at,
            format!(
                "{} does not exist on the host (a relative hostPath is resolved against the config file's directory)",
                host_path.display()
            ),
        )),
        Err(err) => problems.push(Problem::new(at, format!("cannot access {}: {err}", host_path.display()))),
    }
}

/// Why `path` cannot be a mount target in a node, if it cannot. `path` is
/// lexically normalized when absolute.
fn check_container_path(path: &Path) -> Result<(), String> {
    if !path.is_absolute() {
        return Err(format!(
            "{:?} must be an absolute path in the node, such as /data",
            path.display().to_string()
        ));
    }
    if path == Path::new("/") || path == Path::new("/var") {
        return Err(format!(
            "mounting over {} would hide the node's own files; use a subdirectory such as /data or /var/local/data",
            path.display()
        ));
    }
    for (tree, why) in FORBIDDEN_TREES {
        if path.starts_with(tree) {
            return Err(format!(
                "{} is under {tree}: {why}; use a path such as /data",
                path.display()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::Propagation;
    use std::path::PathBuf;

    fn mount(host: &Path, container: &str) -> Mount {
        Mount {
            host_path: host.to_path_buf(),
            container_path: PathBuf::from(container),
            read_only: false,
            propagation: Propagation::None,
        }
    }

    #[test]
    fn container_paths_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("/data", None),
            ("/var/local/data", None),
            ("/etc/app", None),
            ("/", Some("would hide the node's own files")),
            ("/var", Some("would hide the node's own files")),
            ("/tmp", Some("under /tmp: it is a tmpfs")),
            ("/tmp/x", Some("under /tmp")),
            ("/run/secrets", Some("under /run")),
            ("/sys/fs", Some("under /sys")),
            ("/proc", Some("under /proc")),
            ("/dev/kmsg", Some("under /dev")),
            ("data", Some("must be an absolute path")),
        ];
        for (path, expected) in cases {
            match (check_container_path(Path::new(path)), expected) {
                (Ok(()), None) => {}
                (Err(message), Some(needle)) => {
                    assert!(message.contains(needle), "{path}: {message}")
                }
                (result, expected) => panic!("{path}: got {result:?}, expected {expected:?}"),
            }
        }
        // Only whole components count: /tmpfoo is not under /tmp.
        assert!(check_container_path(Path::new("/tmpdata")).is_ok());
    }

    #[test]
    fn missing_host_path_and_duplicate_container_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let mounts = [
            mount(dir.path(), "/data"),
            mount(&missing, "/other"),
            mount(dir.path(), "/data"),
        ];
        let mut problems = Vec::new();
        check(&mounts, "nodes[0].extraMounts", &mut problems);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].path, "nodes[0].extraMounts[1].hostPath");
        assert!(
            problems[0].message.contains(&missing.display().to_string()),
            "{problems:?}"
        );
        assert_eq!(problems[1].path, "nodes[0].extraMounts[2].containerPath");
        assert!(
            problems[1].message.contains("nodes[0].extraMounts[0]"),
            "{problems:?}"
        );
    }
}
