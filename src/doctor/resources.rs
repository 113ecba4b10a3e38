//! Check 6: room to run nodes: free disk where the engine keeps images and
//! container layers (its data root), and available memory.

use std::path::Path;

use super::Finding;
use super::host::HostRoot;

pub const DISK_NAME: &str = "disk";
pub const MEMORY_NAME: &str = "memory";

const GB: u64 = 1_000_000_000;
const GIB: u64 = 1 << 30;
pub const DISK_WARN: u64 = 10 * GB;
pub const DISK_FAIL: u64 = 3 * GB;
pub const MEMORY_WARN: u64 = 4 * GIB;
pub const MEMORY_FAIL: u64 = 2 * GIB;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskFacts {
    /// The engine's data root (`DockerRootDir`).
    pub root_dir: String,
    /// Bytes available to the engine there, or why it could not be read.
    pub free: Result<u64, String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemorySource {
    /// /proc/meminfo MemAvailable on this host.
    Available,
    /// Only the engine's total (a remote engine).
    EngineTotal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryFacts {
    pub bytes: Option<u64>,
    pub source: MemorySource,
}

fn gb(bytes: u64) -> String {
    format!("{:.1} GB", bytes as f64 / GB as f64)
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / GIB as f64)
}

pub fn check_disk(facts: &DiskFacts) -> Finding {
    let free = match &facts.free {
        Ok(free) => *free,
        Err(e) => {
            return Finding::warn(
                DISK_NAME,
                format!("cannot tell the free space in {}: {e}", facts.root_dir),
                format!(
                    "check with `df -h {}`: devk wants 10 GB free",
                    facts.root_dir
                ),
            );
        }
    };
    let message = format!(
        "{} free in {} (the engine's data root)",
        gb(free),
        facts.root_dir
    );
    let fix = "free space: `docker system prune` removes stopped containers, unused networks and \
               dangling images (`docker image prune -a` all unused images), or move the engine's \
               data-root to a larger disk";
    by_threshold(
        DISK_NAME,
        message,
        fix,
        (free < DISK_FAIL).then_some("under 3 GB, node images and containers will not fit"),
        (free < DISK_WARN).then_some("under 10 GB, a node image and a few clusters may not fit"),
    )
}

pub fn check_memory(facts: &MemoryFacts) -> Finding {
    let Some(bytes) = facts.bytes else {
        return Finding::warn(
            MEMORY_NAME,
            "cannot read the available memory (/proc/meminfo)",
            "check with `free -g`: devk wants 4 GiB available",
        );
    };
    let what = match facts.source {
        MemorySource::Available => "available",
        MemorySource::EngineTotal => "in the engine's machine (total; the engine is remote)",
    };
    let message = format!("{} {what}", gib(bytes));
    let fix = "close programs (or stop clusters you do not use: `devk delete --name NAME`), or give \
               the machine (or the engine's VM) more memory";
    by_threshold(
        MEMORY_NAME,
        message,
        fix,
        (bytes < MEMORY_FAIL).then_some("under 2 GiB, even one node will struggle"),
        (bytes < MEMORY_WARN).then_some("under 4 GiB, clusters with several nodes may not fit"),
    )
}

/// Fail when below the hard floor, warn when below the comfortable one,
/// else ok; the reason is appended to the message.
fn by_threshold(
    name: &'static str,
    message: String,
    fix: &str,
    below_fail: Option<&str>,
    below_warn: Option<&str>,
) -> Finding {
    match (below_fail, below_warn) {
        (Some(why), _) => Finding::fail(name, format!("{message}: {why}"), fix),
        (None, Some(why)) => Finding::warn(name, format!("{message}: {why}"), fix),
        (None, None) => Finding::ok(name, message),
    }
}

/// `MemAvailable` from /proc/meminfo, in bytes.
pub fn parse_mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

pub fn gather_memory(root: &HostRoot) -> MemoryFacts {
    MemoryFacts {
        bytes: root
            .read("/proc/meminfo")
            .and_then(|t| parse_mem_available(&t)),
        source: MemorySource::Available,
    }
}

/// Bytes available to unprivileged users on the filesystem holding `path`.
pub fn free_bytes(path: &Path) -> Result<u64, String> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| "the path contains a NUL byte".to_string())?;
    // SAFETY: statvfs fills the zeroed struct we own; c_path outlives the call.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(stat.f_bavail as u64 * stat.f_frsize as u64)
}

pub fn gather_disk(root_dir: &str, root: &HostRoot) -> DiskFacts {
    DiskFacts {
        root_dir: root_dir.to_string(),
        free: free_bytes(&root.path(root_dir)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    #[test]
    fn disk_rules() {
        let d = |free: Result<u64, String>| DiskFacts {
            root_dir: "/var/lib/docker".to_string(),
            free,
        };
        // (facts, status, message contains, fix contains)
        let cases = [
            (
                d(Ok(62 * GB)),
                Status::Ok,
                "62.0 GB free in /var/lib/docker",
                "",
            ),
            (d(Ok(10 * GB)), Status::Ok, "10.0 GB", ""),
            (
                d(Ok(10 * GB - 1)),
                Status::Warn,
                "under 10 GB",
                "docker system prune",
            ),
            (d(Ok(3 * GB)), Status::Warn, "3.0 GB", "data-root"),
            (
                d(Ok(3 * GB - 1)),
                Status::Fail,
                "under 3 GB",
                "docker system prune",
            ),
            (d(Ok(0)), Status::Fail, "0.0 GB", "prune"),
            (
                d(Err("permission denied".into())),
                Status::Warn,
                "permission denied",
                "df -h /var/lib/docker",
            ),
        ];
        for (facts, status, message, fix) in cases {
            let f = check_disk(&facts);
            crate::doctor::assert_finding(&format!("{facts:?}"), &f, status, message, fix);
        }
    }

    #[test]
    fn memory_rules() {
        let m = |bytes: Option<u64>, source| MemoryFacts { bytes, source };
        let local = MemorySource::Available;
        let cases = [
            (
                m(Some(16 * GIB), local),
                Status::Ok,
                "16.0 GiB available",
                "",
            ),
            (m(Some(4 * GIB), local), Status::Ok, "4.0 GiB", ""),
            (
                m(Some(4 * GIB - 1), local),
                Status::Warn,
                "under 4 GiB",
                "more memory",
            ),
            (
                m(Some(2 * GIB - 1), local),
                Status::Fail,
                "under 2 GiB",
                "devk delete",
            ),
            (
                m(Some(8 * GIB), MemorySource::EngineTotal),
                Status::Ok,
                "the engine is remote",
                "",
            ),
            (m(None, local), Status::Warn, "cannot read", "free -g"),
        ];
        for (facts, status, message, fix) in cases {
            let f = check_memory(&facts);
            crate::doctor::assert_finding(&format!("{facts:?}"), &f, status, message, fix);
        }
    }

    #[test]
    fn meminfo_parses() {
        let text = "MemTotal:       24684084 kB\nMemFree:        16894756 kB\nMemAvailable:   23805604 kB\n";
        assert_eq!(parse_mem_available(text), Some(23805604 * 1024));
        assert_eq!(parse_mem_available("MemTotal: 1 kB\n"), None);
    }

    #[test]
    fn statvfs_reports_free_space_of_a_real_directory() {
        let dir = tempfile::tempdir().unwrap();
        let free = free_bytes(dir.path()).unwrap();
        assert!(free > 0);
        let err = free_bytes(&dir.path().join("missing")).unwrap_err();
        assert!(err.contains("No such file"), "{err}");
    }
}
