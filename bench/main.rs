//! devk-bench: how fast devk is, measured on this machine, over several
//! runs (median, min, max): create by phase, a first Deployment and its
//! Service, recovery after `docker restart`, idle memory, delete — for one
//! node and for one control plane with two workers. With `--peer kind
//! --peer-image IMAGE` the same workload is measured for kind in the same
//! run, alternating, and the ratios printed.
//!
//!     cargo run --release --bin devk-bench -- --runs 3 --json bench.json

mod cluster_runs;
mod extras;
mod peer;
mod stats;
mod workload;

use std::collections::BTreeMap;

use clap::Parser;
use serde::Serialize;

use cluster_runs::{RunOptions, ShapeResults};
use devk::engine::Engine;
use stats::{Samples, Summary};

#[derive(Debug, Parser)]
#[command(name = "devk-bench", about = "Measure devk on this machine")]
struct Args {
    /// Runs per cluster shape.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Cluster shapes, as worker counts (0 = one node, 2 = 1+2).
    #[arg(long, value_delimiter = ',', default_value = "0,2")]
    workers: Vec<usize>,
    /// The devk node image (default: devk's default image, which must exist).
    #[arg(long)]
    image: Option<String>,
    /// Skip the one-minute idle memory measurement.
    #[arg(long)]
    skip_memory: bool,
    /// Skip the restart recovery measurement.
    #[arg(long)]
    skip_restart: bool,
    /// Skip image loading and test-runner figures.
    #[arg(long)]
    skip_extras: bool,
    /// Measure another tool too (kind).
    #[arg(long)]
    peer: Option<String>,
    /// The peer's node image for the same Kubernetes version.
    #[arg(long)]
    peer_image: Option<String>,
    /// Write the results as JSON to this file.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
}

#[derive(Serialize)]
struct Machine {
    cores: usize,
    memory_gib: f64,
    engine: String,
    cgroup: String,
    kubernetes: String,
    image: String,
}

#[derive(Serialize)]
struct Metric {
    shape: String,
    metric: String,
    unit: String,
    devk: Option<Summary>,
    samples: Vec<f64>,
    peer: Option<Summary>,
    /// devk median / peer median (below 1: devk is faster or smaller).
    ratio: Option<f64>,
}

#[derive(Serialize)]
struct Report {
    machine: Machine,
    peer: Option<String>,
    peer_unavailable: Option<String>,
    metrics: Vec<Metric>,
    idle_memory_per_node_mib: BTreeMap<String, f64>,
}

fn memory_gib() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| {
                    l.split_whitespace()
                        .nth(1)
                        .and_then(|k| k.parse::<f64>().ok())
                })
        })
        .map(|kib| kib / 1048576.0)
        .unwrap_or(0.0)
}

fn shape_name(workers: usize) -> String {
    if workers == 0 {
        "1 node".into()
    } else {
        format!("1+{workers} nodes")
    }
}

