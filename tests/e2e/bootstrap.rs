//! A cluster works as a user expects right after `devk create`: nodes
//! Ready, workloads spread, pod-to-pod traffic across nodes, Services by
//! DNS name, NodePorts from the host, volumes, Jobs, logs and exec; it comes
//! back after every node restarts; delete removes its kubeconfig entry.

use std::time::{Duration, Instant};

use crate::support::*;

const APP: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels: {app: web}
      containers:
        - name: web
          image: devk-test/app:1
          imagePullPolicy: Never
          ports: [{containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /, port: 8080}
            periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 8080
      nodePort: 30080
"#;

const VOLUME_AND_JOB: &str = r#"
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 10Mi}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: writer
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: writer
          image: devk-test/app:1
          imagePullPolicy: Never
          command: [sh, -c, "echo persisted > /data/file && cat /data/file && nslookup web.default.svc.cluster.local && wget -qO- http://web"]
          volumeMounts: [{name: data, mountPath: /data}]
      volumes:
        - name: data
          persistentVolumeClaim: {claimName: data}
"#;

fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(
            started.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn pod_ips(cluster: &TestCluster) -> Vec<(String, String, String)> {
    let out = cluster.kubectl_ok(&[
        "get",
        "pods",
        "-l",
        "app=web",
        "-o",
        "jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName} {.status.podIP}{\"\\n\"}{end}",
    ]);
    out.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3).then(|| (f[0].to_string(), f[1].to_string(), f[2].to_string()))
        })
        .collect()
}

/// Everything a user does in the first minutes, on one cluster.
fn exercise(cluster: &TestCluster, host_port: u16, nodes: usize) {
    // Every node Ready, control planes labelled.
    let ready = cluster.kubectl_ok(&[
        "get",
        "nodes",
        "-o",
        "jsonpath={range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}",
    ]);
    assert_eq!(
        ready.lines().filter(|l| *l == "True").count(),
        nodes,
        "{ready}"
    );
    let cps = cluster.kubectl_ok(&[
        "get",
        "nodes",
        "-l",
        "node-role.kubernetes.io/control-plane",
        "-o",
        "name",
    ]);
    assert_eq!(cps.lines().count(), 1);
    // Each node got its planned pod range.
    let cidrs = cluster.kubectl_ok(&["get", "nodes", "-o", "jsonpath={.items[*].spec.podCIDR}"]);
    assert_eq!(cidrs.split_whitespace().count(), nodes, "{cidrs}");

    cluster.load_image(APP_IMAGE);
    cluster.apply(APP);
    cluster.kubectl_ok(&["rollout", "status", "deployment/web", "--timeout=180s"]);

    let pods = pod_ips(cluster);
    assert_eq!(pods.len(), 3);
    if nodes > 1 {
        // Spread over the workers; the tainted control plane runs none.
        let mut on: Vec<&str> = pods.iter().map(|p| p.1.as_str()).collect();
        on.sort();
        on.dedup();
        assert!(on.len() >= 2, "pods all on {on:?}");
        assert!(!on.iter().any(|n| n.ends_with("control-plane")), "{on:?}");
    }

    // Pod to pod, across nodes where there are several.
    let (from, from_node, _) = &pods[0];
    let target = pods.iter().find(|p| p.1 != *from_node).unwrap_or(&pods[1]);
    let body = cluster.kubectl_ok(&[
        "exec",
        from,
        "--",
        "wget",
        "-qO-",
        &format!("http://{}:8080/", target.2),
    ]);
    assert_eq!(body, "devk test app");

    // kubectl logs (busybox httpd -v logs each request as `...: response:200`) and exec.
    wait_until(
        "the request in the target pod's log",
        Duration::from_secs(30),
        || {
            cluster
                .kubectl(&["logs", &target.0])
                .stdout
                .windows(12)
                .any(|w| w == b"response:200")
        },
    );
    assert_eq!(
        cluster.kubectl_ok(&["exec", from, "--", "echo", "exec works"]),
        "exec works"
    );

    // A volume from the default StorageClass, DNS and the Service from a Job.
    cluster.apply(VOLUME_AND_JOB);
    cluster.kubectl_ok(&[
        "wait",
        "--for=condition=complete",
        "job/writer",
        "--timeout=180s",
    ]);
    assert_eq!(
        cluster.kubectl_ok(&["get", "pvc", "data", "-o", "jsonpath={.status.phase}"]),
        "Bound"
    );
    let job_log = cluster.kubectl_ok(&["logs", "job/writer"]);
    assert!(job_log.contains("persisted"), "{job_log}");
    assert!(job_log.contains("devk test app"), "{job_log}");

    // The NodePort from the host, through the extraPortMapping.
    let url = format!("http://127.0.0.1:{host_port}/");
    let mut last = String::new();
    wait_until(
        "the NodePort to answer from the host",
        Duration::from_secs(30),
        || {
            last = http_get(&url).unwrap_or_else(|e| e);
            last.contains("devk test app")
        },
    );
}

