//! Check 2: the cgroup version the engine runs on and whether the cpu,
//! memory and pids controllers reach the containers. The kubelet needs all
//! three. On v2 they must be delegated to the engine's cgroup (for a
//! rootless engine: to the user's systemd instance); on v1 they must be
//! mounted. devk runs on both versions: on v1 it sets the kubelet's
//! `failCgroupV1: false` (the kubelet refuses v1 from 1.35 otherwise).

use std::path::PathBuf;

use super::Finding;
use super::engine::EngineDetails;
use super::host::{HostRoot, Locality};

pub const NAME: &str = "cgroups";

/// The controllers the kubelet cannot run without.
pub const REQUIRED: [&str; 3] = ["cpu", "memory", "pids"];

#[derive(Clone, Debug, PartialEq)]
pub struct CgroupFacts {
    pub version: Option<String>,
    pub driver: Option<String>,
    pub rootless: bool,
    /// Per required controller, what the engine reports (None: not said).
    pub engine_reports: [(&'static str, Option<bool>); 3],
    /// On v2 with a local engine: the `cgroup.controllers` file read and its
    /// contents (Err: why it could not be read).
    pub delegated: Option<(PathBuf, Result<Vec<String>, String>)>,
}

impl CgroupFacts {
    /// The facts when the engine answered.
    pub fn from_engine(details: &EngineDetails) -> CgroupFacts {
        CgroupFacts {
            version: details.cgroup_version.clone(),
            driver: details.cgroup_driver.clone(),
            rootless: details.rootless,
            engine_reports: [
                ("cpu", details.cpu_controller),
                ("memory", details.memory_controller),
                ("pids", details.pids_controller),
            ],
            delegated: None,
        }
    }
}

/// The controllers file that says what the engine's containers can get:
/// the root's for a rootful engine, the user manager's for a rootless one.
pub fn controllers_file(rootless: bool, uid: u32) -> String {
    if rootless {
        format!("/sys/fs/cgroup/user.slice/user-{uid}.slice/user@{uid}.service/cgroup.controllers")
    } else {
        "/sys/fs/cgroup/cgroup.controllers".to_string()
    }
}

/// Add what the host says to the engine's facts (v2, local engines only).
pub fn gather(details: &EngineDetails, locality: Locality, root: &HostRoot) -> CgroupFacts {
    let mut facts = CgroupFacts::from_engine(details);
    if facts.version.as_deref() == Some("2") && locality == Locality::Local {
        // SAFETY: getuid has no preconditions and cannot fail.
        let uid = unsafe { libc::getuid() };
        let file = controllers_file(details.rootless, uid);
        let path = root.path(&file);
        let read = std::fs::read_to_string(&path)
            .map(|text| text.split_whitespace().map(str::to_string).collect())
            .map_err(|e| e.to_string());
        facts.delegated = Some((PathBuf::from(file), read));
    }
    facts
}

pub fn check(facts: &CgroupFacts) -> Finding {
    let version = facts.version.as_deref().unwrap_or("1");
    let driver = facts
        .driver
        .as_deref()
        .map(|d| format!(", {d} driver"))
        .unwrap_or_default();
    // The host's file is the authority when it could be read; else the
    // engine's own report.
    let (missing, source): (Vec<&str>, String) = match &facts.delegated {
        Some((path, Ok(list))) => (
            REQUIRED
                .iter()
                .copied()
                .filter(|c| !list.iter().any(|l| l == c))
                .collect(),
            path.display().to_string(),
        ),
        _ => (
            facts
                .engine_reports
                .iter()
                .filter(|(_, present)| *present == Some(false))
                .map(|(name, _)| *name)
                .collect(),
            "the engine's report".to_string(),
        ),
    };
    if missing.is_empty() {
        let mut message = format!("cgroup v{version}{driver}: cpu, memory and pids available");
        if facts.delegated.is_some() || version == "2" {
            message.push_str(&format!(" (from {source})"));
        }
        if version == "1" {
            message.push_str(
                "; devk adapts to v1 (kubelet failCgroupV1: false) and runs on v1 and v2",
            );
        }
        return Finding::ok(NAME, message);
    }
    let list = missing.join(", ");
    let message = format!(
        "cgroup v{version}{driver}: the {list} controller{} {} not available to containers \
         (from {source}); the kubelet needs cpu, memory and pids",
        if missing.len() == 1 { "" } else { "s" },
        if missing.len() == 1 { "is" } else { "are" },
    );
    let fix = match (version, facts.rootless) {
        ("2", true) => format!(
            "delegate the controllers to your user's systemd: `sudo mkdir -p \
             /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=cpu cpuset io \
             memory pids\\n' | sudo tee /etc/systemd/system/user@.service.d/delegate.conf && sudo \
             systemctl daemon-reload`, then log out and back in (check: cat {source})"
        ),
        ("2", false) => format!(
            "the kernel lacks {list} or a cgroup v1 hierarchy holds it: boot with \
             `systemd.unified_cgroup_hierarchy=1` (and `cgroup_enable=memory` where memory is off \
             by default) on the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then \
             `sudo update-grub`) and reboot"
        ),
        _ => "enable the controllers on the kernel command line: add `cgroup_enable=memory \
              cgroup_memory=1` (Raspberry Pi: /boot/firmware/cmdline.txt; elsewhere \
              GRUB_CMDLINE_LINUX in /etc/default/grub, then `sudo update-grub`) and reboot"
            .to_string(),
    };
    Finding::fail(NAME, message, fix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    fn facts(version: &str, rootless: bool, reports: [Option<bool>; 3]) -> CgroupFacts {
        CgroupFacts {
            version: Some(version.to_string()),
            driver: Some(
                if version == "2" {
                    "systemd"
                } else {
                    "cgroupfs"
                }
                .to_string(),
            ),
            rootless,
            engine_reports: [
                ("cpu", reports[0]),
                ("memory", reports[1]),
                ("pids", reports[2]),
            ],
            delegated: None,
        }
    }

    fn with_file(mut f: CgroupFacts, contents: Result<&str, &str>) -> CgroupFacts {
        f.delegated = Some((
            PathBuf::from(controllers_file(f.rootless, 1000)),
            contents
                .map(|c| c.split_whitespace().map(str::to_string).collect())
                .map_err(str::to_string),
        ));
        f
    }

    #[test]
    fn cgroup_rules() {
        let all = [Some(true); 3];
        // (case, facts, status, message contains, fix contains)
        let cases = [
            (
                "v1 with everything: ok, devk adapts",
                facts("1", false, all),
                Status::Ok,
                "failCgroupV1: false",
                "",
            ),
            (
                "v1 without memory (Raspberry Pi)",
                facts("1", false, [Some(true), Some(false), Some(true)]),
                Status::Fail,
                "the memory controller is not available",
                "cgroup_enable=memory cgroup_memory=1",
            ),
            (
                "v2 delegated, read from the root file",
                with_file(
                    facts("2", false, all),
                    Ok("cpuset cpu io memory hugetlb pids rdma misc"),
                ),
                Status::Ok,
                "from /sys/fs/cgroup/cgroup.controllers",
                "",
            ),
            (
                "v2 rootless without delegation",
                with_file(facts("2", true, all), Ok("memory pids")),
                Status::Fail,
                "the cpu controller is not available",
                "Delegate=cpu cpuset io memory pids",
            ),
            (
                "v2 rootless names the user manager's file",
                with_file(facts("2", true, all), Ok("cpuset io")),
                Status::Fail,
                "user@1000.service/cgroup.controllers",
                "delegate.conf",
            ),
            (
                "v2 rootful missing memory",
                with_file(facts("2", false, all), Ok("cpu pids")),
                Status::Fail,
                "the memory controller is not available",
                "systemd.unified_cgroup_hierarchy=1",
            ),
            (
                "v2 file unreadable: the engine's report decides",
                with_file(
                    facts("2", false, [Some(true), Some(true), Some(false)]),
                    Err("permission denied"),
                ),
                Status::Fail,
                "pids controller is not available to containers (from the engine's report)",
                "kernel command line",
            ),
            (
                "v2 remote engine, all reported",
                facts("2", false, all),
                Status::Ok,
                "from the engine's report",
                "",
            ),
            (
                "unknown reports are not failures",
                facts("1", false, [None; 3]),
                Status::Ok,
                "cgroup v1",
                "",
            ),
            (
                "several missing are listed",
                facts("1", false, [Some(false), Some(false), Some(true)]),
                Status::Fail,
                "the cpu, memory controllers are",
                "reboot",
            ),
        ];
        for (case, f, status, message, fix) in cases {
            crate::doctor::assert_finding(case, &check(&f), status, message, fix);
        }
    }

    #[test]
    fn gather_reads_the_controllers_file_on_local_v2_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sys/fs/cgroup")).unwrap();
        std::fs::write(
            dir.path().join("sys/fs/cgroup/cgroup.controllers"),
            "cpu memory\n",
        )
        .unwrap();
        let root = HostRoot::at(dir.path());
        let v2 = EngineDetails {
            cgroup_version: Some("2".to_string()),
            ..Default::default()
        };
        let got = gather(&v2, Locality::Local, &root);
        let (path, list) = got.delegated.clone().unwrap();
        assert_eq!(path, PathBuf::from("/sys/fs/cgroup/cgroup.controllers"));
        assert_eq!(list.unwrap(), vec!["cpu", "memory"]);
        assert!(check(&got).message.contains("pids controller"));

        assert_eq!(gather(&v2, Locality::Remote, &root).delegated, None);
        let v1 = EngineDetails {
            cgroup_version: Some("1".to_string()),
            ..Default::default()
        };
        assert_eq!(gather(&v1, Locality::Local, &root).delegated, None);
    }
}
