//! Node images on the real engine: what the stand-in image holds, the pause
//! image imported into containerd at boot, preloaded images, and the
//! release download path against a local mirror (checksums, cache,
//! tampering, missing checksums).

mod support;

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use support::*;

fn run_in_image(image: &str, cmd: &[&str]) -> String {
    let mut args = vec!["run", "--rm", "--entrypoint", cmd[0], image];
    args.extend_from_slice(&cmd[1..]);
    docker_ok(&args)
}

#[test]
fn the_stand_in_image_has_every_binary_unit_label_and_the_metadata() {
    let test = "the_stand_in_image_has_every_binary_unit_label_and_the_metadata";
    let Some(image) = standin_node_image(test) else {
        return;
    };
    let label = docker_ok(&[
        "inspect",
        "--format",
        "{{index .Config.Labels \"dev.devk.kubernetes-version\"}}",
        &image,
    ]);
    assert_eq!(label, "v1.36.2");
    let contents = docker_ok(&[
        "inspect",
        "--format",
        "{{index .Config.Labels \"dev.devk.image-contents\"}}",
        &image,
    ]);
    let contents: serde_json::Value = serde_json::from_str(&contents).unwrap();
    assert_eq!(contents["source"], "directory");
    assert_eq!(contents["etcd"], "3.6.8");
    let file: serde_json::Value =
        serde_json::from_str(&run_in_image(&image, &["cat", "/etc/devk/image.json"])).unwrap();
    assert_eq!(file, contents);

    for bin in [
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
        "kubelet",
        "kube-proxy",
        "kubectl",
        "etcd",
        "coredns",
    ] {
        run_in_image(&image, &["test", "-x", &format!("/usr/local/bin/{bin}")]);
    }
    for tool in [
        "containerd",
        "runc",
        "ctr",
        "iptables",
        "nft",
        "conntrack",
        "ip",
        "ethtool",
        "haproxy",
        "busybox",
    ] {
        run_in_image(&image, &["sh", "-c", &format!("command -v {tool}")]);
    }
    for plugin in ["ptp", "host-local", "portmap", "loopback", "bridge"] {
        run_in_image(&image, &["test", "-x", &format!("/usr/lib/cni/{plugin}")]);
    }
    let units = "containerd devk-images devk-network devk-hostpath devk-pod-cleanup etcd kube-apiserver \
                 kube-controller-manager kube-scheduler kubelet kube-proxy coredns";
    let enabled = run_in_image(
        &image,
        &[
            "sh",
            "-c",
            &format!("for u in {units}; do systemctl is-enabled $u; done"),
        ],
    );
    assert!(enabled.lines().all(|l| l == "enabled"), "{enabled}");
    // Each Kubernetes unit only starts where devk wrote its flags.
    let gate = run_in_image(&image, &["cat", "/etc/systemd/system/kubelet.service"]);
    assert!(
        gate.contains("ConditionPathExists=/etc/devk/kubelet.env"),
        "{gate}"
    );
    let archive = run_in_image(
        &image,
        &[
            "sh",
            "-c",
            "tar -tf /usr/share/devk/images/images.tar | grep -c manifest.json",
        ],
    );
    assert_eq!(archive, "1");
}

