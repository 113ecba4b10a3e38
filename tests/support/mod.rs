//! Shared by the integration and end-to-end tests: what the machine has
//! (engine, base image, Kubernetes binaries), the images tests build, and
//! clusters that clean up after themselves.
//!
//! A test that needs something absent calls [`skip`], which prints one loud
//! line straight to the terminal (past the test harness's capture, so CI
//! logs show it) and returns.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Condvar, Mutex, OnceLock};

/// Where the team keeps locally built Kubernetes binaries; CI machines may
/// not have them. `DEVK_KUBE_BINARIES` overrides.
pub const DEFAULT_KUBE_BINARIES: &str = "/opt/devk-kube/bin";
/// The base image node-image/make-base-image.sh makes (and .ci/run runs).
pub const BASE_IMAGE: &str = "devk/base:trixie";
pub const APP_IMAGE: &str = "devk-test/app:1";

/// Print a skip notice the harness does not swallow.
pub fn skip(test: &str, reason: &str) {
    let line = format!("\n*** SKIPPED {test}: {reason} ***\n");
    // Straight to fd 2: libtest captures print!/eprint!, not raw writes.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

pub fn devk_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_devk"))
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("the docker CLI runs")
}

pub fn docker_ok(args: &[&str]) -> String {
    let out = docker(args);
    assert!(
        out.status.success(),
        "docker {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub fn docker_available() -> bool {
    Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

pub fn image_exists(image: &str) -> bool {
    docker(&["image", "inspect", image]).status.success()
}

pub fn kube_binaries_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("DEVK_KUBE_BINARIES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_KUBE_BINARIES));
    dir.join("kube-apiserver").is_file().then_some(dir)
}

/// A lock shared by every test process on the machine (image builds must
/// not race each other).
pub struct MachineLock(std::fs::File);

pub fn machine_lock(name: &str) -> MachineLock {
    let path = std::env::temp_dir().join(format!("devk-tests-{name}.lock"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .expect("lock file");
    file.lock().expect("lock");
    MachineLock(file)
}

/// Run devk with an isolated kubeconfig.
pub fn devk(args: &[&str], kubeconfig: &Path) -> Output {
    Command::new(devk_bin())
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("NO_COLOR", "1")
        .env_remove("DEVK_CLUSTER_NAME")
        .output()
        .expect("devk runs")
}

pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Build the stand-in node image once per machine: the real node image
/// layout (units, containerd, pause, metadata) with executables that only
/// print a version instead of Kubernetes binaries. None (with a skip line)
/// when the base image is absent.
pub fn standin_node_image(test: &str) -> Option<String> {
    const IMAGE: &str = "devk/node:standin-test";
    if !docker_available() {
        skip(test, "no container engine reachable");
        return None;
    }
    if !image_exists(BASE_IMAGE) {
        skip(
            test,
            &format!("no base image {BASE_IMAGE}: run node-image/make-base-image.sh"),
        );
        return None;
    }
    let _lock = machine_lock("standin-image");
    static BUILT: OnceLock<bool> = OnceLock::new();
    let ok = *BUILT.get_or_init(|| {
        let dir = std::env::temp_dir().join("devk-standin-binaries");
        write_standin_binaries(&dir, "v1.36.2");
        let out = Command::new(devk_bin())
            .args(["build", "node-image", "--kube-binaries"])
            .arg(&dir)
            .args(["--base-image", BASE_IMAGE, "--image", IMAGE])
            .env("NO_COLOR", "1")
            .output()
            .expect("devk runs");
        assert!(
            out.status.success(),
            "building the stand-in image: {}",
            text(&out)
        );
        true
    });
    ok.then(|| IMAGE.to_string())
}

/// Executables under the fixed names that print what the real ones print.
pub fn write_standin_binaries(dir: &Path, kube_version: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    for name in [
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
        "kubelet",
        "kube-proxy",
        "kubectl",
        "etcd",
        "coredns",
    ] {
        let version = match name {
            "kubectl" => format!("Client Version: {kube_version}"),
            "etcd" => "etcd Version: 3.6.8".to_string(),
            "coredns" => "CoreDNS-1.14.2".to_string(),
            _ => format!("Kubernetes {kube_version}"),
        };
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\necho '{version}'\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// The node image end-to-end tests run: `DEVK_E2E_NODE_IMAGE` when set
/// (CI builds it from official releases), else one built here from the
/// Kubernetes binaries in `DEVK_KUBE_BINARIES` (default /opt/devk-kube/bin).
/// None, with a skip line, when neither is available.
pub fn real_node_image(test: &str) -> Option<String> {
    if let Ok(image) = std::env::var("DEVK_E2E_NODE_IMAGE")
        && !image.is_empty()
    {
        return Some(image);
    }
    let Some(bin) = kube_binaries_dir() else {
        skip(
            test,
            &format!(
                "no Kubernetes binaries in {} (set DEVK_KUBE_BINARIES, or DEVK_E2E_NODE_IMAGE to a node image)",
                std::env::var("DEVK_KUBE_BINARIES")
                    .unwrap_or_else(|_| DEFAULT_KUBE_BINARIES.to_string())
            ),
        );
        return None;
    };
    if !image_exists(BASE_IMAGE) {
        skip(
            test,
            &format!("no base image {BASE_IMAGE}: run node-image/make-base-image.sh"),
        );
        return None;
    }
    const IMAGE: &str = "devk/node:e2e";
    let _lock = machine_lock("real-image");
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        // Rebuilt once per test process: the engine's layer cache makes an
        // unchanged build take seconds.
        let out = Command::new(devk_bin())
            .args(["build", "node-image", "--kube-binaries"])
            .arg(&bin)
            .args(["--base-image", BASE_IMAGE, "--image", IMAGE])
            .env("NO_COLOR", "1")
            .output()
            .expect("devk runs");
        assert!(
            out.status.success(),
            "building the e2e node image: {}",
            text(&out)
        );
    });
    Some(IMAGE.to_string())
}

/// Build the test app image (busybox-static) once; None with a skip line
/// when busybox-static is missing.
pub fn app_image(test: &str) -> Option<String> {
    let _lock = machine_lock("app-image");
    if image_exists(APP_IMAGE) {
        return Some(APP_IMAGE.to_string());
    }
    let out = Command::new(repo_root().join("test-images/build-app-image.sh"))
        .arg(APP_IMAGE)
        .output()
        .expect("the build script runs");
    if !out.status.success() {
        skip(
            test,
            &format!(
                "cannot build {APP_IMAGE}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        );
        return None;
    }
    Some(APP_IMAGE.to_string())
}

/// At most this many clusters at once across the tests of one process: on
/// two cores more only makes every one of them slow.
const CLUSTER_SLOTS: usize = 2;

static SLOTS: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

pub struct Slot;

pub fn cluster_slot() -> Slot {
    let (lock, cv) = &SLOTS;
    let mut used = lock.lock().unwrap();
    while *used >= CLUSTER_SLOTS {
        used = cv.wait(used).unwrap();
    }
    *used += 1;
    Slot
}

impl Drop for Slot {
    fn drop(&mut self) {
        let (lock, cv) = &SLOTS;
        *lock.lock().unwrap() -= 1;
        cv.notify_one();
    }
}

/// A cluster made for one test, deleted when dropped. On a failed test it
/// is kept when `DEVK_KEEP_FAILED` is set, so CI can export its logs.
pub struct TestCluster {
    pub name: String,
    pub kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
    _slot: Slot,
}

impl TestCluster {
    /// `devk create` with the given extra arguments; panics with devk's
    /// output when it fails.
    pub fn create(name: &str, image: &str, extra: &[&str]) -> TestCluster {
        let slot = cluster_slot();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        // A leftover from an earlier, killed run must not fail this one.
        let _ = devk(&["delete", "--name", name], &kubeconfig);
        let mut args = vec!["create", "--name", name, "--image", image];
        args.extend_from_slice(extra);
        let out = devk(&args, &kubeconfig);
        let cluster = TestCluster {
            name: name.to_string(),
            kubeconfig,
            _dir: dir,
            _slot: slot,
        };
        assert!(out.status.success(), "devk create {name}: {}", text(&out));
        cluster
    }

    pub fn control_plane(&self) -> String {
        format!("{}-control-plane", self.name)
    }

    pub fn devk(&self, args: &[&str]) -> Output {
        devk(args, &self.kubeconfig)
    }

    /// kubectl inside the control plane with the admin kubeconfig: always
    /// there, always the cluster's version.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        let cp = self.control_plane();
        let mut full = vec![
            "exec",
            "-i",
            cp.as_str(),
            "kubectl",
            "--kubeconfig",
            "/etc/kubernetes/admin.conf",
        ];
        full.extend_from_slice(args);
        docker(&full)
    }

    pub fn kubectl_ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            out.status.success(),
            "kubectl {}: {}",
            args.join(" "),
            text(&out)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// kubectl apply -f - with the given manifest.
    pub fn apply(&self, manifest: &str) {
        let cp = self.control_plane();
        let mut child = Command::new("docker")
            .args([
                "exec",
                "-i",
                &cp,
                "kubectl",
                "--kubeconfig",
                "/etc/kubernetes/admin.conf",
                "apply",
                "-f",
                "-",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(manifest.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "kubectl apply: {}", text(&out));
    }

    /// Import a host image into every node (what `devk load image` does).
    pub fn load_image(&self, image: &str) {
        let out = self.devk(&["load", "image", image, "--name", &self.name]);
        assert!(
            out.status.success(),
            "devk load image {image}: {}",
            text(&out)
        );
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        if std::thread::panicking() && std::env::var_os("DEVK_KEEP_FAILED").is_some() {
            skip(&self.name, "kept after a failure (DEVK_KEEP_FAILED)");
            return;
        }
        let _ = devk(&["delete", "--name", &self.name], &self.kubeconfig);
    }
}

/// Deletes a cluster when dropped (and removes a leftover when made), so a
/// failing test does not leave containers for the next run.
pub struct DeleteOnDrop {
    name: String,
    kubeconfig: PathBuf,
}

impl DeleteOnDrop {
    pub fn new(name: &str, kubeconfig: &Path) -> DeleteOnDrop {
        let _ = devk(&["delete", "--name", name], kubeconfig);
        DeleteOnDrop {
            name: name.to_string(),
            kubeconfig: kubeconfig.to_path_buf(),
        }
    }
}

impl Drop for DeleteOnDrop {
    fn drop(&mut self) {
        let _ = devk(&["delete", "--name", &self.name], &self.kubeconfig);
    }
}

/// Everything the engine has with this cluster's label.
pub fn leftovers(cluster: &str) -> Vec<String> {
    let filter = format!("label=dev.devk.cluster={cluster}");
    let mut found = Vec::new();
    for (kind, args) in [
        (
            "container",
            vec!["ps", "-a", "-q", "--filter", filter.as_str()],
        ),
        (
            "network",
            vec!["network", "ls", "-q", "--filter", filter.as_str()],
        ),
    ] {
        for id in docker_ok(&args).lines().filter(|l| !l.is_empty()) {
            found.push(format!("{kind} {id}"));
        }
    }
    found
}
