//! Several control planes behind devk's balancer: losing one keeps the API
//! serving reads and writes; started again, it rejoins and serves what was
//! written meanwhile.

use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn losing_a_control_plane_keeps_the_api_serving_and_it_rejoins() {
    let test = "losing_a_control_plane_keeps_the_api_serving_and_it_rejoins";
    let Some(image) = real_node_image(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ha.yaml");
    std::fs::write(
        &config,
        "apiVersion: devk.dev/v1alpha1\nkind: Cluster\nname: e2e-ha\nnodes:\n\
         - role: control-plane\n- role: control-plane\n- role: control-plane\n- role: worker\n",
    )
    .unwrap();
    let cluster = TestCluster::create("e2e-ha", &image, &["--config", config.to_str().unwrap()]);
    let balancer = "e2e-ha-external-load-balancer";
    assert_eq!(
        docker_ok(&["inspect", "--format", "{{.State.Status}}", balancer]),
        "running"
    );
    // The kubeconfig points at the balancer's published port.
    let port = docker_ok(&[
        "inspect",
        "--format",
        "{{(index (index .NetworkSettings.Ports \"6443/tcp\") 0).HostPort}}",
        balancer,
    ]);
    let kubeconfig = std::fs::read_to_string(&cluster.kubeconfig).unwrap();
    assert!(
        kubeconfig.contains(&format!("https://127.0.0.1:{port}")),
        "{kubeconfig}"
    );

    // kubectl on the host side goes through the balancer: run it in the
    // worker with the admin kubeconfig's cluster endpoint (the balancer).
    let via_balancer = |args: &[&str]| {
        let mut full = vec![
            "exec",
            "e2e-ha-worker",
            "kubectl",
            "--kubeconfig",
            "/etc/kubernetes/kubelet.conf",
        ];
        full.extend_from_slice(args);
        docker(&full)
    };
    let admin_via_balancer = |args: &[&str]| {
        // The second control plane's admin.conf also names the balancer.
        let mut full = vec![
            "exec",
            "e2e-ha-control-plane2",
            "kubectl",
            "--kubeconfig",
            "/etc/kubernetes/admin.conf",
        ];
        full.extend_from_slice(args);
        docker(&full)
    };
    assert!(via_balancer(&["get", "--raw", "/readyz"]).status.success());

    docker_ok(&["stop", "e2e-ha-control-plane"]);
    // Reads and writes keep working through the balancer.
    let started = Instant::now();
    loop {
        let out = admin_via_balancer(&[
            "create",
            "configmap",
            "written-during-outage",
            "--from-literal=k=v",
        ]);
        if out.status.success() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "writes failed: {}",
            text(&out)
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let nodes = admin_via_balancer(&["get", "nodes", "-o", "name"]);
    assert!(nodes.status.success(), "{}", text(&nodes));
    assert_eq!(String::from_utf8_lossy(&nodes.stdout).lines().count(), 4);

    docker_ok(&["start", "e2e-ha-control-plane"]);
    // Its own API server (talking to its own etcd member) serves the write.
    let started = Instant::now();
    loop {
        let out = docker(&[
            "exec",
            "e2e-ha-control-plane",
            "kubectl",
            "--kubeconfig",
            "/etc/kubernetes/admin.conf",
            "--server",
            "https://127.0.0.1:6443",
            "get",
            "configmap",
            "written-during-outage",
            "-o",
            "jsonpath={.data.k}",
        ]);
        if out.status.success() && String::from_utf8_lossy(&out.stdout) == "v" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the member did not rejoin: {}",
            text(&out)
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}