fn metric(shape: &str, name: &str, unit: &str, devk: &Samples, peer: Option<&Samples>) -> Metric {
    let devk_summary = devk.summary();
    let peer_summary = peer.and_then(|p| p.summary());
    let ratio = match (&devk_summary, &peer_summary) {
        (Some(d), Some(p)) if p.median > 0.0 => Some(d.median / p.median),
        _ => None,
    };
    Metric {
        shape: shape.into(),
        metric: name.into(),
        unit: unit.into(),
        devk: devk_summary,
        samples: devk.values.clone(),
        peer: peer_summary,
        ratio,
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    devk::tls::ensure_crypto_provider();
    let args = Args::parse();
    match run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("devk-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let engine = Engine::connect().await.map_err(|e| e.to_string())?;
    let image = args
        .image
        .clone()
        .unwrap_or_else(devk::cluster::default_image_name);
    let contents = devk::nodeimage::image_contents(&engine, &image)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!("node image {image} is missing: build it with `devk build node-image`")
        })?;
    if engine
        .image(workload::APP_IMAGE)
        .await
        .map_err(|e| e.to_string())?
        .is_none()
    {
        return Err(format!(
            "{} is missing: run test-images/build-app-image.sh",
            workload::APP_IMAGE
        ));
    }
    let machine = Machine {
        cores: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        memory_gib: memory_gib(),
        engine: engine.server_version().await.map_err(|e| e.to_string())?,
        cgroup: engine.cgroup_version().await.map_err(|e| e.to_string())?,
        kubernetes: contents.kubernetes.clone(),
        image: image.clone(),
    };
    let peer_unavailable = args
        .peer
        .as_deref()
        .and_then(|p| peer::unavailable(p, args.peer_image.as_deref()));
    if let Some(why) = &peer_unavailable {
        eprintln!("peer not measured: {why}; measuring devk alone");
    }
    let use_peer = args.peer.is_some() && peer_unavailable.is_none();

    let mut metrics = Vec::new();
    let mut per_node = BTreeMap::new();
    for &workers in &args.workers {
        let shape = shape_name(workers);
        let mut results = ShapeResults::default();
        let mut peer_results = peer::PeerResults::default();
        for run in 0..args.runs {
            let last = run + 1 == args.runs;
            eprintln!("{shape}: devk run {}/{}", run + 1, args.runs);
            cluster_runs::run_once(
                &engine,
                &RunOptions {
                    image: &image,
                    workers,
                    measure_memory: last && !args.skip_memory,
                    measure_restart: !args.skip_restart,
                },
                &mut results,
                run,
            )
            .await?;
            if use_peer && let Some(peer_image) = &args.peer_image {
                eprintln!("{shape}: peer run {}/{}", run + 1, args.runs);
                peer::run_once(peer_image, workers, run, &mut peer_results).await?;
            }
        }
        let p = |s: &Samples| if use_peer { Some(s.clone()) } else { None };
        metrics.push(metric(&shape, "API answering", "s", &results.api, None));
        metrics.push(metric(
            &shape,
            "all nodes Ready",
            "s",
            &results.nodes_ready,
            None,
        ));
        metrics.push(metric(&shape, "DNS answering", "s", &results.dns, None));
        metrics.push(metric(
            &shape,
            "create returns (usable)",
            "s",
            &results.create_returns,
            p(&peer_results.create_returns).as_ref(),
        ));
        metrics.push(metric(
            &shape,
            "first Deployment available (after create)",
            "s",
            &results.deployment,
            p(&peer_results.deployment).as_ref(),
        ));
        metrics.push(metric(
            &shape,
            "its Service reached from a pod (after create)",
            "s",
            &results.service,
            p(&peer_results.service).as_ref(),
        ));
        metrics.push(metric(
            &shape,
            "usable again after docker restart",
            "s",
            &results.restart_usable,
            None,
        ));
        metrics.push(metric(
            &shape,
            "idle memory, all nodes (1 min after create)",
            "MiB",
            &results.idle_memory_mib,
            None,
        ));
        metrics.push(metric(
            &shape,
            "delete",
            "s",
            &results.delete,
            p(&peer_results.delete).as_ref(),
        ));
        for (node, mib) in results.idle_memory_per_node {
            per_node.insert(node, mib);
        }
    }

    if !args.skip_extras {
        eprintln!("1+2 nodes: image load and devk test figures");
        let mut extra = extras::ExtraResults::default();
        extras::run(&engine, &image, args.runs, &mut extra).await?;
        let mb = extra.load_bytes as f64 / 1e6;
        let shape = "1+2 nodes";
        metrics.push(metric(
            shape,
            &format!("devk load image ({mb:.0} MB) into 3 nodes, cold"),
            "s",
            &extra.load_cold,
            None,
        ));
        metrics.push(metric(
            shape,
            &format!("devk load image ({mb:.0} MB) into 3 nodes, warm"),
            "s",
            &extra.load_warm,
            None,
        ));
        metrics.push(metric(
            shape,
            "devk test: rollout complete (API) -> noticed",
            "s",
            &extra.report_delay,
            None,
        ));
        metrics.push(metric(
            shape,
            "devk test: a test with nothing to roll out",
            "s",
            &extra.empty_test,
            None,
        ));
    }

    let report = Report {
        machine,
        peer: args.peer.clone(),
        peer_unavailable,
        metrics,
        idle_memory_per_node_mib: per_node,
    };
    print_table(&report);
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn print_table(report: &Report) {
    let m = &report.machine;
    println!(
        "devk-bench: {} cores, {:.1} GiB, engine {}, cgroup v{}, Kubernetes {} ({})",
        m.cores, m.memory_gib, m.engine, m.cgroup, m.kubernetes, m.image
    );
    if let Some(why) = &report.peer_unavailable {
        println!("peer: not measured ({why})");
    }
    println!(
        "{:<10} {:<46} {:>8} {:>18} {:>10} {:>7}",
        "shape", "metric", "median", "min-max", "peer", "ratio"
    );
    for x in &report.metrics {
        let Some(d) = &x.devk else { continue };
        let fmt = |v: f64| {
            if x.unit == "MiB" {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        };
        println!(
            "{:<10} {:<46} {:>6}{:<2} {:>18} {:>10} {:>7}",
            x.shape,
            x.metric,
            fmt(d.median),
            if x.unit == "s" { "s" } else { "M" },
            format!("{}-{} (n={})", fmt(d.min), fmt(d.max), d.runs),
            x.peer
                .as_ref()
                .map(|p| fmt(p.median))
                .unwrap_or_else(|| "-".into()),
            x.ratio
                .map(|r| format!("{r:.2}"))
                .unwrap_or_else(|| "-".into()),
        );
    }
}
