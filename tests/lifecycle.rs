//! Cluster lifecycle on the real engine, without Kubernetes: node
//! containers from the stand-in node image, booting systemd and containerd,
//! with their network, addresses, labels, ports and mounts; delete leaves
//! nothing; an interrupted create leaves nothing.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use support::*;

fn inspect(container: &str, format: &str) -> String {
    docker_ok(&["inspect", "--format", format, container])
}

#[test]
fn one_node_cluster_is_created_and_deleted_without_a_trace() {
    let Some(image) = standin_node_image("one_node_cluster_is_created_and_deleted_without_a_trace")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let name = "lc-one";
    let _guard = DeleteOnDrop::new(name, &kubeconfig);
    let out = devk(
        &[
            "create",
            "--name",
            name,
            "--image",
            &image,
            "--no-kubernetes",
        ],
        &kubeconfig,
    );
    assert!(out.status.success(), "{}", text(&out));

    let node = "lc-one-control-plane";
    assert_eq!(inspect(node, "{{.State.Status}}"), "running");
    assert_eq!(
        inspect(node, "{{index .Config.Labels \"dev.devk.cluster\"}}"),
        name
    );
    assert_eq!(
        inspect(node, "{{index .Config.Labels \"dev.devk.role\"}}"),
        "control-plane"
    );
    assert_eq!(inspect(node, "{{.Config.Hostname}}"), node);
    assert_eq!(
        inspect(node, "{{.HostConfig.RestartPolicy.Name}}"),
        "unless-stopped"
    );
    // The API server's port is published on 127.0.0.1.
    let binding = inspect(
        node,
        "{{json (index .HostConfig.PortBindings \"6443/tcp\")}}",
    );
    assert!(binding.contains("\"HostIp\":\"127.0.0.1\""), "{binding}");
    // A static address on the cluster's own network.
    let ip = inspect(
        node,
        "{{(index .NetworkSettings.Networks \"devk-lc-one\").IPAMConfig.IPv4Address}}",
    );
    assert!(ip.starts_with("172.30."), "{ip}");
    // systemd booted, and the container runtime with it.
    let state = docker(&["exec", node, "systemctl", "is-system-running"]);
    let state = String::from_utf8_lossy(&state.stdout).trim().to_string();
    assert!(state == "running" || state == "degraded", "{state}");
    docker_ok(&["exec", node, "systemctl", "is-active", "containerd"]);
    // Kubernetes units did not start: devk wrote none of their files.
    let api = docker(&["exec", node, "systemctl", "is-active", "kube-apiserver"]);
    assert!(!api.status.success());
    // /var is an anonymous volume, removed with the node.
    let volume = inspect(
        node,
        "{{range .Mounts}}{{if eq .Destination \"/var\"}}{{.Name}}{{end}}{{end}}",
    );
    assert!(!volume.is_empty());

    let list = devk(&["list", "-o", "json"], &kubeconfig);
    let clusters: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert!(
        clusters
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == name && c["state"] == "Running")
    );

    let out = devk(&["delete", "--name", name], &kubeconfig);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(leftovers(name), Vec::<String>::new());
    assert!(
        !docker(&["volume", "inspect", &volume]).status.success(),
        "volume {volume} leaked"
    );

    // Deleting again says so and succeeds.
    let again = devk(&["delete", "--name", name], &kubeconfig);
    assert!(again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("does not exist"),
        "{}",
        text(&again)
    );
}

