//! Measured on one 1+2 cluster: `devk load image` of a ~50 MB image into 3
//! nodes, cold and warm; `devk test`'s delay between a rollout completing
//! and devk noticing, and the overhead of a test with nothing to roll out.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use devk::cluster;
use devk::engine::Engine;
use devk::testing::runner::{self, RunOptions, Silent};
use devk::ui::Ui;
use tokio_util::sync::CancellationToken;

use super::stats::Samples;

pub const LOAD_IMAGE: &str = "devk-bench/load:50mb";

#[derive(Default)]
pub struct ExtraResults {
    pub load_cold: Samples,
    pub load_warm: Samples,
    pub load_bytes: u64,
    pub report_delay: Samples,
    pub empty_test: Samples,
}

/// A ~50 MB image: the test app plus 50 MB of random data (incompressible,
/// like real layers).
pub async fn ensure_load_image(engine: &Engine) -> Result<(), String> {
    if engine
        .image(LOAD_IMAGE)
        .await
        .map_err(|e| e.to_string())?
        .is_some()
    {
        return Ok(());
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut data = vec![0u8; 50 * 1024 * 1024];
    rand::fill(&mut data[..]);
    std::fs::write(dir.path().join("blob"), &data).map_err(|e| e.to_string())?;
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM devk-test/app:1\nCOPY blob /blob\n",
    )
    .map_err(|e| e.to_string())?;
    let status = std::process::Command::new("docker")
        .args(["build", "-q", "-t", LOAD_IMAGE])
        .arg(dir.path())
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .map_err(|e| e.to_string())?;
    if status.status.success() {
        Ok(())
    } else {
        Err(format!(
            "building {LOAD_IMAGE}: {}",
            String::from_utf8_lossy(&status.stderr)
        ))
    }
}

/// Remove the image from every node's containerd, so the next load is cold.
async fn unload(engine: &Engine, nodes: &[String], id: &str) -> Result<(), String> {
    for node in nodes {
        let out = engine
            .exec(
                node,
                &[
                    "ctr",
                    "-n",
                    "k8s.io",
                    "images",
                    "rm",
                    "--sync",
                    LOAD_IMAGE_REF,
                    id,
                ],
            )
            .await
            .map_err(|e| e.to_string())?;
        let _ = out;
    }
    Ok(())
}

/// How containerd names the image: docker.io/ is implied for short names.
const LOAD_IMAGE_REF: &str = "docker.io/devk-bench/load:50mb";

pub async fn run(
    engine: &Engine,
    image: &str,
    runs: usize,
    results: &mut ExtraResults,
) -> Result<(), String> {
    ensure_load_image(engine).await?;
    let info = engine
        .require_image(LOAD_IMAGE)
        .await
        .map_err(|e| e.to_string())?;
    results.load_bytes = info.size_bytes;
    let name = "bench-extras";
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let kubeconfig = dir.path().join("kubeconfig");
    let _ = cluster::delete(engine, name, Some(&kubeconfig)).await;
    let report = super::cluster_runs::create(engine, name, 2, image, &kubeconfig).await?;
    let nodes: Vec<String> = report.plan.nodes.iter().map(|n| n.name.clone()).collect();

    let outcome = async {
        let silent = Ui::silent();
        let images = vec![LOAD_IMAGE.to_string()];
        for _ in 0..runs {
            unload(engine, &nodes, &info.id).await?;
            let started = Instant::now();
            devk::images::load_images(engine, name, &images, None, &silent)
                .await
                .map_err(|e| e.to_string())?;
            results.load_cold.push(started.elapsed().as_secs_f64());
            let started = Instant::now();
            devk::images::load_images(engine, name, &images, None, &silent)
                .await
                .map_err(|e| e.to_string())?;
            results.load_warm.push(started.elapsed().as_secs_f64());
        }

        devk::images::load_images(
            engine,
            name,
            &["devk-test/app:1".to_string()],
            None,
            &silent,
        )
        .await
        .map_err(|e| e.to_string())?;
        let client = devk::kube::from_user_kubeconfig(Some(&kubeconfig), None)
            .await
            .map_err(|e| e.to_string())?;
        let applier = devk::kube::Applier::new(client);
        let suites = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("bench/suites");
        let rollout =
            runner::prepare(&[suites.join("rollout")], None).map_err(|e| e.to_string())?;
        let empty = runner::prepare(&[suites.join("empty")], None).map_err(|e| e.to_string())?;
        let options = RunOptions {
            parallel: Some(1),
            timeout: Some(Duration::from_secs(120)),
            keep: false,
        };
        for _ in 0..runs {
            let out = runner::run(
                &applier,
                &rollout,
                &options,
                &Silent,
                &CancellationToken::new(),
            )
            .await;
            if out.result.counts().failed > 0 {
                return Err("the rollout suite failed".to_string());
            }
            for d in out.report_delays() {
                results.report_delay.push(d);
            }
            let started = Instant::now();
            let out = runner::run(
                &applier,
                &empty,
                &options,
                &Silent,
                &CancellationToken::new(),
            )
            .await;
            if out.result.counts().failed > 0 {
                return Err("the empty suite failed".to_string());
            }
            results.empty_test.push(started.elapsed().as_secs_f64());
        }
        Ok::<(), String>(())
    }
    .await;
    cluster::delete(engine, name, Some(&kubeconfig))
        .await
        .map_err(|e| e.to_string())?;
    outcome
}
