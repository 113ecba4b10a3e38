//! Check 5: inotify limits. Every node runs systemd, the kubelet and
//! containerd, each holding inotify instances and watches against limits
//! shared by the whole host; with several nodes the defaults (128
//! instances) run out and nodes fail with "too many open files" — kind's
//! most reported failure. The thresholds are kind's recommendation.

use super::Finding;
use super::host::HostRoot;

pub const NAME: &str = "inotify";
pub const MIN_WATCHES: u64 = 524_288;
pub const MIN_INSTANCES: u64 = 512;

const WATCHES: &str = "fs.inotify.max_user_watches";
const INSTANCES: &str = "fs.inotify.max_user_instances";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InotifyFacts {
    pub max_user_watches: Option<u64>,
    pub max_user_instances: Option<u64>,
}

pub fn gather(root: &HostRoot) -> InotifyFacts {
    InotifyFacts {
        max_user_watches: root.read_number("/proc/sys/fs/inotify/max_user_watches"),
        max_user_instances: root.read_number("/proc/sys/fs/inotify/max_user_instances"),
    }
}

pub fn check(facts: &InotifyFacts) -> Finding {
    let limits = [
        (WATCHES, facts.max_user_watches, MIN_WATCHES),
        (INSTANCES, facts.max_user_instances, MIN_INSTANCES),
    ];
    if limits.iter().any(|(_, value, _)| value.is_none()) {
        return Finding::warn(
            NAME,
            "cannot read the inotify limits under /proc/sys/fs/inotify",
            format!(
                "check with `sysctl {WATCHES} {INSTANCES}`: devk wants at least {MIN_WATCHES} and {MIN_INSTANCES}"
            ),
        );
    }
    let low: Vec<(&str, u64, u64)> = limits
        .iter()
        .filter_map(|(key, value, min)| value.filter(|v| v < min).map(|v| (*key, v, *min)))
        .collect();
    if low.is_empty() {
        return Finding::ok(
            NAME,
            format!(
                "{WATCHES} = {}, {INSTANCES} = {}",
                facts.max_user_watches.unwrap_or_default(),
                facts.max_user_instances.unwrap_or_default()
            ),
        );
    }
    let message = low
        .iter()
        .map(|(key, value, min)| format!("{key} = {value} (below {min})"))
        .collect::<Vec<_>>()
        .join(", ");
    let set: Vec<String> = low.iter().map(|(k, _, min)| format!("{k}={min}")).collect();
    let persist: Vec<String> = low
        .iter()
        .map(|(k, _, min)| format!("{k} = {min}"))
        .collect();
    Finding::warn(
        NAME,
        format!("{message}: clusters with several nodes fail with \"too many open files\""),
        format!(
            "`sudo sysctl {}`; to keep it after a reboot: `printf '{}\\n' | sudo tee /etc/sysctl.d/99-devk-inotify.conf`",
            set.join(" "),
            persist.join("\\n")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    #[test]
    fn inotify_rules() {
        let f = |w: Option<u64>, i: Option<u64>| InotifyFacts {
            max_user_watches: w,
            max_user_instances: i,
        };
        // (facts, status, message contains, fix contains)
        let cases = [
            (
                f(Some(524288), Some(512)),
                Status::Ok,
                "max_user_watches = 524288, fs.inotify.max_user_instances = 512",
                "",
            ),
            (f(Some(1048576), Some(8192)), Status::Ok, "8192", ""),
            (
                f(Some(8192), Some(128)),
                Status::Warn,
                "max_user_watches = 8192 (below 524288), fs.inotify.max_user_instances = 128 (below 512)",
                "sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512",
            ),
            (
                f(Some(524288), Some(128)),
                Status::Warn,
                "too many open files",
                "sudo sysctl fs.inotify.max_user_instances=512`",
            ),
            (
                f(Some(524288), Some(128)),
                Status::Warn,
                "max_user_instances = 128",
                "/etc/sysctl.d/99-devk-inotify.conf",
            ),
            (
                f(None, Some(512)),
                Status::Warn,
                "cannot read",
                "sysctl fs.inotify.max_user_watches",
            ),
        ];
        for (facts, status, message, fix) in cases {
            let got = check(&facts);
            assert_eq!(got.status, status, "{facts:?}: {got:?}");
            assert!(got.message.contains(message), "{facts:?}: {got:?}");
            assert!(
                got.fix.as_deref().unwrap_or("").contains(fix),
                "{facts:?}: {got:?}"
            );
        }
        // Only the low limit is raised.
        let only_instances = check(&f(Some(524288), Some(128)));
        assert!(!only_instances.fix.unwrap().contains("max_user_watches"));
    }

    #[test]
    fn gather_reads_proc_sys() {
        let dir = tempfile::tempdir().unwrap();
        let sys = dir.path().join("proc/sys/fs/inotify");
        std::fs::create_dir_all(&sys).unwrap();
        std::fs::write(sys.join("max_user_watches"), "65536\n").unwrap();
        std::fs::write(sys.join("max_user_instances"), "1024\n").unwrap();
        let facts = gather(&HostRoot::at(dir.path()));
        assert_eq!(facts.max_user_watches, Some(65536));
        assert_eq!(facts.max_user_instances, Some(1024));
    }
}
