//! Day-two commands on a real three-node cluster (one control plane, two
//! workers): `devk load`, `devk export logs`, `devk kubeconfig`,
//! `devk export kubeconfig`, `devk stop` / `devk start`, and a cluster that
//! survives `docker restart` of every node.
//!
//! The tests share one cluster (three nodes cost a lot on two cores, and
//! the host's inotify instances run out with several): it is created by the
//! first test that needs it and deleted when the test process exits. Each
//! test works in its own namespace; the stop/start test takes the cluster
//! for itself.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use crate::support::*;

const CLUSTER: &str = "d2-e2e";
const THREE_NODES: &str = "apiVersion: devk.dev/v1alpha1\nkind: Cluster\nnodes:\n- role: control-plane\n- role: worker\n- role: worker\n";

struct Shared {
    cluster: TestCluster,
    _config_dir: tempfile::TempDir,
}

static SHARED: OnceLock<Option<Shared>> = OnceLock::new();
/// Readers use the cluster; the stop/start test writes (has it alone).
static USE: RwLock<()> = RwLock::new(());
static FAILED: AtomicBool = AtomicBool::new(false);

/// Marks the shared cluster as worth keeping when a test panics and
/// DEVK_KEEP_FAILED is set.
struct FailureFlag;

impl Drop for FailureFlag {
    fn drop(&mut self) {
        if std::thread::panicking() {
            FAILED.store(true, Ordering::SeqCst);
        }
    }
}

extern "C" fn delete_shared_cluster() {
    if FAILED.load(Ordering::SeqCst) && std::env::var_os("DEVK_KEEP_FAILED").is_some() {
        skip(CLUSTER, "kept after a failure (DEVK_KEEP_FAILED)");
        return;
    }
    if let Some(Some(shared)) = SHARED.get() {
        let _ = shared.cluster.devk(&["delete", "--name", CLUSTER]);
    }
}

fn shared(test: &str) -> Option<&'static TestCluster> {
    let image = real_node_image(test)?;
    app_image(test)?;
    let shared = SHARED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("three-nodes.yaml");
        std::fs::write(&config, THREE_NODES).unwrap();
        let cluster = TestCluster::create(CLUSTER, &image, &["--config", config.to_str().unwrap()]);
        // Statics are never dropped: delete the cluster when the process exits.
        // SAFETY: registering a plain extern "C" function with no arguments.
        unsafe {
            libc::atexit(delete_shared_cluster);
        }
        // Every test's pods use the app image: load it once, not concurrently.
        cluster.load_image(APP_IMAGE);
        Some(Shared {
            cluster,
            _config_dir: dir,
        })
    });
    shared.as_ref().map(|s| &s.cluster)
}

fn reader() -> RwLockReadGuard<'static, ()> {
    USE.read().unwrap_or_else(|e| e.into_inner())
}

fn writer() -> RwLockWriteGuard<'static, ()> {
    USE.write().unwrap_or_else(|e| e.into_inner())
}

fn nodes() -> [String; 3] {
    [
        format!("{CLUSTER}-control-plane"),
        format!("{CLUSTER}-worker"),
        format!("{CLUSTER}-worker2"),
    ]
}

/// Poll until `check` succeeds; panic with its last error after `timeout`.
fn wait_for<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Result<T, String>) -> T {
    let started = Instant::now();
    loop {
        match check() {
            Ok(v) => return v,
            Err(e) if started.elapsed() > timeout => {
                panic!("{what}: not within {}s: {e}", timeout.as_secs())
            }
            Err(_) => std::thread::sleep(Duration::from_millis(500)),
        }
    }
}

