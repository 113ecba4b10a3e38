//! Another tool measured in the same run, for ratios: kind, when it is
//! installed and given a node image for the same Kubernetes version.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use super::stats::Samples;
use super::workload;

#[derive(Default)]
pub struct PeerResults {
    pub create_returns: Samples,
    pub deployment: Samples,
    pub service: Samples,
    pub delete: Samples,
}

/// Why the peer cannot be measured here, if it cannot.
pub fn unavailable(peer: &str, image: Option<&str>) -> Option<String> {
    if peer != "kind" {
        return Some(format!("unknown peer {peer:?}: only kind is supported"));
    }
    if image.is_none() {
        return Some(
            "--peer-image is needed: a kind node image of the same Kubernetes version".into(),
        );
    }
    match Command::new("kind").arg("version").output() {
        Ok(o) if o.status.success() => None,
        _ => Some("kind is not installed (not on PATH)".into()),
    }
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).to_string())
    }
}

pub async fn run_once(
    image: &str,
    workers: usize,
    run_index: usize,
    results: &mut PeerResults,
) -> Result<(), String> {
    let name = format!("bench-peer-{}n-{run_index}", workers + 1);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let kubeconfig = dir.path().join("kubeconfig");
    let config = dir.path().join("kind.yaml");
    let mut nodes = String::from("- role: control-plane\n");
    for _ in 0..workers {
        nodes.push_str("- role: worker\n");
    }
    std::fs::write(
        &config,
        format!("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n{nodes}"),
    )
    .map_err(|e| e.to_string())?;
    let _ = run(Command::new("kind").args(["delete", "cluster", "--name", &name]));

    let started = Instant::now();
    run(Command::new("kind")
        .args([
            "create", "cluster", "--name", &name, "--image", image, "--wait", "5m",
        ])
        .arg("--config")
        .arg(&config)
        .arg("--kubeconfig")
        .arg(&kubeconfig))?;
    results.create_returns.push(started.elapsed().as_secs_f64());

    let outcome = async {
        run(Command::new("kind").args([
            "load",
            "docker-image",
            workload::APP_IMAGE,
            "--name",
            &name,
        ]))?;
        let client = devk::kube::from_user_kubeconfig(Some(Path::new(&kubeconfig)), None)
            .await
            .map_err(|e| e.to_string())?;
        let (deployment, service) = workload::run(&client, "default").await?;
        results.deployment.push(deployment);
        results.service.push(service);
        Ok::<(), String>(())
    }
    .await;
    let deleting = Instant::now();
    run(Command::new("kind").args(["delete", "cluster", "--name", &name]))?;
    results.delete.push(deleting.elapsed().as_secs_f64());
    outcome
}
