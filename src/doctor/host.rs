//! Reading the host: files under /proc and /sys relative to a root (so
//! gatherers can be tested on a fake tree), and whether the engine runs on
//! this machine at all (only then do this machine's kernel, disks and ports
//! say anything about the nodes).

use std::path::{Path, PathBuf};

/// The root the host's /proc and /sys are read under: `/` for real.
#[derive(Clone, Debug)]
pub struct HostRoot(PathBuf);

impl HostRoot {
    pub fn real() -> HostRoot {
        HostRoot(PathBuf::from("/"))
    }

    pub fn at(root: impl Into<PathBuf>) -> HostRoot {
        HostRoot(root.into())
    }

    /// `/proc/x` under this root.
    pub fn path(&self, absolute: &str) -> PathBuf {
        self.0.join(absolute.trim_start_matches('/'))
    }

    pub fn read(&self, absolute: &str) -> Option<String> {
        std::fs::read_to_string(self.path(absolute)).ok()
    }

    pub fn exists(&self, absolute: &str) -> bool {
        self.path(absolute).exists()
    }

    /// A sysctl file's value as a number (`/proc/sys/fs/inotify/...`).
    pub fn read_number(&self, absolute: &str) -> Option<u64> {
        self.read(absolute)?.trim().parse().ok()
    }

    /// The running kernel's release, as `uname -r` prints it.
    pub fn kernel_release(&self) -> Option<String> {
        self.read("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }
}

/// Where the engine runs relative to this process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locality {
    /// Same kernel: host files describe what the nodes get.
    Local,
    /// Another machine or a VM (Docker Desktop, Podman machine, a remote
    /// DOCKER_HOST).
    Remote,
}

/// Decide from the engine's address, the kernel it reports and this
/// machine's kernel. An unreachable engine (no kernel reported) on a local
/// socket counts as local: that is where it will run once started.
pub fn engine_locality(
    host: &str,
    engine_kernel: Option<&str>,
    engine_os: Option<&str>,
    local_kernel: Option<&str>,
) -> Locality {
    if !host.starts_with("unix://") && !host.starts_with('/') {
        return Locality::Remote;
    }
    // Docker Desktop's socket is local, its engine is in a VM.
    if engine_os.is_some_and(|os| os.contains("Docker Desktop")) {
        return Locality::Remote;
    }
    let Some(local) = local_kernel else {
        // No /proc: not Linux (macOS), so the engine is in a VM.
        return Locality::Remote;
    };
    match engine_kernel {
        Some(k) if k.trim() != local.trim() => Locality::Remote,
        _ => Locality::Local,
    }
}

/// The socket file behind a `unix://` engine address.
pub fn unix_socket_path(host: &str) -> Option<&Path> {
    host.strip_prefix("unix://").map(Path::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locality_from_address_and_kernels() {
        use Locality::*;
        let k = Some("6.1.0");
        // (case, host, engine kernel, engine os, local kernel, want)
        let cases = [
            (
                "local socket, same kernel",
                "unix:///var/run/docker.sock",
                k,
                Some("Debian"),
                k,
                Local,
            ),
            ("tcp is remote", "tcp://10.0.0.2:2375", k, None, k, Remote),
            ("ssh is remote", "ssh://me@box", None, None, k, Remote),
            (
                "docker desktop",
                "unix:///home/u/.docker/desktop/docker.sock",
                k,
                Some("Docker Desktop"),
                k,
                Remote,
            ),
            (
                "other kernel: a VM",
                "unix:///run/podman.sock",
                Some("6.8.0-podman"),
                None,
                k,
                Remote,
            ),
            (
                "engine down, local socket",
                "unix:///nonexistent",
                None,
                None,
                k,
                Local,
            ),
            (
                "no /proc here (macOS)",
                "unix:///var/run/docker.sock",
                k,
                None,
                None,
                Remote,
            ),
        ];
        for (case, host, ek, os, lk, want) in cases {
            assert_eq!(engine_locality(host, ek, os, lk), want, "{case}");
        }
    }

    #[test]
    fn host_files_are_read_under_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = HostRoot::at(dir.path());
        std::fs::create_dir_all(dir.path().join("proc/sys/kernel")).unwrap();
        std::fs::write(dir.path().join("proc/sys/kernel/osrelease"), "6.1.0-test\n").unwrap();
        std::fs::create_dir_all(dir.path().join("proc/sys/fs/inotify")).unwrap();
        std::fs::write(
            dir.path().join("proc/sys/fs/inotify/max_user_watches"),
            "8192\n",
        )
        .unwrap();
        assert_eq!(root.kernel_release().as_deref(), Some("6.1.0-test"));
        assert_eq!(
            root.read_number("/proc/sys/fs/inotify/max_user_watches"),
            Some(8192)
        );
        assert_eq!(root.read_number("/proc/sys/fs/inotify/missing"), None);
        assert!(root.exists("/proc/sys/kernel"));
        assert_eq!(
            unix_socket_path("unix:///run/x.sock"),
            Some(Path::new("/run/x.sock"))
        );
        assert_eq!(unix_socket_path("tcp://h:1"), None);
    }
}