/// A namespace whose default ServiceAccount exists (pods are refused
/// until the controller has made it).
fn namespace(cluster: &TestCluster, name: &str) {
    cluster.apply(&format!(
        "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}}}\n"
    ));
    wait_for(
        &format!("namespace {name}'s default ServiceAccount"),
        Duration::from_secs(60),
        || {
            let out = cluster.kubectl(&["-n", name, "get", "serviceaccount", "default"]);
            out.status.success().then_some(()).ok_or_else(|| text(&out))
        },
    );
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn devk_ok(cluster: &TestCluster, args: &[&str]) -> String {
    let out = cluster.devk(args);
    assert!(
        out.status.success(),
        "devk {}: {}",
        args.join(" "),
        text(&out)
    );
    stdout(&out)
}

/// `devk load image ... -o json`, the outcome of each node.
fn load_outcomes(cluster: &TestCluster, image: &str) -> Vec<(String, String)> {
    let json = devk_ok(
        cluster,
        &["load", "image", image, "--name", CLUSTER, "-o", "json"],
    );
    let report: serde_json::Value = serde_json::from_str(&json).expect("load report is JSON");
    let mut outcomes: Vec<(String, String)> = report["sources"][0]["nodes"]
        .as_array()
        .expect("nodes in the report")
        .iter()
        .map(|n| {
            (
                n["node"].as_str().unwrap().to_string(),
                n["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    outcomes.sort();
    outcomes
}

fn all(outcome: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = nodes()
        .iter()
        .map(|n| (n.clone(), outcome.to_string()))
        .collect();
    v.sort();
    v
}

/// A host image of its own (a new ID: the app image plus a label), removed
/// with the guard.
struct HostImage(Vec<String>);

impl HostImage {
    fn build(tag: &str) -> HostImage {
        let run = format!("{}-{}", std::process::id(), rand_suffix());
        let mut child = Command::new("docker")
            .args(["build", "-q", "-t", tag, "--label"])
            .arg(format!("dev.devk.e2e-run={run}"))
            .arg("-")
            .env("DOCKER_BUILDKIT", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("FROM {APP_IMAGE}\n").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "docker build {tag}: {}", text(&out));
        HostImage(vec![tag.to_string()])
    }

    fn tag(&mut self, new: &str) {
        docker_ok(&["tag", &self.0[0], new]);
        self.0.push(new.to_string());
    }
}

impl Drop for HostImage {
    fn drop(&mut self) {
        for tag in &self.0 {
            let _ = docker(&["rmi", tag]);
        }
    }
}

fn rand_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{nanos:08x}")
}

#[test]
fn load_image_reaches_every_node_then_skips_and_retags() {
    let test = "load_image_reaches_every_node_then_skips_and_retags";
    let Some(cluster) = shared(test) else {
        return;
    };
    let _flag = FailureFlag;
    let _use = reader();
    let mut image = HostImage::build("d2-e2e/load:1");

    assert_eq!(load_outcomes(cluster, "d2-e2e/load:1"), all("loaded"));
    namespace(cluster, "d2-load");

    // A pod from it on every node, the control plane included, pulling nothing.
    cluster.apply(
        r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: loaded, namespace: d2-load}
spec:
  selector: {matchLabels: {app: loaded}}
  template:
    metadata: {labels: {app: loaded}}
    spec:
      tolerations: [{operator: Exists}]
      containers:
      - name: app
        image: d2-e2e/load:1
        imagePullPolicy: Never
"#,
    );
    cluster.kubectl_ok(&[
        "-n",
        "d2-load",
        "rollout",
        "status",
        "daemonset/loaded",
        "--timeout=180s",
    ]);
    let mut on: Vec<String> = cluster
        .kubectl_ok(&[
            "-n",
            "d2-load",
            "get",
            "pods",
            "-o",
            "jsonpath={range .items[?(@.status.phase==\"Running\")]}{.spec.nodeName}{\"\\n\"}{end}",
        ])
        .lines()
        .map(str::to_string)
        .collect();
    on.sort();
    assert_eq!(on, nodes().to_vec(), "a running pod on every node");

    // Again: every node has it.
    assert_eq!(load_outcomes(cluster, "d2-e2e/load:1"), all("skipped"));

    // The same image under a new name: tagged in place, and usable.
    image.tag("d2-e2e/load:2");
    assert_eq!(load_outcomes(cluster, "d2-e2e/load:2"), all("retagged"));
    cluster.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: retagged, namespace: d2-load}}
spec:
  nodeName: {CLUSTER}-worker2
  containers:
  - name: app
    image: d2-e2e/load:2
    imagePullPolicy: Never
"#
    ));
    cluster.kubectl_ok(&[
        "-n",
        "d2-load",
        "wait",
        "--for=condition=Ready",
        "pod/retagged",
        "--timeout=120s",
    ]);
    assert_eq!(load_outcomes(cluster, "d2-e2e/load:2"), all("skipped"));
}

