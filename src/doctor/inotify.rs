//! Check 5: inotify limits. Every node runs systemd, containerd and the
//! kubelet, each holding inotify instances against a limit per user (root,
//! for a rootful engine) shared by the whole host. The default of 128
//! instances lasts about four control-plane nodes (measured: one holds 28);
//! past it a new node's systemd stops at once and `devk create` reports the
//! node "stopped while booting", kind's "too many open files". The
//! thresholds are kind's recommendation.

use super::host::HostRoot;
use super::{Finding, Status};

pub const NAME: &str = "inotify";
pub const MIN_WATCHES: u64 = 524_288;
pub const MIN_INSTANCES: u64 = 512;
/// About what one control-plane node holds (measured 28 on v1.36).
pub const NODE_INSTANCES: u64 = 30;

const WATCHES: &str = "fs.inotify.max_user_watches";
const INSTANCES: &str = "fs.inotify.max_user_instances";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InotifyFacts {
    pub max_user_watches: Option<u64>,
    pub max_user_instances: Option<u64>,
    /// The user the nodes' instances count against (0 for a rootful engine).
    pub node_uid: u32,
    /// Instances that user holds now; None when its processes are not ours
    /// to read.
    pub instances_in_use: Option<u64>,
    /// Whether one more instance can be made for that user right now (None:
    /// we are not that user, so trying says nothing).
    pub can_allocate: Option<bool>,
}

/// The value that fixes both limits, and how to keep it.
fn raise_fix(low: &[(&str, u64)]) -> String {
    let set: Vec<String> = low.iter().map(|(k, min)| format!("{k}={min}")).collect();
    let persist: Vec<String> = low.iter().map(|(k, min)| format!("{k} = {min}")).collect();
    format!(
        "`sudo sysctl {}`; to keep it after a reboot: `printf '{}\\n' | sudo tee /etc/sysctl.d/99-devk-inotify.conf`",
        set.join(" "),
        persist.join("\\n")
    )
}

pub fn check(facts: &InotifyFacts) -> Finding {
    let (Some(watches), Some(instances)) = (facts.max_user_watches, facts.max_user_instances)
    else {
        return Finding::warn(
            NAME,
            "cannot read the inotify limits under /proc/sys/fs/inotify",
            format!(
                "check with `sysctl {WATCHES} {INSTANCES}`: devk wants at least {MIN_WATCHES} and {MIN_INSTANCES}"
            ),
        );
    };
    let uid = facts.node_uid;
    let in_use = facts
        .instances_in_use
        .map(|n| format!(", {n} in use by uid {uid}"))
        .unwrap_or_default();
    let values = format!("{WATCHES} = {watches}, {INSTANCES} = {instances}{in_use}");
    // Raising instances must also get past what is in use now.
    let wanted_instances = MIN_INSTANCES.max(
        facts
            .instances_in_use
            .map(|n| (n + 4 * NODE_INSTANCES).next_power_of_two())
            .unwrap_or(0),
    );
    let mut low: Vec<(&str, u64)> = Vec::new();
    if watches < MIN_WATCHES {
        low.push((WATCHES, MIN_WATCHES));
    }
    if instances < wanted_instances {
        low.push((INSTANCES, wanted_instances));
    }
    let exhausted =
        facts.can_allocate == Some(false) || facts.instances_in_use.is_some_and(|n| n >= instances);
    let (status, why) = if exhausted {
        (
            Status::Fail,
            format!(
                "no inotify instance is left for uid {uid}: new nodes cannot start (systemd stops at \
                 once; devk create reports the node \"stopped while booting\")"
            ),
        )
    } else if facts
        .instances_in_use
        .is_some_and(|n| n + NODE_INSTANCES > instances)
    {
        (
            Status::Warn,
            format!(
                "fewer than {NODE_INSTANCES} inotify instances are left for uid {uid}, about what one \
                 control-plane node takes"
            ),
        )
    } else if !low.is_empty() {
        (
            Status::Warn,
            "below devk's minimum: clusters with several nodes fail with \"too many open files\""
                .to_string(),
        )
    } else {
        return Finding::ok(NAME, values);
    };
    if low.is_empty() {
        // In use beyond even generous limits: raise past what is held now.
        low.push((INSTANCES, wanted_instances.max(instances * 2)));
    }
    Finding {
        name: NAME,
        status,
        message: format!("{values}: {why}"),
        fix: Some(raise_fix(&low)),
    }
}