#[test]
fn multi_node_cluster_gets_addresses_ports_and_mounts_and_keeps_its_ip_across_restart() {
    let Some(image) = standin_node_image("multi_node_cluster_gets_addresses_ports_and_mounts")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::write(shared.join("hello.txt"), "from the host").unwrap();
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = format!(
        r#"apiVersion: devk.dev/v1alpha1
kind: Cluster
name: lc-multi
nodes:
  - role: control-plane
  - role: worker
    labels:
      tier: frontend
    extraPortMappings:
      - containerPort: 30080
        hostPort: {free}
        listenAddress: 127.0.0.1
    extraMounts:
      - hostPath: {shared}
        containerPath: /shared
        readOnly: true
  - role: worker
"#,
        shared = shared.display()
    );
    let config_path = dir.path().join("cluster.yaml");
    std::fs::write(&config_path, config).unwrap();
    let _guard = DeleteOnDrop::new("lc-multi", &kubeconfig);
    let out = devk(
        &[
            "create",
            "--config",
            config_path.to_str().unwrap(),
            "--image",
            &image,
            "--no-kubernetes",
        ],
        &kubeconfig,
    );
    assert!(out.status.success(), "{}", text(&out));

    let nodes = devk(
        &["get", "nodes", "--name", "lc-multi", "-o", "json"],
        &kubeconfig,
    );
    let nodes: serde_json::Value = serde_json::from_slice(&nodes.stdout).unwrap();
    let names: Vec<&str> = nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "lc-multi-control-plane",
            "lc-multi-worker",
            "lc-multi-worker2"
        ]
    );
    let ips: Vec<&str> = nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["ip"].as_str().unwrap())
        .collect();
    let mut unique = ips.clone();
    unique.dedup();
    assert_eq!(unique.len(), 3, "{ips:?}");
    assert_eq!(
        nodes
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["role"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["control-plane", "worker", "worker"]
    );

    // The worker publishes its mapping; only the control plane publishes 6443.
    let ports = inspect("lc-multi-worker", "{{json .HostConfig.PortBindings}}");
    assert!(
        ports.contains(&format!("\"HostPort\":\"{free}\"")),
        "{ports}"
    );
    assert!(!ports.contains("6443"), "{ports}");
    // The mount is there, read-only.
    assert_eq!(
        docker_ok(&["exec", "lc-multi-worker", "cat", "/shared/hello.txt"]),
        "from the host"
    );
    assert!(
        !docker(&["exec", "lc-multi-worker", "touch", "/shared/x"])
            .status
            .success()
    );
    // Nodes reach each other on the cluster network.
    docker_ok(&[
        "exec",
        "lc-multi-worker",
        "busybox",
        "ping",
        "-c",
        "1",
        "-W",
        "2",
        ips[2],
    ]);

    // docker restart keeps the address.
    let before = ips[1].to_string();
    docker_ok(&["restart", "lc-multi-worker"]);
    let after = inspect(
        "lc-multi-worker",
        "{{(index .NetworkSettings.Networks \"devk-lc-multi\").IPAddress}}",
    );
    assert_eq!(before, after);

    let out = devk(&["delete", "--name", "lc-multi"], &kubeconfig);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(leftovers("lc-multi"), Vec::<String>::new());
}

#[test]
fn an_interrupted_create_leaves_nothing() {
    let Some(image) = standin_node_image("an_interrupted_create_leaves_nothing") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let name = "lc-interrupt";
    let _guard = DeleteOnDrop::new(name, &kubeconfig);
    let config = dir.path().join("c.yaml");
    std::fs::write(
        &config,
        format!("apiVersion: devk.dev/v1alpha1\nkind: Cluster\nname: {name}\nnodes:\n- role: control-plane\n- role: worker\n"),
    )
    .unwrap();
    let mut child = Command::new(devk_bin())
        .args([
            "create",
            "--config",
            config.to_str().unwrap(),
            "--image",
            &image,
            "--no-kubernetes",
        ])
        .env("KUBECONFIG", &kubeconfig)
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once the containers exist, while the nodes boot.
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push(line.clone());
        if line.contains("Preparing nodes") {
            break;
        }
    }
    assert!(
        !leftovers(name).is_empty(),
        "nothing was created before the interrupt: {seen:?}"
    );
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{seen:?} {rest:?}");
    assert_eq!(leftovers(name), Vec::<String>::new(), "{rest:?}");
}