/// Boot a node from the image (no Kubernetes) and ask its containerd.
fn with_node(test: &str, name: &str, image: &str, check: impl FnOnce(&str)) {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let _guard = DeleteOnDrop::new(name, &kubeconfig);
    let out = devk(
        &[
            "create",
            "--name",
            name,
            "--image",
            image,
            "--no-kubernetes",
        ],
        &kubeconfig,
    );
    assert!(out.status.success(), "{test}: {}", text(&out));
    let node = format!("{name}-control-plane");
    // The import unit is ordered after containerd; wait for it to finish.
    let started = Instant::now();
    loop {
        let state = docker(&["exec", &node, "systemctl", "is-active", "devk-images"]);
        if String::from_utf8_lossy(&state.stdout).trim() == "active" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "devk-images never finished"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    check(&node);
}

#[test]
fn the_pause_image_is_imported_at_boot_and_runs() {
    let test = "the_pause_image_is_imported_at_boot_and_runs";
    let Some(image) = standin_node_image(test) else {
        return;
    };
    with_node(test, "ni-pause", &image, |node| {
        let images = docker_ok(&["exec", node, "ctr", "-n", "k8s.io", "images", "ls", "-q"]);
        assert!(
            images.lines().any(|l| l == "registry.k8s.io/pause:3.10.2"),
            "{images}"
        );
        // devk's own pause program answers -v, and holds as PID 1 until stopped.
        let version = docker_ok(&[
            "exec",
            node,
            "ctr",
            "-n",
            "k8s.io",
            "run",
            "--rm",
            "registry.k8s.io/pause:3.10.2",
            "pause-v",
            "/pause",
            "-v",
        ]);
        assert_eq!(version, "devk pause 1.0");
    });
}

#[test]
fn preloaded_images_are_in_the_node_at_boot() {
    let test = "preloaded_images_are_in_the_node_at_boot";
    if standin_node_image(test).is_none() {
        return;
    }
    let Some(app) = app_image(test) else { return };
    let bins = tempfile::tempdir().unwrap();
    write_standin_binaries(bins.path(), "v1.36.2");
    let image = "devk/node:preload-test";
    let _lock = machine_lock("preload-image");
    let out = Command::new(devk_bin())
        .args([
            "build",
            "node-image",
            "--kube-binaries",
            bins.path().to_str().unwrap(),
        ])
        .args([
            "--base-image",
            BASE_IMAGE,
            "--image",
            image,
            "--preload",
            &app,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    with_node(test, "ni-preload", image, |node| {
        let images = docker_ok(&["exec", node, "ctr", "-n", "k8s.io", "images", "ls", "-q"]);
        assert!(
            images.lines().any(|l| l.contains("devk-test/app:1")),
            "{images}"
        );
        assert!(
            images.lines().any(|l| l == "registry.k8s.io/pause:3.10.2"),
            "{images}"
        );
    });
    docker(&["rmi", image]);
}

// ---- the release path, against a local mirror ----

struct Mirror {
    dir: tempfile::TempDir,
    server: Child,
    url: String,
    log: std::path::PathBuf,
}

impl Drop for Mirror {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn tar_gz(members: &[(&str, &[u8])]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(gz);
    for (path, data) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o755);
        builder.append_data(&mut header, path, *data).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// A directory laid out as dl.k8s.io and GitHub releases are, served by
/// Python's http.server on loopback.
fn mirror(test: &str) -> Option<Mirror> {
    let dir = tempfile::tempdir().unwrap();
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    let bins = dir.path().join("standins");
    write_standin_binaries(&bins, "v1.36.2");
    let kube = dir.path().join(format!("release/v1.36.2/bin/linux/{arch}"));
    std::fs::create_dir_all(&kube).unwrap();
    for name in [
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
        "kubelet",
        "kube-proxy",
        "kubectl",
    ] {
        let data = std::fs::read(bins.join(name)).unwrap();
        std::fs::write(kube.join(name), &data).unwrap();
        std::fs::write(kube.join(format!("{name}.sha256")), sha256_hex(&data)).unwrap();
    }
    let etcd_dir = dir.path().join("etcd-io/etcd/releases/download/v3.6.8");
    std::fs::create_dir_all(&etcd_dir).unwrap();
    let etcd_file = format!("etcd-v3.6.8-linux-{arch}.tar.gz");
    let etcd = tar_gz(&[(
        &format!("etcd-v3.6.8-linux-{arch}/etcd"),
        &std::fs::read(bins.join("etcd")).unwrap(),
    )]);
    std::fs::write(etcd_dir.join(&etcd_file), &etcd).unwrap();
    std::fs::write(
        etcd_dir.join("SHA256SUMS"),
        format!(
            "{}  etcd-v3.6.8-linux-other.tar.gz\n{}  {etcd_file}\n",
            "0".repeat(64),
            sha256_hex(&etcd)
        ),
    )
    .unwrap();
    let dns_dir = dir.path().join("coredns/coredns/releases/download/v1.14.2");
    std::fs::create_dir_all(&dns_dir).unwrap();
    let dns_file = format!("coredns_1.14.2_linux_{arch}.tgz");
    let dns = tar_gz(&[("coredns", &std::fs::read(bins.join("coredns")).unwrap())]);
    std::fs::write(dns_dir.join(&dns_file), &dns).unwrap();
    std::fs::write(
        dns_dir.join(format!("{dns_file}.sha256")),
        format!("{}  {dns_file}\n", sha256_hex(&dns)),
    )
    .unwrap();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = dir.path().join("server.log");
    let server = match Command::new("python3")
        .args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
        ])
        .current_dir(dir.path())
        .stderr(std::fs::File::create(&log).unwrap())
        .stdout(std::process::Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            skip(
                test,
                &format!("python3 is needed to serve a fake release: {e}"),
            );
            return None;
        }
    };
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the mirror did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Mirror {
        dir,
        server,
        url,
        log,
    })
}

