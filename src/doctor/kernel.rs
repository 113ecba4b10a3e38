//! Check 4: what a node needs from the host kernel (nodes share it): the
//! overlay filesystem (containerd's snapshotter), bridge netfilter, a packet
//! filter (nf_tables or ip_tables, for kube-proxy), veth pairs (every pod's
//! interface) — and IPv4 forwarding on the host, without which the engine's
//! bridge cannot route.
//!
//! A feature counts as present when the kernel shows it in use (a
//! filesystem listed, a /proc or /sys entry, a loaded module) or built in
//! (modules.builtin, the kernel config); as loadable when a module exists.
//! Kernels without /proc/modules (everything built in) are common in VMs,
//! so the kernel config (/proc/config.gz or /boot/config-<release>) counts.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use super::host::HostRoot;
use super::{Finding, Status};

pub const NAME: &str = "kernel";
pub const IP_FORWARD_NAME: &str = "ip-forward";

/// One kernel feature and every way to see it.
#[derive(Clone, Copy, Debug)]
pub struct Feature {
    pub label: &'static str,
    pub modules: &'static [&'static str],
    pub configs: &'static [&'static str],
    /// Paths that exist only while the feature is active.
    pub paths: &'static [&'static str],
    pub filesystem: Option<&'static str>,
    /// Missing fails the check; else it only warns.
    pub required: bool,
    /// The kernel loads the module on first use by itself.
    pub autoloads: bool,
}

pub const FEATURES: &[Feature] = &[
    Feature {
        label: "overlay filesystem",
        modules: &["overlay"],
        configs: &["CONFIG_OVERLAY_FS"],
        paths: &[],
        filesystem: Some("overlay"),
        required: true,
        autoloads: true,
    },
    // Optional: the node image sets bridge-nf-call-iptables only when the
    // sysctl exists; without it traffic between pods on one node's bridge
    // skips iptables.
    Feature {
        label: "br_netfilter",
        modules: &["br_netfilter"],
        configs: &["CONFIG_BRIDGE_NETFILTER"],
        paths: &["/proc/sys/net/bridge"],
        filesystem: None,
        required: false,
        autoloads: false,
    },
    Feature {
        label: "nf_tables or ip_tables",
        modules: &["nf_tables", "ip_tables"],
        configs: &["CONFIG_NF_TABLES", "CONFIG_IP_NF_IPTABLES"],
        paths: &["/proc/net/ip_tables_names"],
        filesystem: None,
        required: true,
        autoloads: true,
    },
    Feature {
        label: "veth",
        modules: &["veth"],
        configs: &["CONFIG_VETH"],
        paths: &[],
        filesystem: None,
        required: true,
        autoloads: true,
    },
];

/// What the host shows; None where the source is absent (no such file).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KernelFacts {
    pub release: Option<String>,
    /// /proc/filesystems names.
    pub filesystems: Option<BTreeSet<String>>,
    /// Which of the features' paths (and /sys/module/<name>) exist.
    pub existing_paths: BTreeSet<String>,
    /// /proc/modules.
    pub loaded_modules: Option<BTreeSet<String>>,
    /// /lib/modules/<release>/modules.builtin.
    pub builtin_modules: Option<BTreeSet<String>>,
    /// /lib/modules/<release>/modules.dep.
    pub available_modules: Option<BTreeSet<String>>,
    /// CONFIG_* = y|m from the kernel config.
    pub config: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    Present(String),
    Loadable(String),
    Absent(String),
    Unknown,
}