#[test]
fn load_errors_name_the_image_the_node_or_the_cluster() {
    let test = "load_errors_name_the_image_the_node_or_the_cluster";
    let Some(cluster) = shared(test) else {
        return;
    };
    let _flag = FailureFlag;
    let _use = reader();
    let cases: [(&[&str], &[&str]); 4] = [
        (
            &["load", "image", "d2-e2e/absent:1", "--name", CLUSTER],
            &[
                "image d2-e2e/absent:1 is not on",
                "docker pull d2-e2e/absent:1",
            ],
        ),
        (
            &[
                "load",
                "image",
                APP_IMAGE,
                "--name",
                CLUSTER,
                "--nodes",
                "worker,nosuch",
            ],
            &["has no node nosuch", "d2-e2e-worker2", "devk get nodes"],
        ),
        (
            &["load", "image", APP_IMAGE, "--name", "d2-absent"],
            &["no cluster named d2-absent", "devk list"],
        ),
        (
            &[
                "load",
                "archive",
                "/nonexistent/images.tar",
                "--name",
                CLUSTER,
            ],
            &["/nonexistent/images.tar"],
        ),
    ];
    for (args, wanted) in cases {
        let out = cluster.devk(args);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let err = stderr(&out);
        for w in wanted {
            assert!(
                err.contains(w),
                "devk {}: {w:?} not in\n{err}",
                args.join(" ")
            );
        }
    }
}

