//! `devk doctor` as users run it: the real binary on this machine, with
//! an unreachable engine, with kubeconfigs devk cannot write, with a config
//! whose ports are taken. Expectations come from what the machine itself
//! says (`docker info`, /proc, a privileged `docker run`), never from
//! hard-coded facts about one machine.

mod support;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use support::*;

/// Every check a run without --config reports, in order.
const CHECKS: &[&str] = &[
    "engine",
    "cgroups",
    "privileged",
    "kernel",
    "ip-forward",
    "inotify",
    "disk",
    "memory",
    "node-image",
    "kubectl",
    "kubeconfig",
    "ports",
    "clusters",
];

/// Checks that need the engine and so are skipped (as warnings) without it.
const ENGINE_CHECKS: &[&str] = &["cgroups", "privileged", "disk", "node-image", "clusters"];

fn doctor_command(args: &[&str], kubeconfig: &Path) -> Command {
    let mut cmd = Command::new(devk_bin());
    cmd.arg("doctor")
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("NO_COLOR", "1")
        .env_remove("DEVK_CLUSTER_NAME")
        .env_remove("DEVK_NODE_IMAGE");
    cmd
}

/// Run `devk doctor -o json ...`; the output and the parsed findings.
fn doctor_json(mut cmd: impl std::borrow::BorrowMut<Command>) -> (Output, Vec<Value>) {
    let out = cmd
        .borrow_mut()
        .args(["-o", "json"])
        .output()
        .expect("devk runs");
    let findings: Vec<Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("doctor prints a JSON array ({e}): {}", text(&out)));
    (out, findings)
}

fn finding<'a>(findings: &'a [Value], name: &str) -> &'a Value {
    findings
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no {name} check in {findings:#?}"))
}

fn status(findings: &[Value], name: &str) -> String {
    finding(findings, name)["status"]
        .as_str()
        .unwrap()
        .to_string()
}

fn message(findings: &[Value], name: &str) -> String {
    finding(findings, name)["message"]
        .as_str()
        .unwrap()
        .to_string()
}