#[test]
fn a_taken_name_fails_before_touching_anything() {
    let Some(image) = standin_node_image("a_taken_name_fails_before_touching_anything") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let name = "lc-taken";
    let _guard = DeleteOnDrop::new(name, &kubeconfig);
    let out = devk(
        &[
            "create",
            "--name",
            name,
            "--image",
            &image,
            "--no-kubernetes",
        ],
        &kubeconfig,
    );
    assert!(out.status.success(), "{}", text(&out));
    let id_before = inspect("lc-taken-control-plane", "{{.Id}}");
    let again = devk(
        &[
            "create",
            "--name",
            name,
            "--image",
            &image,
            "--no-kubernetes",
        ],
        &kubeconfig,
    );
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains("cluster lc-taken already exists"),
        "{stderr}"
    );
    assert!(stderr.contains("devk delete --name lc-taken"), "{stderr}");
    assert_eq!(inspect("lc-taken-control-plane", "{{.Id}}"), id_before);
    assert_eq!(
        inspect("lc-taken-control-plane", "{{.State.Status}}"),
        "running"
    );
    devk(&["delete", "--name", name], &kubeconfig);
    assert_eq!(leftovers(name), Vec::<String>::new());
}

#[test]
fn an_invalid_config_names_the_field_and_creates_nothing() {
    if !docker_available() {
        skip(
            "an_invalid_config_names_the_field_and_creates_nothing",
            "no container engine reachable",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.yaml");
    std::fs::write(
        &config,
        "apiVersion: devk.dev/v1alpha1\nkind: Cluster\nname: lc-bad\nnodes:\n- role: worker\n  extraPortMappings:\n  - containerPort: 80\n    hostPort: 99999\n",
    )
    .unwrap();
    let out = devk(
        &["create", "--config", config.to_str().unwrap()],
        &dir.path().join("kc"),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.yaml"), "{stderr}");
    assert!(
        stderr.contains("nodes[0].extraPortMappings[0].hostPort"),
        "{stderr}"
    );
    assert!(stderr.contains("control-plane"), "{stderr}");
    assert_eq!(leftovers("lc-bad"), Vec::<String>::new());
}

#[test]
fn an_unreachable_engine_is_one_clear_line() {
    let out = Command::new(devk_bin())
        .args(["list"])
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(
            "error: cannot reach the container engine at unix:///nonexistent/docker.sock"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("hint:"), "{stderr}");
}

#[test]
fn privileged_nodes_where_the_engine_refuses_them_fail_cleanly() {
    let test = "privileged_nodes_where_the_engine_refuses_them_fail_cleanly";
    let Some(image) = standin_node_image(test) else {
        return;
    };
    // Only meaningful where the engine cannot start privileged containers.
    let probe = docker(&[
        "run",
        "--rm",
        "--privileged",
        "--entrypoint",
        "/bin/true",
        &image,
    ]);
    if probe.status.success() {
        skip(
            test,
            "this engine grants --privileged; the auto mode uses it",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let name = "lc-priv";
    let _guard = DeleteOnDrop::new(name, &kubeconfig);
    let out = devk(
        &[
            "create",
            "--name",
            name,
            "--image",
            &image,
            "--no-kubernetes",
            "--node-security",
            "privileged",
        ],
        &kubeconfig,
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("starting nodes"), "{stderr}");
    assert_eq!(leftovers(name), Vec::<String>::new());
    // And auto picks the restricted mode, which boots.
    let out = devk(
        &[
            "create",
            "--name",
            name,
            "--image",
            &image,
            "--no-kubernetes",
        ],
        &kubeconfig,
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        inspect("lc-priv-control-plane", "{{.HostConfig.Privileged}}"),
        "false"
    );
    assert!(
        inspect("lc-priv-control-plane", "{{json .HostConfig.CapDrop}}").contains("SYS_RESOURCE")
    );
    devk(&["delete", "--name", name], &kubeconfig);
}