fn build_from(mirror: &Mirror, cache: &Path, image: &str) -> std::process::Output {
    Command::new(devk_bin())
        .args([
            "build",
            "node-image",
            "--kubernetes-version",
            "v1.36.2",
            "--release-mirror",
            &mirror.url,
        ])
        .args(["--base-image", BASE_IMAGE, "--image", image])
        .env("DEVK_CACHE_DIR", cache)
        .env_remove("DEVK_KUBE_BINARIES")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn the_release_path_verifies_downloads_and_reuses_them() {
    let test = "the_release_path_verifies_downloads_and_reuses_them";
    if standin_node_image(test).is_none() {
        return;
    }
    let Some(mirror) = mirror(test) else { return };
    let cache = tempfile::tempdir().unwrap();
    let image = "devk/node:release-test";
    let out = build_from(&mirror, cache.path(), image);
    assert!(out.status.success(), "{}", text(&out));
    let contents = docker_ok(&[
        "inspect",
        "--format",
        "{{index .Config.Labels \"dev.devk.image-contents\"}}",
        image,
    ]);
    let contents: serde_json::Value = serde_json::from_str(&contents).unwrap();
    assert_eq!(contents["source"], "release");
    assert_eq!(contents["kubernetes"], "v1.36.2");

    // A second build downloads only the checksums: the verified files are reused.
    let before = std::fs::read_to_string(&mirror.log).unwrap();
    let out = build_from(&mirror, cache.path(), image);
    assert!(out.status.success(), "{}", text(&out));
    let log = std::fs::read_to_string(&mirror.log).unwrap();
    let second: Vec<&str> = log[before.len()..]
        .lines()
        .filter(|l| l.contains("GET"))
        .collect();
    assert!(!second.is_empty());
    assert!(
        second
            .iter()
            .all(|l| l.contains(".sha256") || l.contains("SHA256SUMS")),
        "{second:#?}"
    );
    docker(&["rmi", image]);
}

#[test]
fn a_tampered_download_is_refused_and_removed() {
    let test = "a_tampered_download_is_refused_and_removed";
    if !docker_available() {
        return skip(test, "no container engine reachable");
    }
    let Some(mirror) = mirror(test) else { return };
    let arch = if cfg!(target_arch = "aarch64") {
        "arm64"
    } else {
        "amd64"
    };
    let kubelet = mirror
        .dir
        .path()
        .join(format!("release/v1.36.2/bin/linux/{arch}/kubelet"));
    std::fs::write(&kubelet, "#!/bin/sh\necho evil\n").unwrap();
    let cache = tempfile::tempdir().unwrap();
    let out = build_from(&mirror, cache.path(), "devk/node:tampered-test");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("checksum mismatch"), "{stderr}");
    assert!(stderr.contains("/kubelet"), "{stderr}");
    assert!(!support::image_exists("devk/node:tampered-test"));
    // Nothing unverified stays in the cache.
    let leftover = walk(cache.path())
        .into_iter()
        .any(|p| p.ends_with("kubelet") || p.ends_with("kubelet.partial"));
    assert!(!leftover, "an unverified kubelet was kept");
}

#[test]
fn a_missing_checksum_file_is_an_error_naming_it() {
    let test = "a_missing_checksum_file_is_an_error_naming_it";
    if !docker_available() {
        return skip(test, "no container engine reachable");
    }
    let Some(mirror) = mirror(test) else { return };
    let sums = mirror
        .dir
        .path()
        .join("etcd-io/etcd/releases/download/v3.6.8/SHA256SUMS");
    std::fs::remove_file(&sums).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let out = build_from(&mirror, cache.path(), "devk/node:nosums-test");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("SHA256SUMS") && stderr.contains("404"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_version_is_refused_with_the_known_ones() {
    let out = Command::new(devk_bin())
        .args(["build", "node-image", "--kubernetes-version", "v1.20.0"])
        .env_remove("DEVK_KUBE_BINARIES")
        .output()
        .unwrap();
    if !docker_available() {
        return skip(
            "an_unknown_version_is_refused_with_the_known_ones",
            "no container engine reachable",
        );
    }
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("v1.20") && stderr.contains("v1.36"),
        "{stderr}"
    );
    assert!(stderr.contains("--kube-binaries"), "{stderr}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