pub fn evidence(feature: &Feature, facts: &KernelFacts) -> Evidence {
    if let Some(fs) = feature.filesystem
        && facts.filesystems.as_ref().is_some_and(|l| l.contains(fs))
    {
        return Evidence::Present("in /proc/filesystems".to_string());
    }
    if let Some(path) = feature
        .paths
        .iter()
        .find(|p| facts.existing_paths.contains(**p))
    {
        return Evidence::Present(format!("{path} exists"));
    }
    for module in feature.modules {
        if facts.existing_paths.contains(&sys_module(module))
            || facts
                .loaded_modules
                .as_ref()
                .is_some_and(|l| l.contains(*module))
        {
            return Evidence::Present(format!("module {module} loaded"));
        }
        if facts
            .builtin_modules
            .as_ref()
            .is_some_and(|l| l.contains(*module))
        {
            return Evidence::Present(format!("{module} built into the kernel"));
        }
    }
    let config_value = |key: &str| facts.config.as_ref().and_then(|c| c.get(key)).cloned();
    if let Some(key) = feature
        .configs
        .iter()
        .find(|k| config_value(k).as_deref() == Some("y"))
    {
        return Evidence::Present(format!("{key}=y"));
    }
    if let Some(key) = feature
        .configs
        .iter()
        .find(|k| config_value(k).as_deref() == Some("m"))
    {
        return Evidence::Loadable(format!("{key}=m"));
    }
    if let Some(module) = feature.modules.iter().find(|m| {
        facts
            .available_modules
            .as_ref()
            .is_some_and(|l| l.contains(**m))
    }) {
        return Evidence::Loadable(format!("module {module} available"));
    }
    if facts.config.is_some() {
        return Evidence::Absent(format!(
            "{} not set in the kernel config",
            feature.configs.join(" / ")
        ));
    }
    if facts.available_modules.is_some() && facts.builtin_modules.is_some() {
        return Evidence::Absent(format!(
            "no module {} for this kernel",
            feature.modules.join(" or ")
        ));
    }
    Evidence::Unknown
}

fn sys_module(module: &str) -> String {
    format!("/sys/module/{module}")
}

fn modprobe_fix(feature: &Feature) -> String {
    let module = feature.modules[0];
    format!(
        "`sudo modprobe {module}`; to load it at every boot: `echo {module} | sudo tee /etc/modules-load.d/devk.conf`"
    )
}

pub fn check(facts: &KernelFacts) -> Finding {
    let mut worst = Status::Ok;
    let mut problems = Vec::new();
    let mut fixes = Vec::new();
    for feature in FEATURES {
        let (status, problem, fix) = match evidence(feature, facts) {
            Evidence::Present(_) => continue,
            Evidence::Loadable(_) if feature.autoloads => continue,
            Evidence::Loadable(how) => (
                Status::Warn,
                format!("{} is not loaded ({how})", feature.label),
                modprobe_fix(feature),
            ),
            Evidence::Absent(how) => (
                if feature.required {
                    Status::Fail
                } else {
                    Status::Warn
                },
                format!("{} is missing ({how})", feature.label),
                format!(
                    "use a kernel built with {} (y or m), e.g. your distribution's standard kernel",
                    feature.configs.join(" or ")
                ),
            ),
            Evidence::Unknown => (
                Status::Warn,
                format!("{} could not be confirmed", feature.label),
                modprobe_fix(feature),
            ),
        };
        worst = worst.max(status);
        problems.push(problem);
        fixes.push(fix);
    }
    let labels: Vec<&str> = FEATURES.iter().map(|f| f.label).collect();
    let release = facts
        .release
        .as_deref()
        .map(|r| format!("kernel {r}: "))
        .unwrap_or_default();
    match worst {
        Status::Ok => Finding::ok(NAME, format!("{release}{} present", labels.join(", "))),
        status => Finding {
            name: NAME,
            status,
            message: format!("{release}{}", problems.join("; ")),
            fix: Some(fixes.join("; ")),
        },
    }
}

/// Check 4b: `net.ipv4.ip_forward` (the value of its /proc/sys file).
pub fn check_ip_forward(value: Option<&str>) -> Finding {
    const FIX: &str = "`sudo sysctl -w net.ipv4.ip_forward=1`; to keep it: `echo \
                       'net.ipv4.ip_forward = 1' | sudo tee /etc/sysctl.d/99-devk.conf`";
    match value.map(str::trim) {
        Some("1") => Finding::ok(IP_FORWARD_NAME, "net.ipv4.ip_forward = 1"),
        Some(v) => Finding::warn(
            IP_FORWARD_NAME,
            format!(
                "net.ipv4.ip_forward = {v}: the engine's bridge cannot route traffic to and from nodes"
            ),
            FIX,
        ),
        None => Finding::warn(
            IP_FORWARD_NAME,
            "cannot read /proc/sys/net/ipv4/ip_forward",
            format!("check with `sysctl net.ipv4.ip_forward`; if 0: {FIX}"),
        ),
    }
}