/// Instances held by processes of `uid`: `anon_inode:inotify` descriptors
/// under /proc/<pid>/fd. None when some of that user's processes cannot
/// be read (another user's), so the count would be short.
pub fn count_instances(root: &HostRoot, uid: u32) -> Option<u64> {
    let mut count = 0;
    for entry in std::fs::read_dir(root.path("/proc")).ok()?.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        if real_uid(&status) != Some(uid) {
            continue;
        }
        let fds = match std::fs::read_dir(entry.path().join("fd")) {
            Ok(fds) => fds,
            // Gone meanwhile: fine; unreadable: our count would be short.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(_) => return None,
        };
        count += fds
            .flatten()
            .filter(|fd| {
                std::fs::read_link(fd.path()).is_ok_and(|t| t.as_os_str() == "anon_inode:inotify")
            })
            .count() as u64;
    }
    Some(count)
}

/// The real uid from a /proc/<pid>/status text (the user inotify charges).
pub fn real_uid(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Can this process make one more inotify instance? (Closed at once.)
fn try_allocate() -> bool {
    // SAFETY: inotify_init1 takes flags only; the descriptor it returns is
    // ours and closed right away.
    let fd = unsafe { libc::inotify_init1(libc::IN_CLOEXEC) };
    if fd < 0 {
        return false;
    }
    unsafe { libc::close(fd) };
    true
}

/// `node_uid`: whose instances the nodes use (0 for a rootful engine, the
/// user for a rootless one).
pub fn gather(root: &HostRoot, node_uid: u32) -> InotifyFacts {
    // SAFETY: getuid has no preconditions.
    let same_user = unsafe { libc::getuid() } == node_uid;
    InotifyFacts {
        max_user_watches: root.read_number("/proc/sys/fs/inotify/max_user_watches"),
        max_user_instances: root.read_number("/proc/sys/fs/inotify/max_user_instances"),
        node_uid,
        instances_in_use: count_instances(root, node_uid),
        can_allocate: same_user.then(try_allocate),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(w: Option<u64>, i: Option<u64>, in_use: Option<u64>, can: Option<bool>) -> InotifyFacts {
        InotifyFacts {
            max_user_watches: w,
            max_user_instances: i,
            node_uid: 0,
            instances_in_use: in_use,
            can_allocate: can,
        }
    }

    #[test]
    fn inotify_rules() {
        let big = Some(524288);
        // (facts, status, message contains, fix contains)
        let cases = [
            (
                f(big, Some(512), None, None),
                Status::Ok,
                "max_user_watches = 524288, fs.inotify.max_user_instances = 512",
                "",
            ),
            (
                f(Some(1048576), Some(8192), Some(40), Some(true)),
                Status::Ok,
                "8192, 40 in use by uid 0",
                "",
            ),
            (
                f(Some(8192), Some(128), Some(10), Some(true)),
                Status::Warn,
                "below devk's minimum: clusters with several nodes fail with \"too many open files\"",
                "sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512`",
            ),
            (
                f(big, Some(128), None, None),
                Status::Warn,
                "max_user_instances = 128: below",
                "printf 'fs.inotify.max_user_instances = 512\\n' | sudo tee /etc/sysctl.d/99-devk-inotify.conf",
            ),
            (
                f(big, Some(128), Some(136), Some(false)),
                Status::Fail,
                "136 in use by uid 0: no inotify instance is left for uid 0",
                "sudo sysctl fs.inotify.max_user_instances=512",
            ),
            (
                f(big, Some(128), Some(128), None),
                Status::Fail,
                "stopped while booting",
                "max_user_instances=512",
            ),
            (
                f(big, Some(128), None, Some(false)),
                Status::Fail,
                "no inotify instance is left",
                "/etc/sysctl.d/99-devk-inotify.conf",
            ),
            (
                f(big, Some(512), Some(500), Some(true)),
                Status::Warn,
                "fewer than 30 inotify instances are left for uid 0",
                "max_user_instances=1024",
            ),
            (
                f(big, Some(1024), Some(1024), Some(false)),
                Status::Fail,
                "no inotify instance is left",
                "max_user_instances=2048",
            ),
            (
                f(None, Some(512), None, None),
                Status::Warn,
                "cannot read",
                "sysctl fs.inotify.max_user_watches",
            ),
        ];
        for (facts, status, message, fix) in cases {
            crate::doctor::assert_finding(
                &format!("{facts:?}"),
                &check(&facts),
                status,
                message,
                fix,
            );
        }
        // Only the low limit is raised.
        let only_instances = check(&f(big, Some(128), None, None));
        assert!(!only_instances.fix.unwrap().contains("max_user_watches"));
    }

    #[test]
    fn real_uid_is_the_first_uid_field() {
        assert_eq!(
            real_uid("Name:\tsh\nUid:\t1000\t0\t0\t0\nGid:\t0\n"),
            Some(1000)
        );
        assert_eq!(real_uid("Name:\tsh\n"), None);
    }

    #[test]
    fn gather_reads_proc_sys() {
        let dir = tempfile::tempdir().unwrap();
        let sys = dir.path().join("proc/sys/fs/inotify");
        std::fs::create_dir_all(&sys).unwrap();
        std::fs::write(sys.join("max_user_watches"), "65536\n").unwrap();
        std::fs::write(sys.join("max_user_instances"), "1024\n").unwrap();
        // One process of uid 0 holding two inotify descriptors, one other fd.
        let p = dir.path().join("proc/42");
        std::fs::create_dir_all(p.join("fd")).unwrap();
        std::fs::write(p.join("status"), "Name:\tx\nUid:\t0\t0\t0\t0\n").unwrap();
        std::os::unix::fs::symlink("anon_inode:inotify", p.join("fd/3")).unwrap();
        std::os::unix::fs::symlink("anon_inode:inotify", p.join("fd/4")).unwrap();
        std::os::unix::fs::symlink("/dev/null", p.join("fd/0")).unwrap();
        let other = dir.path().join("proc/43");
        std::fs::create_dir_all(other.join("fd")).unwrap();
        std::fs::write(other.join("status"), "Uid:\t1000\t1000\t1000\t1000\n").unwrap();
        std::os::unix::fs::symlink("anon_inode:inotify", other.join("fd/3")).unwrap();

        let facts = gather(&HostRoot::at(dir.path()), 0);
        assert_eq!(facts.max_user_watches, Some(65536));
        assert_eq!(facts.max_user_instances, Some(1024));
        assert_eq!(facts.instances_in_use, Some(2));
        assert_eq!(count_instances(&HostRoot::at(dir.path()), 1000), Some(1));
    }

    #[test]
    fn this_process_is_counted_on_the_real_host() {
        // SAFETY: getuid/inotify_init1/close have no preconditions.
        let uid = unsafe { libc::getuid() };
        let fd = unsafe { libc::inotify_init1(libc::IN_CLOEXEC) };
        if fd < 0 {
            // The host has none left: exactly what the check reports.
            let facts = gather(&HostRoot::real(), uid);
            assert_eq!(facts.can_allocate, Some(false));
            assert_eq!(check(&facts).status, Status::Fail);
            return;
        }
        let with = count_instances(&HostRoot::real(), uid).unwrap();
        unsafe { libc::close(fd) };
        assert!(with >= 1);
        assert_eq!(gather(&HostRoot::real(), uid).can_allocate, Some(true));
    }
}