#[test]
fn load_archive_imports_a_docker_save_file() {
    let test = "load_archive_imports_a_docker_save_file";
    let Some(cluster) = shared(test) else {
        return;
    };
    let _flag = FailureFlag;
    let _use = reader();
    let _image = HostImage::build("d2-e2e/archive:1");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("archive.tar");
    docker_ok(&["save", "-o", file.to_str().unwrap(), "d2-e2e/archive:1"]);
    let load = |nodes: &str| {
        let json = devk_ok(
            cluster,
            &[
                "load",
                "archive",
                file.to_str().unwrap(),
                "--name",
                CLUSTER,
                "--nodes",
                nodes,
                "-o",
                "json",
            ],
        );
        let report: serde_json::Value = serde_json::from_str(&json).unwrap();
        report["sources"][0]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["outcome"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(load("worker"), ["loaded"]);
    assert_eq!(load("worker,worker2"), ["skipped", "loaded"]);
    let listed = docker_ok(&[
        "exec",
        &format!("{CLUSTER}-worker2"),
        "ctr",
        "-n",
        "k8s.io",
        "images",
        "ls",
        "-q",
    ]);
    assert!(
        listed.contains("docker.io/d2-e2e/archive:1"),
        "imported under its name:\n{listed}"
    );
}

/// Every regular file under `dir`, with its contents.
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                stack.push(entry.path());
            } else {
                assert!(
                    kind.is_file(),
                    "{} is not a regular file",
                    entry.path().display()
                );
                out.push((entry.path(), std::fs::read(entry.path()).unwrap()));
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn export_logs_has_the_logs_and_no_secrets() {
    let test = "export_logs_has_the_logs_and_no_secrets";
    let Some(cluster) = shared(test) else {
        return;
    };
    let _flag = FailureFlag;
    let _use = reader();
    let secret_value = format!("d2-secret-value-{}", rand_suffix());
    let marker = format!("d2-pod-log-marker-{}", rand_suffix());
    namespace(cluster, "d2-export");
    cluster.apply(&format!(
        r#"
apiVersion: v1
kind: Secret
metadata: {{name: d2-export-secret, namespace: d2-export}}
stringData: {{password: {secret_value}}}
---
apiVersion: v1
kind: Pod
metadata: {{name: logger, namespace: d2-export}}
spec:
  containers:
  - name: app
    image: {APP_IMAGE}
    imagePullPolicy: Never
    command: [sh, -c, 'echo {marker} secret length ${{#VALUE}}; exec sleep 3600']
    env:
    - name: VALUE
      valueFrom: {{secretKeyRef: {{name: d2-export-secret, key: password}}}}
"#
    ));
    cluster.kubectl_ok(&[
        "-n",
        "d2-export",
        "wait",
        "--for=condition=Ready",
        "pod/logger",
        "--timeout=120s",
    ]);
    wait_for("the pod's log line", Duration::from_secs(30), || {
        let logs = cluster.kubectl_ok(&["-n", "d2-export", "logs", "logger"]);
        logs.contains(&marker).then_some(()).ok_or(logs)
    });

    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("logs");
    let printed = devk_ok(
        cluster,
        &[
            "export",
            "logs",
            out_dir.to_str().unwrap(),
            "--name",
            CLUSTER,
        ],
    );
    assert_eq!(
        printed,
        out_dir.display().to_string(),
        "the path is printed"
    );
    let files = files_under(&out_dir);
    let file = |rel: &str| -> Vec<u8> {
        std::fs::read(out_dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    };

    // Content: journals, network state, pod logs, objects, events.
    for node in nodes() {
        let kubelet = file(&format!("{node}/journal/kubelet.log"));
        assert!(
            contains(&kubelet, &node),
            "{node}'s kubelet journal names it"
        );
        assert!(
            out_dir
                .join(format!("{node}/network/nft-ruleset.txt"))
                .is_file()
        );
        for f in [
            "network/ip-addr.txt",
            "network/ip-route.txt",
            "network/iptables-save.txt",
            "containerd/images.txt",
            "journal/containerd.log",
            "journal/all.log",
            "inspect.json",
            "devk/node.json",
        ] {
            assert!(
                !file(&format!("{node}/{f}")).is_empty(),
                "{node}/{f} is empty"
            );
        }
    }
    let cp = &nodes()[0];
    for unit in ["etcd", "kube-apiserver", "kube-scheduler", "coredns"] {
        assert!(
            !file(&format!("{cp}/journal/{unit}.log")).is_empty(),
            "{unit} journal"
        );
    }
    assert!(
        files
            .iter()
            .any(|(path, body)| path.to_string_lossy().contains("/pods/")
                && path.to_string_lossy().contains("logger")
                && contains(body, &marker)),
        "the logger pod's log is exported"
    );
    let events = file("cluster/events.txt");
    assert!(contains(&events, "pod/logger"), "events of the pod");
    assert!(contains(&file("cluster/pods.txt"), "logger"));
    assert!(contains(
        &file("cluster/resources/d2-export/pods.yaml"),
        "name: logger"
    ));
    let secrets = file("cluster/secrets.txt");
    assert!(
        contains(&secrets, "d2-export d2-export-secret"),
        "listed by name"
    );
    assert!(contains(&file("cluster/version.json"), "gitVersion"));

    // Absence: no Secret value (plain or base64), no key, no token.
    use base64::Engine as _;
    let secret_b64 = base64::engine::general_purpose::STANDARD.encode(&secret_value);
    let jwt = regex::bytes::Regex::new(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.").unwrap();
    assert!(files.len() > 50, "only {} files", files.len());
    for (path, body) in &files {
        let p = path.display();
        assert!(
            !contains(body, &secret_value),
            "{p} holds the Secret's value"
        );
        assert!(
            !contains(body, &secret_b64),
            "{p} holds the Secret's value (base64)"
        );
        assert!(!contains(body, "PRIVATE KEY"), "{p} holds a private key");
        assert!(!jwt.is_match(body), "{p} holds a JWT");
        assert!(
            !contains(body, "client-key-data"),
            "{p} holds a kubeconfig's key"
        );
    }

    // --archive: one readable .tar.gz.
    let archive_dir = dir.path().join("bundle");
    let printed = devk_ok(
        cluster,
        &[
            "export",
            "logs",
            archive_dir.to_str().unwrap(),
            "--name",
            CLUSTER,
            "--archive",
        ],
    );
    let archive = dir.path().join("bundle.tar.gz");
    assert_eq!(printed, archive.display().to_string());
    assert!(!archive_dir.exists(), "no directory besides the archive");
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(&archive).unwrap());
    let mut tar = tar::Archive::new(gz);
    let names: Vec<String> = tar
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    assert!(names.contains(&"bundle/devk.json".to_string()), "{names:?}");
    assert!(names.contains(&format!("bundle/{cp}/journal/kubelet.log")));
}

/// kubectl on the host: the team's, or one copied out of a node.
fn host_kubectl(dir: &Path) -> PathBuf {
    let team = Path::new(DEFAULT_KUBE_BINARIES).join("kubectl");
    if team.is_file() {
        return team;
    }
    let copy = dir.join("kubectl");
    docker_ok(&[
        "cp",
        &format!("{}:/usr/local/bin/kubectl", nodes()[0]),
        copy.to_str().unwrap(),
    ]);
    copy
}

#[test]
fn kubeconfig_works_from_the_host_and_the_cluster_network() {
    let test = "kubeconfig_works_from_the_host_and_the_cluster_network";
    let Some(cluster) = shared(test) else {
        return;
    };
    let _flag = FailureFlag;
    let _use = reader();
    let dir = tempfile::tempdir().unwrap();
    let kubectl = host_kubectl(dir.path());
    let node_names = |kubeconfig: &Path| {
        let out = Command::new(&kubectl)
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args(["get", "nodes", "-o", "name"])
            .output()
            .unwrap();
        assert!(out.status.success(), "kubectl: {}", text(&out));
        stdout(&out).lines().count()
    };

    // Printed, for the host.
    let printed = devk_ok(cluster, &["kubeconfig", "--name", CLUSTER]);
    assert!(printed.contains("server: https://127.0.0.1:"), "{printed}");
    let file = dir.path().join("printed.kubeconfig");
    std::fs::write(&file, &printed).unwrap();
    assert_eq!(node_names(&file), 3);

    // --internal, from inside a worker on the cluster network.
    let internal = devk_ok(cluster, &["kubeconfig", "--name", CLUSTER, "--internal"]);
    assert!(!internal.contains("127.0.0.1"), "{internal}");
    let worker = &nodes()[1];
    let mut child = Command::new("docker")
        .args([
            "exec",
            "-i",
            worker,
            "sh",
            "-c",
            "cat > /tmp/internal.kubeconfig",
        ])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(internal.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    let listed = docker_ok(&[
        "exec",
        worker,
        "kubectl",
        "--kubeconfig",
        "/tmp/internal.kubeconfig",
        "get",
        "nodes",
        "-o",
        "name",
    ]);
    assert_eq!(listed.lines().count(), 3, "{listed}");

    // Merged into a kubeconfig again, context current.
    let merged = dir.path().join("merged.kubeconfig");
    std::fs::write(
        &merged,
        "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\ncurrent-context: other\n",
    )
    .unwrap();
    devk_ok(
        cluster,
        &[
            "export",
            "kubeconfig",
            "--name",
            CLUSTER,
            "--kubeconfig",
            merged.to_str().unwrap(),
        ],
    );
    let out = Command::new(&kubectl)
        .arg("--kubeconfig")
        .arg(&merged)
        .args(["config", "current-context"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), format!("devk-{CLUSTER}"));
    assert_eq!(node_names(&merged), 3);
}

/// GET a URL with `wget` (the command that runs it given), run in a
/// container, or why not.
fn fetch_in(container: &str, wget: &[&str], url: &str) -> Result<String, String> {
    let mut args = vec!["exec", container];
    args.extend_from_slice(wget);
    args.extend_from_slice(&["-q", "-O", "-", url]);
    let out = docker(&args);
    if out.status.success() {
        Ok(stdout(&out))
    } else {
        Err(text(&out))
    }
}

/// wget on a node: busybox's, under a timeout.
const NODE_WGET: &[&str] = &["timeout", "5", "busybox", "wget"];

fn pod_ip(cluster: &TestCluster, pod: &str) -> Result<String, String> {
    let out = cluster.kubectl(&[
        "-n",
        "d2-restart",
        "get",
        "pod",
        pod,
        "-o",
        "jsonpath={.status.podIP}",
    ]);
    let ip = stdout(&out);
    if out.status.success() && !ip.is_empty() {
        Ok(ip)
    } else {
        Err(text(&out))
    }
}

/// Pods ready, the Service answering, and worker -> worker2 pod traffic.
fn assert_workloads_answer(cluster: &TestCluster, when: &str, timeout: Duration) {
    let cp = nodes()[0].clone();
    let service_ip = cluster.kubectl_ok(&[
        "-n",
        "d2-restart",
        "get",
        "service",
        "web",
        "-o",
        "jsonpath={.spec.clusterIP}",
    ]);
    wait_for(&format!("{when}: the Service answering"), timeout, || {
        let body = fetch_in(&cp, NODE_WGET, &format!("http://{service_ip}:8080/"))?;
        body.contains("devk test app").then_some(()).ok_or(body)
    });
    wait_for(
        &format!("{when}: every pod Running and Ready"),
        timeout,
        || {
            let states = cluster.kubectl_ok(&[
            "-n",
            "d2-restart",
            "get",
            "pods",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.status.phase}/{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}",
        ]);
            let bad: Vec<&str> = states
                .lines()
                .filter(|l| !l.ends_with("=Running/True"))
                .collect();
            (bad.is_empty() && states.lines().count() == 4)
                .then_some(())
                .ok_or(states.clone())
        },
    );
    wait_for(
        &format!("{when}: worker pod -> worker2 pod by IP"),
        timeout,
        || {
            let ip = pod_ip(cluster, "server")?;
            // The app image's wget crashes on its own -T: timeout instead.
            let in_client = [
                "kubectl",
                "--kubeconfig",
                "/etc/kubernetes/admin.conf",
                "-n",
                "d2-restart",
                "exec",
                "client",
                "--",
                "timeout",
                "5",
                "wget",
            ];
            let body = fetch_in(&cp, &in_client, &format!("http://{ip}:8080/"))?;
            body.contains("devk test app").then_some(()).ok_or(body)
        },
    );
}

#[test]
fn stop_start_and_engine_restarts_keep_the_cluster_working() {
    let test = "stop_start_and_engine_restarts_keep_the_cluster_working";
    let Some(cluster) = shared(test) else {
        return;
    };
    let _flag = FailureFlag;
    let _alone = writer();
    namespace(cluster, "d2-restart");
    cluster.apply(&format!(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: d2-restart}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - {{name: app, image: {APP_IMAGE}, imagePullPolicy: Never}}
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: d2-restart}}
spec:
  selector: {{app: web}}
  ports: [{{port: 8080}}]
---
apiVersion: v1
kind: Pod
metadata: {{name: server, namespace: d2-restart}}
spec:
  nodeName: {CLUSTER}-worker2
  containers:
  - {{name: app, image: {APP_IMAGE}, imagePullPolicy: Never}}
---
apiVersion: v1
kind: Pod
metadata: {{name: client, namespace: d2-restart}}
spec:
  nodeName: {CLUSTER}-worker
  containers:
  - {{name: app, image: {APP_IMAGE}, imagePullPolicy: Never, command: [sleep, "3600"]}}
"#
    ));
    cluster.kubectl_ok(&[
        "-n",
        "d2-restart",
        "rollout",
        "status",
        "deployment/web",
        "--timeout=120s",
    ]);
    assert_workloads_answer(cluster, "before stopping", Duration::from_secs(120));

    // devk stop: every container stopped, devk list says so.
    devk_ok(cluster, &["stop", "--name", CLUSTER]);
    let list: serde_json::Value =
        serde_json::from_str(&devk_ok(cluster, &["list", "-o", "json"])).unwrap();
    let state = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == CLUSTER)
        .map(|c| c["state"].clone());
    assert_eq!(state, Some(serde_json::json!("Stopped")));
    for node in nodes() {
        assert_eq!(
            docker_ok(&["inspect", "-f", "{{.State.Status}}", &node]),
            "exited"
        );
    }

    // Loading into a stopped cluster names a node and says how to start it.
    let out = cluster.devk(&["load", "image", APP_IMAGE, "--name", CLUSTER]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("is not running") && err.contains("devk start --name d2-e2e"),
        "{err}"
    );

    // devk start waits until the cluster is usable: workloads come back.
    devk_ok(cluster, &["start", "--name", CLUSTER]);
    let ready = cluster.kubectl_ok(&[
        "get",
        "nodes",
        "-o",
        "jsonpath={.items[*].status.conditions[?(@.type==\"Ready\")].status}",
    ]);
    assert_eq!(ready, "True True True");
    assert_workloads_answer(cluster, "after devk start", Duration::from_secs(180));

    // The engine restarts every node behind devk's back.
    let mut restart = vec!["restart", "-t", "15"];
    let names = nodes();
    restart.extend(names.iter().map(String::as_str));
    docker_ok(&restart);
    wait_for(
        "the API after docker restart",
        Duration::from_secs(120),
        || {
            let out = cluster.kubectl(&["get", "--raw", "/readyz"]);
            out.status.success().then_some(()).ok_or_else(|| text(&out))
        },
    );
    assert_workloads_answer(cluster, "after docker restart", Duration::from_secs(240));
    wait_for(
        "every node Ready after docker restart",
        Duration::from_secs(60),
        || {
            let ready = cluster.kubectl_ok(&[
                "get",
                "nodes",
                "-o",
                "jsonpath={.items[*].status.conditions[?(@.type==\"Ready\")].status}",
            ]);
            (ready == "True True True").then_some(()).ok_or(ready)
        },
    );
}