/// A module's name from a modules.builtin / modules.dep path:
/// `kernel/fs/overlayfs/overlay.ko.zst` -> `overlay`; `-` reads as `_`.
fn module_name(path: &str) -> Option<String> {
    let file = path.trim().rsplit('/').next()?;
    let (name, _) = file.split_once(".ko")?;
    Some(name.replace('-', "_"))
}

pub fn parse_module_list(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| module_name(line.split(':').next().unwrap_or(line)))
        .collect()
}

/// `/proc/modules`: the first field of each line.
pub fn parse_proc_modules(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// `/proc/filesystems`: `nodev\toverlay` or `\text4`.
pub fn parse_filesystems(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.split_whitespace().last())
        .map(str::to_string)
        .collect()
}

/// `CONFIG_X=y` / `=m` lines (comments and `=n` dropped).
pub fn parse_kernel_config(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| l.starts_with("CONFIG_"))
        .filter_map(|l| l.split_once('='))
        .filter(|(_, v)| *v == "y" || *v == "m")
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn gather(root: &HostRoot) -> KernelFacts {
    let release = root.kernel_release();
    let mut existing_paths = BTreeSet::new();
    for feature in FEATURES {
        let module_paths = feature.modules.iter().map(|m| sys_module(m));
        for path in feature
            .paths
            .iter()
            .map(|p| p.to_string())
            .chain(module_paths)
        {
            if root.exists(&path) {
                existing_paths.insert(path);
            }
        }
    }
    let lib = release.as_ref().map(|r| format!("/lib/modules/{r}"));
    let config_text = read_gzip(&root.path("/proc/config.gz")).or_else(|| {
        release
            .as_ref()
            .and_then(|r| root.read(&format!("/boot/config-{r}")))
    });
    KernelFacts {
        filesystems: root
            .read("/proc/filesystems")
            .map(|t| parse_filesystems(&t)),
        existing_paths,
        loaded_modules: root.read("/proc/modules").map(|t| parse_proc_modules(&t)),
        builtin_modules: lib
            .as_ref()
            .and_then(|l| root.read(&format!("{l}/modules.builtin")))
            .map(|t| parse_module_list(&t)),
        available_modules: lib
            .as_ref()
            .and_then(|l| root.read(&format!("{l}/modules.dep")))
            .map(|t| parse_module_list(&t)),
        config: config_text.map(|t| parse_kernel_config(&t)),
        release,
    }
}