fn fix(findings: &[Value], name: &str) -> String {
    finding(findings, name)["fix"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// The shape every run must have: known statuses, a message, a fix exactly
/// for warn and fail, and exit 1 exactly when something failed.
fn assert_well_formed(out: &Output, findings: &[Value]) {
    for f in findings {
        let status = f["status"].as_str().unwrap();
        assert!(["ok", "warn", "fail"].contains(&status), "{f}");
        assert!(!f["message"].as_str().unwrap().is_empty(), "{f}");
        assert_eq!(f["fix"].is_string(), status != "ok", "{f}");
    }
    let any_fail = findings.iter().any(|f| f["status"] == "fail");
    assert_eq!(
        out.status.code(),
        Some(if any_fail { 1 } else { 0 }),
        "{}",
        text(out)
    );
    assert!(!text(out).contains("panicked"), "{}", text(out));
}

fn names(findings: &[Value]) -> Vec<&str> {
    findings
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect()
}

/// The node image doctor looks for: devk's default, from `devk version`.
fn default_node_image() -> String {
    let out = Command::new(devk_bin())
        .args(["version", "-o", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    format!(
        "devk/node:{}",
        v["defaultKubernetesVersion"].as_str().unwrap()
    )
}

fn proc_number(path: &str) -> u64 {
    std::fs::read_to_string(path)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// A fake kubectl on a PATH of its own that reports `version`.
fn fake_kubectl(dir: &Path, version: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join(format!("bin-{version}"));
    std::fs::create_dir_all(&bin).unwrap();
    let kubectl = bin.join("kubectl");
    std::fs::write(
        &kubectl,
        format!("#!/bin/sh\necho '{{\"clientVersion\":{{\"gitVersion\":\"{version}\"}}}}'\n"),
    )
    .unwrap();
    std::fs::set_permissions(&kubectl, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn cluster_names_on_engine() -> std::collections::BTreeSet<String> {
    docker_ok(&[
        "ps",
        "-a",
        "--filter",
        "label=dev.devk.cluster",
        "--format",
        "{{.Label \"dev.devk.cluster\"}}",
    ])
    .lines()
    .filter(|l| !l.is_empty())
    .map(str::to_string)
    .collect()
}

#[test]
fn on_this_machine_every_check_agrees_with_the_engine_and_the_host() {
    if !docker_available() {
        skip(
            "on_this_machine_every_check_agrees_with_the_engine_and_the_host",
            "no container engine reachable",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let before = cluster_names_on_engine();
    let (out, findings) = doctor_json(&mut doctor_command(&[], &kubeconfig));
    let after = cluster_names_on_engine();
    assert_well_formed(&out, &findings);
    assert_eq!(names(&findings), CHECKS, "{findings:#?}");

    // engine: ok, and the version the engine reports.
    assert_eq!(status(&findings, "engine"), "ok", "{findings:#?}");
    let server = docker_ok(&["version", "--format", "{{.Server.Version}}"]);
    assert!(
        message(&findings, "engine").contains(&server),
        "{findings:#?}"
    );

    // cgroups: the version docker info reports.
    let cgroup = docker_ok(&["info", "--format", "{{.CgroupVersion}}"]);
    assert!(
        message(&findings, "cgroups").contains(&format!("cgroup v{cgroup}")),
        "docker info says v{cgroup}: {findings:#?}"
    );
    if cgroup == "1" && status(&findings, "cgroups") == "ok" {
        assert!(message(&findings, "cgroups").contains("failCgroupV1: false"));
    }

    // node-image and privileged: what the engine has and allows.
    let image = default_node_image();
    if image_exists(&image) {
        assert_eq!(status(&findings, "node-image"), "ok", "{findings:#?}");
        assert!(message(&findings, "node-image").contains(&image));
        // Ask the engine directly, as the probe does.
        let run = docker(&[
            "run",
            "--rm",
            "--privileged",
            "--network",
            "none",
            "--entrypoint",
            "/bin/true",
            &image,
        ]);
        let refused = String::from_utf8_lossy(&run.stderr);
        if run.status.success() {
            assert_eq!(status(&findings, "privileged"), "ok", "{findings:#?}");
        } else {
            assert!(
                refused.contains("apply caps") || refused.contains("operation not permitted"),
                "docker run --privileged failed otherwise: {refused}"
            );
            assert_eq!(status(&findings, "privileged"), "warn", "{findings:#?}");
            assert!(message(&findings, "privileged").contains("restricted mode"));
            assert!(
                message(&findings, "privileged").contains("kind, k3d and minikube would not run")
            );
        }
    } else {
        assert_eq!(status(&findings, "node-image"), "warn");
        assert!(fix(&findings, "node-image").contains("devk build node-image --kube-binaries DIR"));
        assert_eq!(status(&findings, "privileged"), "warn");
        assert!(message(&findings, "privileged").contains("not checked"));
    }
    // The probe container is gone. Other tests' runs probe at the same time,
    // so wait for those to finish; a leftover would stay.
    let probes_left = || docker_ok(&["ps", "-a", "-q", "--filter", "name=devk-doctor-probe"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !probes_left().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    assert!(
        probes_left().is_empty(),
        "a probe container was left behind"
    );

    // Host facts read here, as devk doctor reads them.
    let ip_forward = std::fs::read_to_string("/proc/sys/net/ipv4/ip_forward").unwrap();
    assert_eq!(
        status(&findings, "ip-forward"),
        if ip_forward.trim() == "1" {
            "ok"
        } else {
            "warn"
        }
    );
    let watches = proc_number("/proc/sys/fs/inotify/max_user_watches");
    let instances = proc_number("/proc/sys/fs/inotify/max_user_instances");
    let limits_ok = watches >= 524288 && instances >= 512;
    // How many instances are in use changes by the second as other clusters
    // come and go, so the status follows the limits, and "fail" must say why.
    let inotify = status(&findings, "inotify");
    match inotify.as_str() {
        "ok" => assert!(limits_ok, "{findings:#?}"),
        "warn" => {}
        _ => assert!(
            message(&findings, "inotify").contains("no inotify instance is left"),
            "{findings:#?}"
        ),
    }
    if !limits_ok {
        assert_ne!(inotify, "ok", "{findings:#?}");
    }
    assert!(message(&findings, "inotify").contains(&format!("max_user_instances = {instances}")));
    if inotify != "ok" {
        assert!(fix(&findings, "inotify").contains("sudo sysctl fs.inotify."));
        assert!(fix(&findings, "inotify").contains("/etc/sysctl.d/"));
    }

    let root_dir = docker_ok(&["info", "--format", "{{.DockerRootDir}}"]);
    assert!(
        message(&findings, "disk").contains(&root_dir),
        "{findings:#?}"
    );
    assert!(message(&findings, "memory").contains("GiB available"));
    assert_ne!(status(&findings, "kernel"), "fail", "{findings:#?}");

    // kubeconfig: the KUBECONFIG we gave, not there yet.
    assert_eq!(status(&findings, "kubeconfig"), "ok");
    let kc = message(&findings, "kubeconfig");
    assert!(kc.contains(kubeconfig.to_str().unwrap()), "{kc}");
    assert!(kc.contains("(from KUBECONFIG) does not exist yet"), "{kc}");

    assert_eq!(status(&findings, "ports"), "ok");

    // clusters: every cluster that existed through the whole run is listed.
    let clusters = message(&findings, "clusters");
    for name in before.intersection(&after) {
        assert!(
            clusters.contains(&format!("{name} (")),
            "{name}: {clusters}"
        );
    }
    if before.is_empty() && after.is_empty() {
        assert!(clusters.contains("no devk clusters"), "{clusters}");
    }
}

#[test]
fn kubectl_skew_is_judged_against_the_node_image_version() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let image = default_node_image();
    // The Kubernetes version clusters run: the image's label when present,
    // else the default devk builds.
    let version = if docker_available() && image_exists(&image) {
        docker_ok(&[
            "image",
            "inspect",
            "--format",
            "{{index .Config.Labels \"dev.devk.kubernetes-version\"}}",
            &image,
        ])
    } else {
        image.trim_start_matches("devk/node:").to_string()
    };
    let minor: u32 = version.split('.').nth(1).unwrap().parse().unwrap();

    // (kubectl version, status, message contains)
    let far = format!("v1.{}.0", minor - 3);
    let near = format!("v1.{}.4", minor - 1);
    let cases = [
        (far.as_str(), "warn", "3 minor versions older"),
        (near.as_str(), "ok", "within one minor"),
    ];
    for (kubectl_version, want, says) in cases {
        let bin = fake_kubectl(dir.path(), kubectl_version);
        let (out, findings) =
            doctor_json(doctor_command(&["--name", "dr-skew"], &kubeconfig).env("PATH", &bin));
        assert_well_formed(&out, &findings);
        assert_eq!(status(&findings, "kubectl"), want, "{findings:#?}");
        let m = message(&findings, "kubectl");
        assert!(m.contains(says), "{m}");
        assert!(m.contains(kubectl_version), "{m}");
        assert!(
            m.contains(&bin.join("kubectl").display().to_string()),
            "{m}"
        );
        if want == "warn" {
            let f = fix(&findings, "kubectl");
            assert!(f.contains(&format!("install kubectl v1.{minor}")), "{f}");
            assert!(
                f.contains("docker exec dr-skew-control-plane kubectl"),
                "{f}"
            );
        }
    }

    // No kubectl at all: a warning with the docker exec way.
    let empty = dir.path().join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let (_, findings) = doctor_json(doctor_command(&[], &kubeconfig).env("PATH", &empty));
    assert_eq!(status(&findings, "kubectl"), "warn");
    assert!(message(&findings, "kubectl").contains("not on PATH"));
    assert!(fix(&findings, "kubectl").contains("docker exec devk-control-plane kubectl"));
}

#[test]
fn an_unreachable_engine_fails_one_check_and_skips_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let (out, findings) =
        doctor_json(doctor_command(&[], &kubeconfig).env("DOCKER_HOST", "unix:///nonexistent"));
    assert_well_formed(&out, &findings);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(names(&findings), CHECKS);

    assert_eq!(status(&findings, "engine"), "fail");
    assert!(message(&findings, "engine").contains("/nonexistent"));
    assert!(fix(&findings, "engine").contains("no engine listens on /nonexistent"));
    for name in ENGINE_CHECKS {
        assert_eq!(status(&findings, name), "warn", "{name}: {findings:#?}");
        assert!(message(&findings, name).contains("not checked"), "{name}");
        assert!(
            fix(&findings, name).contains("engine check first"),
            "{name}"
        );
    }
    // Host checks still ran and judged the host (they may fail on their
    // own, e.g. inotify on a crowded machine); no engine check failed.
    for name in [
        "kernel",
        "ip-forward",
        "inotify",
        "memory",
        "kubeconfig",
        "ports",
    ] {
        assert!(!message(&findings, name).contains("not checked"), "{name}");
    }
    assert!(message(&findings, "inotify").contains("fs.inotify.max_user_instances"));

    // The text form: marks, the fix under the failure, the summary, no colour.
    let out = doctor_command(&[], &kubeconfig)
        .env("DOCKER_HOST", "unix:///nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(" ✗ engine "), "{stdout}");
    assert!(stdout.contains(" ! privileged "), "{stdout}");
    assert!(
        stdout.contains("fix: no engine listens on /nonexistent"),
        "{stdout}"
    );
    assert!(stdout.contains("13 checks: "), "{stdout}");
    // At least the engine failed (a crowded host may add inotify).
    assert!(!stdout.contains(" 0 failures"), "{stdout}");
    assert!(stdout.contains(" failure"), "{stdout}");
    assert!(!stdout.contains('\x1b'), "NO_COLOR is set: {stdout:?}");
}

/// Clears the immutable attribute again, even when the test fails.
struct Immutable(std::path::PathBuf);

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
fn a_kubeconfig_devk_cannot_write_fails_with_the_path_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // No engine needed here; keep the run short and independent of one.
    let run = |kubeconfig: &Path| {
        let (out, findings) =
            doctor_json(doctor_command(&[], kubeconfig).env("DOCKER_HOST", "unix:///nonexistent"));
        assert_well_formed(&out, &findings);
        findings
    };

    // A directory where the directory should be: root cannot write there either.
    std::fs::write(d.join("plain-file"), "").unwrap();
    let under_file = d.join("plain-file/config");
    assert!(
        std::fs::write(&under_file, "x").is_err(),
        "the setup must be unwritable"
    );
    let findings = run(&under_file);
    assert_eq!(status(&findings, "kubeconfig"), "fail", "{findings:#?}");
    assert!(message(&findings, "kubeconfig").contains(&format!(
        "{} is not a directory",
        d.join("plain-file").display()
    )));
    assert!(fix(&findings, "kubeconfig").contains("export KUBECONFIG="));

    let deeper = d.join("plain-file/sub/config");
    let findings = run(&deeper);
    assert_eq!(status(&findings, "kubeconfig"), "fail");
    assert!(
        message(&findings, "kubeconfig")
            .contains(&format!("{} is a file", d.join("plain-file").display())),
        "{findings:#?}"
    );

    // An immutable file: not even root may replace it (needs chattr and a
    // filesystem with attributes).
    let frozen = d.join("frozen");
    std::fs::write(&frozen, "apiVersion: v1\nkind: Config\n").unwrap();
    let chattr = Command::new("chattr").arg("+i").arg(&frozen).output();
    if chattr.is_ok_and(|o| o.status.success()) {
        let _guard = Immutable(frozen.clone());
        assert!(
            std::fs::write(&frozen, "x").is_err(),
            "immutable means unwritable"
        );
        let findings = run(&frozen);
        assert_eq!(status(&findings, "kubeconfig"), "fail", "{findings:#?}");
        let m = message(&findings, "kubeconfig");
        assert!(
            m.contains(&format!(
                "{} (from KUBECONFIG) is not writable",
                frozen.display()
            )),
            "{m}"
        );
        assert!(
            fix(&findings, "kubeconfig").contains(&format!("sudo chattr -i {}", frozen.display()))
        );
    } else {
        skip(
            "kubeconfig immutable case",
            "chattr +i is not available here",
        );
    }

    // A read-only directory: stops writes for everyone but root.
    if is_root() {
        skip(
            "kubeconfig read-only directory case",
            "running as root, where mode 0555 does not stop writes",
        );
    } else {
        use std::os::unix::fs::PermissionsExt;
        let ro = d.join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::write(ro.join("config"), "").unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        let findings = run(&ro.join("config"));
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(status(&findings, "kubeconfig"), "fail");
        assert!(
            message(&findings, "kubeconfig")
                .contains(&format!("its directory {} is not writable", ro.display()))
        );
    }

    // And a writable one is fine.
    let good = d.join("good");
    std::fs::write(&good, "").unwrap();
    let findings = run(&good);
    assert_eq!(status(&findings, "kubeconfig"), "ok");
    assert!(message(&findings, "kubeconfig").contains("is writable"));
}

#[test]
fn ports_a_config_publishes_are_tested_and_their_holder_named() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    // Held by this test process for the whole run.
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let held_port = held.local_addr().unwrap().port();
    let free_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.path().join("dev.yaml");
    std::fs::write(
        &config,
        format!(
            "apiVersion: devk.dev/v1alpha1\nkind: Cluster\nname: dr-ports\nnetworking:\n  apiServerPort: {held_port}\n\
             nodes:\n- role: control-plane\n  extraPortMappings:\n  - containerPort: 80\n    hostPort: {free_port}\n    listenAddress: 127.0.0.1\n"
        ),
    )
    .unwrap();
    let (out, findings) = doctor_json(doctor_command(
        &["--config", config.to_str().unwrap()],
        &kubeconfig,
    ));
    assert_well_formed(&out, &findings);
    assert_eq!(out.status.code(), Some(1));
    let mut with_config: Vec<&str> = CHECKS.to_vec();
    with_config.insert(with_config.len() - 2, "config");
    assert_eq!(names(&findings), with_config);

    assert_eq!(status(&findings, "config"), "ok");
    assert!(message(&findings, "config").contains("cluster dr-ports, 1 node"));
    assert_eq!(status(&findings, "ports"), "fail", "{findings:#?}");
    let m = message(&findings, "ports");
    assert!(
        m.contains(&format!(
            "127.0.0.1:{held_port}/tcp (networking.apiServerPort) is in use by pid {}",
            std::process::id()
        )),
        "{m}"
    );
    assert!(
        !m.contains(&format!(":{free_port}/")),
        "the free port is not blamed: {m}"
    );
    assert!(fix(&findings, "ports").contains(&format!(
        "change networking.apiServerPort in {}",
        config.display()
    )));
    drop(held);

    // A config that does not load is a failure of its own, with the hint.
    std::fs::write(
        &config,
        "apiVersion: devk.dev/v1alpha1\nkind: Cluster\nnodez: []\n",
    )
    .unwrap();
    let (out, findings) = doctor_json(doctor_command(
        &["--config", config.to_str().unwrap()],
        &kubeconfig,
    ));
    assert_well_formed(&out, &findings);
    assert_eq!(status(&findings, "config"), "fail");
    assert!(message(&findings, "config").contains("nodez"));
    assert!(fix(&findings, "config").contains("nodes"));
    assert_eq!(status(&findings, "ports"), "ok");
}

#[test]
fn a_bad_name_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = doctor_command(&["--name", "Not_A_Name"], &dir.path().join("k"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Not_A_Name"));
}

#[test]
fn a_partial_cluster_warns_and_its_fix_brings_it_back() {
    const TEST: &str = "a_partial_cluster_warns_and_its_fix_brings_it_back";
    if !docker_available() {
        skip(TEST, "no container engine reachable");
        return;
    }
    let Some(image) = standin_node_image(TEST) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let name = "dr-partial";
    // A host out of inotify instances cannot boot nodes: that is doctor's
    // own finding, and no reason to fail this test.
    let (_, before) = doctor_json(doctor_command(&[], &kubeconfig));
    if status(&before, "inotify") == "fail" {
        skip(
            TEST,
            &format!("devk doctor says: {}", message(&before, "inotify")),
        );
        return;
    }
    let _guard = DeleteOnDrop::new(name, &kubeconfig);
    let config = dir.path().join("two.yaml");
    std::fs::write(
        &config,
        format!("apiVersion: devk.dev/v1alpha1\nkind: Cluster\nname: {name}\nnodes:\n- role: control-plane\n- role: worker\n"),
    )
    .unwrap();
    let out = devk(
        &[
            "create",
            "--config",
            config.to_str().unwrap(),
            "--image",
            &image,
            "--no-kubernetes",
        ],
        &kubeconfig,
    );
    assert!(out.status.success(), "{}", text(&out));

    let (_, findings) = doctor_json(doctor_command(&["--name", name], &kubeconfig));
    assert_eq!(status(&findings, "clusters"), "ok", "{findings:#?}");
    let m = message(&findings, "clusters");
    assert!(m.contains(&format!("{name} (Running, 2 nodes)")), "{m}");
    assert!(
        m.contains(&format!("`devk create --name {name}` would refuse")),
        "{m}"
    );

    docker_ok(&["stop", "-t", "1", &format!("{name}-worker")]);
    let (_, findings) = doctor_json(doctor_command(&[], &kubeconfig));
    assert_eq!(status(&findings, "clusters"), "warn", "{findings:#?}");
    assert!(message(&findings, "clusters").contains(&format!("{name} (Partial, 2 nodes)")));
    let fix = fix(&findings, "clusters");

    // The fix is a command that works as printed: run it through a shell.
    let start = fix
        .split(&format!("{name}: start its stopped nodes with `"))
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .unwrap_or_else(|| panic!("no start command for {name} in: {fix}"));
    let ran = Command::new("sh").args(["-c", start]).output().unwrap();
    assert!(ran.status.success(), "{start}: {}", text(&ran));

    let (_, findings) = doctor_json(doctor_command(&[], &kubeconfig));
    assert!(
        message(&findings, "clusters").contains(&format!("{name} (Running, 2 nodes)")),
        "{findings:#?}"
    );
}
