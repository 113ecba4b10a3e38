//! devk's create/restart/delete figures for one cluster shape.

use std::time::{Duration, Instant};

use devk::cluster::{self, CreateOptions, CreateReport, SecurityChoice};
use devk::config::{Cluster, Node, Role};
use devk::engine::Engine;
use devk::ui::Ui;

use super::stats::Samples;
use super::workload;

#[derive(Default)]
pub struct ShapeResults {
    pub api: Samples,
    pub nodes_ready: Samples,
    pub dns: Samples,
    pub create_returns: Samples,
    pub deployment: Samples,
    pub service: Samples,
    pub restart_usable: Samples,
    pub delete: Samples,
    pub idle_memory_mib: Samples,
    pub idle_memory_per_node: Vec<(String, f64)>,
}

pub fn config(name: &str, workers: usize) -> Cluster {
    let mut c = Cluster::default_named(name);
    c.nodes
        .extend((0..workers).map(|_| Node::new(Role::Worker)));
    c
}

/// Create a bench cluster (of the library, silently), waiting until usable.
pub async fn create(
    engine: &Engine,
    name: &str,
    workers: usize,
    image: &str,
    kubeconfig: &std::path::Path,
) -> Result<CreateReport, String> {
    cluster::create(
        engine,
        &Ui::silent(),
        CreateOptions {
            config: config(name, workers),
            image: Some(image.to_string()),
            retain: false,
            wait: Duration::from_secs(300),
            kubeconfig: Some(kubeconfig.to_path_buf()),
            security: SecurityChoice::Auto,
            kubernetes: true,
            build_default_image: None,
        },
    )
    .await
    .map_err(|e| format!("create {name}: {e}"))
}

/// Seconds from the start of create to the end of the named phase.
fn until(report: &CreateReport, phase: &str) -> f64 {
    let mut total = 0.0;
    for p in &report.phases {
        total += p.duration.as_secs_f64();
        if p.name == phase {
            return total;
        }
    }
    total
}

pub struct RunOptions<'a> {
    pub image: &'a str,
    pub workers: usize,
    pub measure_memory: bool,
    pub measure_restart: bool,
}

/// One create → workload → (memory) → (restart) → delete cycle.
pub async fn run_once(
    engine: &Engine,
    opts: &RunOptions<'_>,
    results: &mut ShapeResults,
    run: usize,
) -> Result<(), String> {
    let name = format!("bench-{}n-{run}", opts.workers + 1);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let kubeconfig = dir.path().join("kubeconfig");
    let _ = cluster::delete(engine, &name, Some(&kubeconfig)).await;

    let started = Instant::now();
    let report = create(engine, &name, opts.workers, opts.image, &kubeconfig).await?;
    let created = started.elapsed().as_secs_f64();
    results.api.push(until(&report, "api"));
    results.nodes_ready.push(until(&report, "ready"));
    results.dns.push(until(&report, "dns"));
    results.create_returns.push(created);

    let outcome = async {
        let nodes: Vec<String> = report.plan.nodes.iter().map(|n| n.name.clone()).collect();
        devk::images::load_images(
            engine,
            &name,
            &[workload::APP_IMAGE.to_string()],
            None,
            &Ui::silent(),
        )
        .await
        .map_err(|e| e.to_string())?;
        let client = devk::kube::from_user_kubeconfig(Some(&kubeconfig), None)
            .await
            .map_err(|e| e.to_string())?;
        let (deployment, service) = workload::run(&client, "default").await?;
        results.deployment.push(deployment);
        results.service.push(service);

        if opts.measure_memory {
            // Idle: a minute after create, as a laptop would sit.
            tokio::time::sleep(Duration::from_secs(60)).await;
            let mut total = 0u64;
            results.idle_memory_per_node.clear();
            for n in &report.plan.nodes {
                let bytes = engine
                    .memory_usage(&n.name)
                    .await
                    .map_err(|e| e.to_string())?;
                total += bytes;
                results
                    .idle_memory_per_node
                    .push((n.name.clone(), bytes as f64 / 1048576.0));
            }
            results.idle_memory_mib.push(total as f64 / 1048576.0);
        }

        if opts.measure_restart {
            let restarted = Instant::now();
            let restarts = nodes.iter().map(|n| engine.restart_container(n, 20));
            futures::future::try_join_all(restarts)
                .await
                .map_err(|e| e.to_string())?;
            restart_usable(&client).await?;
            results
                .restart_usable
                .push(restarted.elapsed().as_secs_f64());
        }
        Ok::<(), String>(())
    }
    .await;

    if outcome.is_err() && std::env::var_os("DEVK_BENCH_KEEP_FAILED").is_some() {
        eprintln!("kept cluster {name} (kubeconfig {})", kubeconfig.display());
        std::mem::forget(dir);
        return outcome;
    }
    let deleting = Instant::now();
    cluster::delete(engine, &name, Some(&kubeconfig))
        .await
        .map_err(|e| e.to_string())?;
    results.delete.push(deleting.elapsed().as_secs_f64());
    outcome
}

/// Usable again: the API answers and a new pod reaches the Service.
async fn restart_usable(client: &kube::Client) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(300);
    while devk::kube::get_text(client, "/readyz")
        .await
        .map(|b| b.trim() != "ok")
        .unwrap_or(true)
    {
        if Instant::now() > deadline {
            return Err("the API did not come back".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    workload::probe_again(client, "default", deadline).await
}