fn read_gzip(path: &std::path::Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn config(items: &[(&str, &str)]) -> Option<BTreeMap<String, String>> {
        Some(
            items
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// A kernel with everything loaded, as a typical Docker host shows.
    fn healthy() -> KernelFacts {
        KernelFacts {
            release: Some("6.1.0".to_string()),
            filesystems: Some(set(&["ext4", "overlay"])),
            existing_paths: set(&[
                "/proc/sys/net/bridge",
                "/sys/module/nf_tables",
                "/sys/module/veth",
            ]),
            loaded_modules: Some(set(&["overlay", "br_netfilter", "nf_tables", "veth"])),
            builtin_modules: None,
            available_modules: None,
            config: None,
        }
    }

    #[test]
    fn evidence_for_each_source() {
        let overlay = &FEATURES[0];
        let bridge = &FEATURES[1];
        let filter = &FEATURES[2];
        let veth = &FEATURES[3];
        let none = KernelFacts::default();
        // (case, feature, facts, want)
        let cases = [
            (
                "listed filesystem",
                overlay,
                healthy(),
                Evidence::Present("in /proc/filesystems".into()),
            ),
            (
                "bridge sysctls exist",
                bridge,
                healthy(),
                Evidence::Present("/proc/sys/net/bridge exists".into()),
            ),
            (
                "ip_tables_names means ip_tables",
                filter,
                KernelFacts {
                    existing_paths: set(&["/proc/net/ip_tables_names"]),
                    ..none.clone()
                },
                Evidence::Present("/proc/net/ip_tables_names exists".into()),
            ),
            (
                "/sys/module counts as loaded",
                veth,
                KernelFacts {
                    existing_paths: set(&["/sys/module/veth"]),
                    ..none.clone()
                },
                Evidence::Present("module veth loaded".into()),
            ),
            (
                "built in per modules.builtin",
                veth,
                KernelFacts {
                    builtin_modules: Some(set(&["veth"])),
                    ..none.clone()
                },
                Evidence::Present("veth built into the kernel".into()),
            ),
            (
                "built in per config (no /proc/modules)",
                veth,
                KernelFacts {
                    config: config(&[("CONFIG_VETH", "y")]),
                    ..none.clone()
                },
                Evidence::Present("CONFIG_VETH=y".into()),
            ),
            (
                "second alternative counts",
                filter,
                KernelFacts {
                    config: config(&[("CONFIG_IP_NF_IPTABLES", "y")]),
                    ..none.clone()
                },
                Evidence::Present("CONFIG_IP_NF_IPTABLES=y".into()),
            ),
            (
                "module per config",
                bridge,
                KernelFacts {
                    config: config(&[("CONFIG_BRIDGE_NETFILTER", "m")]),
                    ..none.clone()
                },
                Evidence::Loadable("CONFIG_BRIDGE_NETFILTER=m".into()),
            ),
            (
                "module file available",
                bridge,
                KernelFacts {
                    available_modules: Some(set(&["br_netfilter"])),
                    ..none.clone()
                },
                Evidence::Loadable("module br_netfilter available".into()),
            ),
            (
                "config says absent",
                overlay,
                KernelFacts {
                    config: config(&[("CONFIG_VETH", "y")]),
                    ..none.clone()
                },
                Evidence::Absent("CONFIG_OVERLAY_FS not set in the kernel config".into()),
            ),
            (
                "module lists say absent",
                veth,
                KernelFacts {
                    builtin_modules: Some(set(&["ext4"])),
                    available_modules: Some(set(&["overlay"])),
                    ..none.clone()
                },
                Evidence::Absent("no module veth for this kernel".into()),
            ),
            ("nothing to go on", veth, none.clone(), Evidence::Unknown),
        ];
        for (case, feature, facts, want) in cases {
            assert_eq!(evidence(feature, &facts), want, "{case}");
        }
    }

    #[test]
    fn kernel_rules() {
        let none = KernelFacts::default();
        let everything_but = |missing: &str| {
            let all = [
                ("CONFIG_OVERLAY_FS", "y"),
                ("CONFIG_BRIDGE_NETFILTER", "y"),
                ("CONFIG_NF_TABLES", "y"),
                ("CONFIG_VETH", "y"),
            ];
            KernelFacts {
                config: config(
                    &all.iter()
                        .filter(|(k, _)| *k != missing)
                        .copied()
                        .collect::<Vec<_>>(),
                ),
                ..none.clone()
            }
        };
        // (case, facts, status, message contains, fix contains)
        let cases = [
            (
                "all present",
                healthy(),
                Status::Ok,
                "kernel 6.1.0: overlay filesystem, br_netfilter, nf_tables or ip_tables, veth present",
                "",
            ),
            (
                "all built in",
                everything_but("none"),
                Status::Ok,
                "veth present",
                "",
            ),
            (
                "no overlay fails",
                everything_but("CONFIG_OVERLAY_FS"),
                Status::Fail,
                "overlay filesystem is missing",
                "CONFIG_OVERLAY_FS",
            ),
            (
                "no veth fails",
                everything_but("CONFIG_VETH"),
                Status::Fail,
                "veth is missing",
                "CONFIG_VETH",
            ),
            (
                "no br_netfilter warns",
                everything_but("CONFIG_BRIDGE_NETFILTER"),
                Status::Warn,
                "br_netfilter is missing",
                "CONFIG_BRIDGE_NETFILTER",
            ),
            (
                "br_netfilter as an unloaded module warns with modprobe",
                KernelFacts {
                    config: config(&[
                        ("CONFIG_OVERLAY_FS", "m"),
                        ("CONFIG_BRIDGE_NETFILTER", "m"),
                        ("CONFIG_NF_TABLES", "m"),
                        ("CONFIG_VETH", "m"),
                    ]),
                    ..none.clone()
                },
                Status::Warn,
                "br_netfilter is not loaded (CONFIG_BRIDGE_NETFILTER=m)",
                "sudo modprobe br_netfilter",
            ),
            (
                "no sources at all warns, does not fail",
                none.clone(),
                Status::Warn,
                "veth could not be confirmed",
                "/etc/modules-load.d/devk.conf",
            ),
        ];
        for (case, facts, status, message, fix) in cases {
            let f = check(&facts);
            crate::doctor::assert_finding(case, &f, status, message, fix);
        }
    }

    #[test]
    fn ip_forward_rules() {
        let cases = [
            (Some("1\n"), Status::Ok, "= 1", ""),
            (
                Some("0\n"),
                Status::Warn,
                "= 0",
                "sudo sysctl -w net.ipv4.ip_forward=1",
            ),
            (
                None,
                Status::Warn,
                "cannot read",
                "/etc/sysctl.d/99-devk.conf",
            ),
        ];
        for (value, status, message, fix) in cases {
            let f = check_ip_forward(value);
            crate::doctor::assert_finding(&format!("{value:?}"), &f, status, message, fix);
        }
    }

    #[test]
    fn host_formats_parse() {
        assert_eq!(
            parse_filesystems("nodev\tsysfs\n\text4\nnodev\toverlay\n"),
            set(&["sysfs", "ext4", "overlay"])
        );
        assert_eq!(
            parse_proc_modules("veth 40960 0 - Live 0x0\nbr_netfilter 32768 0 - Live 0x0\n"),
            set(&["veth", "br_netfilter"])
        );
        assert_eq!(
            parse_module_list(
                "kernel/fs/overlayfs/overlay.ko.zst: \nkernel/net/bridge/br_netfilter.ko: kernel/net/bridge/bridge.ko\nkernel/drivers/net/nf-foo.ko.xz:\n"
            ),
            set(&["overlay", "br_netfilter", "nf_foo"])
        );
        assert_eq!(
            parse_kernel_config(
                "# CONFIG_X is not set\nCONFIG_VETH=y\nCONFIG_BRIDGE=m\nCONFIG_N=n\n"
            ),
            config(&[("CONFIG_VETH", "y"), ("CONFIG_BRIDGE", "m")]).unwrap()
        );
    }

    #[test]
    fn gather_reads_a_fake_host() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for sub in ["proc/sys/kernel", "proc/sys/net/bridge", "sys/module/veth"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        std::fs::write(d.join("proc/sys/kernel/osrelease"), "6.9.0-fake\n").unwrap();
        std::fs::write(d.join("proc/filesystems"), "nodev\toverlay\n").unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"CONFIG_NF_TABLES=m\n").unwrap();
        std::fs::write(d.join("proc/config.gz"), gz.finish().unwrap()).unwrap();

        let facts = gather(&HostRoot::at(d));
        assert_eq!(facts.release.as_deref(), Some("6.9.0-fake"));
        assert!(facts.existing_paths.contains("/proc/sys/net/bridge"));
        assert!(facts.existing_paths.contains("/sys/module/veth"));
        assert_eq!(facts.loaded_modules, None);
        assert_eq!(
            facts
                .config
                .as_ref()
                .unwrap()
                .get("CONFIG_NF_TABLES")
                .map(String::as_str),
            Some("m")
        );
        // Every feature is accounted for, nf_tables as an autoloading module.
        let f = check(&facts);
        assert_eq!(f.status, Status::Ok, "{f:?}");
    }
}