/// A tiny HTTP/1.0 GET, to keep the tests free of an HTTP client.
fn http_get(url: &str) -> Result<String, String> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").ok_or("not http")?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = std::net::TcpStream::connect(host).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    write!(stream, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut body = String::new();
    stream
        .read_to_string(&mut body)
        .map_err(|e| e.to_string())?;
    Ok(body)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn config_file(dir: &std::path::Path, name: &str, workers: usize, port: u16) -> String {
    let mapping = format!(
        "    extraPortMappings:\n      - containerPort: 30080\n        hostPort: {port}\n        listenAddress: 127.0.0.1\n"
    );
    let mut nodes = String::from("  - role: control-plane\n");
    if workers == 0 {
        nodes.push_str(&mapping);
    }
    for i in 0..workers {
        nodes.push_str("  - role: worker\n");
        if i == 0 {
            nodes.push_str(&mapping);
        }
    }
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(
        &path,
        format!("apiVersion: devk.dev/v1alpha1\nkind: Cluster\nname: {name}\nnodes:\n{nodes}"),
    )
    .unwrap();
    path.display().to_string()
}

/// After `docker restart` of every node, with no devk running, the cluster
/// comes back Ready with its pods running and traffic flowing.
fn restart_every_node(cluster: &TestCluster, nodes: &[String]) {
    let mut args = vec!["restart"];
    args.extend(nodes.iter().map(String::as_str));
    docker_ok(&args);
    wait_until(
        "the API after the restart",
        Duration::from_secs(120),
        || {
            cluster
                .kubectl(&["get", "--raw", "/readyz"])
                .status
                .success()
        },
    );
    wait_until(
        "every node Ready after the restart",
        Duration::from_secs(180),
        || {
            let out = cluster.kubectl(&[
            "get",
            "nodes",
            "-o",
            "jsonpath={range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}",
        ]);
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            out.status.success()
                && text.lines().count() == nodes.len()
                && text.lines().all(|l| l == "True")
        },
    );
    wait_until(
        "the Deployment's pods running again",
        Duration::from_secs(180),
        || {
            // The Deployment's status can still show the pods from before the
            // restart; ask the pods themselves.
            let out = cluster.kubectl(&[
                "get",
                "pods",
                "-l",
                "app=web",
                "-o",
                "jsonpath={range .items[*]}{.status.podIP} {.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}",
            ]);
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            let ready = text
                .lines()
                .filter(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    f.len() == 2 && f[1] == "True"
                })
                .count();
            out.status.success() && ready == 3 && pod_ips(cluster).len() == 3
        },
    );
    // Traffic across nodes again (routes are re-applied by each node at
    // boot). Pods may get new addresses as they restart: ask each time.
    wait_until(
        "pod-to-pod traffic after the restart",
        Duration::from_secs(90),
        || {
            let pods = pod_ips(cluster);
            if pods.len() < 2 {
                return false;
            }
            let (from, from_node, _) = &pods[0];
            let target = pods.iter().find(|p| p.1 != *from_node).unwrap_or(&pods[1]);
            cluster
                .kubectl(&[
                    "exec",
                    from,
                    "--",
                    // busybox 1.35's `wget -T` crashes; bound it with `timeout`.
                    "timeout",
                    "5",
                    "wget",
                    "-qO-",
                    &format!("http://{}:8080/", target.2),
                ])
                .status
                .success()
        },
    );
}

fn kubeconfig_has(cluster: &TestCluster, context: &str) -> bool {
    std::fs::read_to_string(&cluster.kubeconfig)
        .map(|t| t.contains(context))
        .unwrap_or(false)
}

#[test]
fn one_node_cluster_does_everything_a_user_needs() {
    let test = "one_node_cluster_does_everything_a_user_needs";
    let Some(image) = real_node_image(test) else {
        return;
    };
    if app_image(test).is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = config_file(dir.path(), "e2e-one", 0, port);
    let cluster = TestCluster::create("e2e-one", &image, &["--config", &config]);
    assert!(kubeconfig_has(&cluster, "devk-e2e-one"));
    exercise(&cluster, port, 1);
    restart_every_node(&cluster, &[cluster.control_plane()]);

    let out = cluster.devk(&["delete", "--name", "e2e-one"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        !kubeconfig_has(&cluster, "devk-e2e-one"),
        "the kubeconfig entry survived delete"
    );
    assert_eq!(leftovers("e2e-one"), Vec::<String>::new());
}

#[test]
fn three_node_cluster_spreads_work_and_survives_restarts() {
    let test = "three_node_cluster_spreads_work_and_survives_restarts";
    let Some(image) = real_node_image(test) else {
        return;
    };
    if app_image(test).is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = config_file(dir.path(), "e2e-three", 2, port);
    let cluster = TestCluster::create("e2e-three", &image, &["--config", &config]);
    exercise(&cluster, port, 3);
    let nodes: Vec<String> = ["control-plane", "worker", "worker2"]
        .iter()
        .map(|n| format!("e2e-three-{n}"))
        .collect();
    restart_every_node(&cluster, &nodes);
}
