//! `devk load image` and `devk load archive`: check every target node at
//! once, tag where the image is there under another name, and stream the
//! image once from the engine (or the file) into every node that lacks it.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::archive_file::{self, ArchiveImage};
use super::fanout::{ByteStream, fan_out};
use super::node_store::{self, NodeAction, Wanted};
use super::{ImagesError, reference};
use crate::cluster::ExistingCluster;
use crate::engine::{Engine, EngineError, ExecStdin};
use crate::ui::Ui;

/// What loading did on one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The image was streamed in.
    Loaded,
    /// The image was there under another name; the name was added.
    Retagged,
    /// The image was there with its name.
    Skipped,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeReport {
    pub node: String,
    pub outcome: Outcome,
    /// From the start of this source's load to this node's end.
    #[serde(serialize_with = "secs")]
    pub duration: Duration,
}

/// One source: an engine image, or an archive file with its images.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceReport {
    /// The image reference or the file path.
    pub source: String,
    /// The images' IDs.
    pub ids: Vec<String>,
    /// Bytes read from the engine or the file (0 when no node needed them).
    pub bytes_streamed: u64,
    pub nodes: Vec<NodeReport>,
    #[serde(serialize_with = "secs")]
    pub duration: Duration,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadReport {
    pub cluster: String,
    pub sources: Vec<SourceReport>,
    #[serde(serialize_with = "secs")]
    pub total: Duration,
}

impl LoadReport {
    /// How many (source, node) pairs had this outcome.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.sources
            .iter()
            .flat_map(|s| &s.nodes)
            .filter(|n| n.outcome == outcome)
            .count()
    }
}

impl SourceReport {
    fn summary(&self) -> String {
        let count = |o| self.nodes.iter().filter(|n| n.outcome == o).count();
        let mut parts = Vec::new();
        for (o, word) in [
            (Outcome::Loaded, "loaded"),
            (Outcome::Retagged, "retagged"),
            (Outcome::Skipped, "already there"),
        ] {
            let n = count(o);
            if n > 0 {
                parts.push(format!("{word} {n}"));
            }
        }
        format!("({})", parts.join(", "))
    }
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Where the bytes come from.
enum Source {
    Engine(String),
    File(PathBuf),
}

impl Source {
    async fn open(&self, engine: &Engine) -> Result<ByteStream, ImagesError> {
        match self {
            Source::Engine(reference) => Ok(Box::pin(engine.export_image(reference))),
            Source::File(path) => {
                let file = tokio::fs::File::open(path)
                    .await
                    .map_err(|e| ImagesError::Archive {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    })?;
                Ok(Box::pin(tokio_util::io::ReaderStream::with_capacity(
                    file,
                    256 << 10,
                )))
            }
        }
    }
}

/// Load engine images into every node of `cluster` (or those named in
/// `nodes`, with or without the `<cluster>-` prefix). Every image and node
/// is checked before anything is loaded.
pub async fn load_images(
    engine: &Engine,
    cluster: &str,
    images: &[String],
    nodes: Option<&[String]>,
    ui: &Ui,
) -> Result<LoadReport, ImagesError> {
    let started = Instant::now();
    let found = ExistingCluster::find(engine, cluster).await?;
    let targets = select_nodes(&found, nodes)?;
    let mut resolved = Vec::new();
    for image in images {
        let parsed = reference::parse(image).map_err(|message| ImagesError::Reference {
            reference: image.clone(),
            message,
        })?;
        let info =
            engine
                .image(&parsed.docker)
                .await?
                .ok_or_else(|| ImagesError::ImageMissing {
                    image: image.clone(),
                })?;
        resolved.push((image.clone(), parsed, info));
    }
    let mut sources = Vec::new();
    for (image, parsed, info) in resolved {
        let wanted = vec![Wanted {
            id: info.id.clone(),
            names: vec![parsed.containerd.clone()],
        }];
        let report = load_source(
            engine,
            ui,
            cluster,
            &targets,
            &image,
            &wanted,
            Source::Engine(parsed.docker),
        )
        .await?;
        sources.push(report);
    }
    Ok(LoadReport {
        cluster: cluster.to_string(),
        sources,
        total: started.elapsed(),
    })
}

/// Load the images of an archive file (`docker save`, OCI layout tar).
pub async fn load_archive(
    engine: &Engine,
    cluster: &str,
    path: &Path,
    nodes: Option<&[String]>,
    ui: &Ui,
) -> Result<LoadReport, ImagesError> {
    let started = Instant::now();
    let found = ExistingCluster::find(engine, cluster).await?;
    let targets = select_nodes(&found, nodes)?;
    let owned = path.to_path_buf();
    let images: Vec<ArchiveImage> =
        tokio::task::spawn_blocking(move || archive_file::images_in_file(&owned))
            .await
            .map_err(|e| ImagesError::Archive {
                path: path.display().to_string(),
                message: e.to_string(),
            })??;
    let wanted: Vec<Wanted> = images.iter().map(|i| i.wanted.clone()).collect();
    let label = format!(
        "{} ({})",
        path.display(),
        images
            .iter()
            .map(|i| i.display.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let report = load_source(
        engine,
        ui,
        cluster,
        &targets,
        &label,
        &wanted,
        Source::File(path.to_path_buf()),
    )
    .await?;
    Ok(LoadReport {
        cluster: cluster.to_string(),
        sources: vec![report],
        total: started.elapsed(),
    })
}

/// The nodes to load into: all, or the named ones; each must be running.
pub fn select_nodes(
    cluster: &ExistingCluster,
    wanted: Option<&[String]>,
) -> Result<Vec<String>, ImagesError> {
    let mut selected: Vec<&crate::cluster::NodeInfo> = Vec::new();
    match wanted {
        None => selected.extend(cluster.nodes.iter()),
        Some(names) => {
            for name in names {
                let prefixed = format!("{}-{name}", cluster.name);
                let node = cluster
                    .node(name)
                    .or_else(|| cluster.node(&prefixed))
                    .ok_or_else(|| ImagesError::UnknownNode {
                        node: name.clone(),
                        cluster: cluster.name.clone(),
                        known: cluster.nodes.iter().map(|n| n.name.clone()).collect(),
                    })?;
                if !selected.iter().any(|s| s.name == node.name) {
                    selected.push(node);
                }
            }
        }
    }
    if let Some(stopped) = selected.iter().find(|n| !ExistingCluster::is_running(n)) {
        return Err(ImagesError::NodeNotRunning {
            node: stopped.name.clone(),
            cluster: cluster.name.clone(),
        });
    }
    Ok(selected.into_iter().map(|n| n.name.clone()).collect())
}

/// A node's plan for a source: import it all, or tag what is missing.
#[derive(Debug, PartialEq)]
enum NodePlan {
    Import,
    Tags(Vec<(String, Vec<String>)>),
}

fn plan_node(actions: Vec<NodeAction>) -> NodePlan {
    let mut tags = Vec::new();
    for action in actions {
        match action {
            NodeAction::Import => return NodePlan::Import,
            NodeAction::Retag { source, names } => tags.push((source, names)),
            NodeAction::Skip => {}
        }
    }
    NodePlan::Tags(tags)
}

fn not_running(cluster_of: &str) -> impl Fn(EngineError) -> ImagesError + '_ {
    move |e| match e {
        EngineError::NotRunning { name } => ImagesError::NodeNotRunning {
            node: name,
            cluster: cluster_of.to_string(),
        },
        other => other.into(),
    }
}

/// What one node gets: the stream, or tags.
enum Work {
    Import(ByteStream),
    Tags(Vec<(String, Vec<String>)>),
}

async fn load_source(
    engine: &Engine,
    ui: &Ui,
    cluster: &str,
    targets: &[String],
    label: &str,
    wanted: &[Wanted],
    source: Source,
) -> Result<SourceReport, ImagesError> {
    let started = Instant::now();
    let on_node = not_running(cluster);
    let mut step = ui.step(format!(
        "Loading {label} into {} node{}",
        targets.len(),
        if targets.len() == 1 { "" } else { "s" }
    ));

    // 1. What each node holds.
    let listings = futures::future::try_join_all(targets.iter().map(|node| {
        let on_node = &on_node;
        async move {
            let out = engine
                .exec(node, &node_store::list_command())
                .await
                .map_err(on_node)?;
            if !out.success() {
                return Err(ImagesError::Import {
                    node: node.clone(),
                    image: label.to_string(),
                    message: format!("listing its images: {}", out.stderr_str().trim()),
                });
            }
            Ok(node_store::parse_images_ls(&out.stdout_str()))
        }
    }))
    .await?;
    let plans: Vec<NodePlan> = listings
        .iter()
        .map(|store| {
            plan_node(
                wanted
                    .iter()
                    .map(|w| node_store::decide(store, w))
                    .collect(),
            )
        })
        .collect();

    // 2. Tags where the content is there, imports where it is not, at once.
    let importers = plans.iter().filter(|p| **p == NodePlan::Import).count();
    let (streams, counter) = if importers == 0 {
        (Vec::new(), Default::default())
    } else {
        fan_out(source.open(engine).await?, importers)
    };
    let mut streams = streams.into_iter();
    let mut jobs = Vec::new();
    for (node, plan) in targets.iter().zip(plans) {
        let work = match plan {
            NodePlan::Tags(tags) => Work::Tags(tags),
            // fan_out made exactly one stream per importing node.
            NodePlan::Import => match streams.next() {
                Some(stream) => Work::Import(stream),
                None => {
                    return Err(ImagesError::Import {
                        node: node.clone(),
                        image: label.to_string(),
                        message: "no stream was prepared for it".to_string(),
                    });
                }
            },
        };
        jobs.push((node, work));
    }
    let work = jobs.into_iter().map(|(node, work)| {
        let on_node = &on_node;
        async move {
            let outcome = match work {
                Work::Import(stream) => {
                    import(engine, node, label, stream, on_node).await?;
                    Outcome::Loaded
                }
                Work::Tags(tags) if tags.is_empty() => Outcome::Skipped,
                Work::Tags(tags) => {
                    for (source, names) in &tags {
                        retag(engine, node, label, source, names, on_node).await?;
                    }
                    Outcome::Retagged
                }
            };
            Ok::<_, ImagesError>(NodeReport {
                node: node.clone(),
                outcome,
                duration: started.elapsed(),
            })
        }
    });
    let all = futures::future::try_join_all(work);
    tokio::pin!(all);
    let nodes = loop {
        tokio::select! {
            done = &mut all => break done?,
            _ = tokio::time::sleep(Duration::from_millis(250)) => {
                let mb = counter.load(Ordering::Relaxed) as f64 / 1e6;
                step.set_message(format!("Loading {label}: {mb:.0} MB streamed"));
            }
        }
    };
    let report = SourceReport {
        source: label.to_string(),
        ids: wanted.iter().map(|w| w.id.clone()).collect(),
        bytes_streamed: counter.load(Ordering::Relaxed),
        nodes,
        duration: started.elapsed(),
    };
    step.set_message(format!("Loading {label}"));
    step.done_with(&report.summary());
    Ok(report)
}

async fn import(
    engine: &Engine,
    node: &str,
    label: &str,
    stream: ByteStream,
    on_node: &impl Fn(EngineError) -> ImagesError,
) -> Result<(), ImagesError> {
    let out = engine
        .exec_with_stdin(
            node,
            &node_store::import_command(),
            ExecStdin::Stream(stream),
        )
        .await
        .map_err(on_node)?;
    if out.success() {
        return Ok(());
    }
    Err(ImagesError::Import {
        node: node.to_string(),
        image: label.to_string(),
        message: last_lines(&out.stderr_str(), 5),
    })
}

async fn retag(
    engine: &Engine,
    node: &str,
    label: &str,
    source: &str,
    names: &[String],
    on_node: &impl Fn(EngineError) -> ImagesError,
) -> Result<(), ImagesError> {
    let cmd = node_store::tag_command(source, names);
    let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
    let out = engine.exec(node, &args).await.map_err(on_node)?;
    if out.success() {
        return Ok(());
    }
    Err(ImagesError::Import {
        node: node.to_string(),
        image: label.to_string(),
        message: format!("tagging {source}: {}", last_lines(&out.stderr_str(), 5)),
    })
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.trim().lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::NodeInfo;
    use crate::engine::ContainerState;

    fn cluster(states: &[(&str, ContainerState)]) -> ExistingCluster {
        ExistingCluster::from_containers(
            "dev",
            states
                .iter()
                .map(|(name, state)| NodeInfo {
                    name: name.to_string(),
                    cluster: "dev".to_string(),
                    role: if name.contains("control-plane") {
                        "control-plane"
                    } else {
                        "worker"
                    }
                    .to_string(),
                    state: *state,
                    ip: None,
                    image: "img".to_string(),
                })
                .collect(),
        )
        .unwrap()
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn nodes_are_selected_by_full_or_short_name() {
        use ContainerState::*;
        let c = cluster(&[
            ("dev-control-plane", Running),
            ("dev-worker", Running),
            ("dev-worker2", Running),
        ]);
        assert_eq!(select_nodes(&c, None).unwrap().len(), 3);
        assert_eq!(
            select_nodes(&c, Some(&names(&["worker2", "dev-worker", "worker"]))).unwrap(),
            names(&["dev-worker2", "dev-worker"])
        );
    }

    #[test]
    fn unknown_and_stopped_nodes_are_named() {
        use ContainerState::*;
        let c = cluster(&[("dev-control-plane", Running), ("dev-worker", Exited)]);
        match select_nodes(&c, Some(&names(&["worker9"]))).unwrap_err() {
            ImagesError::UnknownNode { node, known, .. } => {
                assert_eq!(node, "worker9");
                assert_eq!(known, names(&["dev-control-plane", "dev-worker"]));
            }
            other => panic!("{other}"),
        }
        match select_nodes(&c, None).unwrap_err() {
            ImagesError::NodeNotRunning { node, .. } => assert_eq!(node, "dev-worker"),
            other => panic!("{other}"),
        }
        // Only the selected nodes must run.
        assert!(select_nodes(&c, Some(&names(&["control-plane"]))).is_ok());
    }

    #[test]
    fn one_image_to_import_imports_the_whole_source() {
        let retag = NodeAction::Retag {
            source: "sha256:a".into(),
            names: names(&["x:1"]),
        };
        assert_eq!(
            plan_node(vec![NodeAction::Skip, retag.clone(), NodeAction::Import]),
            NodePlan::Import
        );
        assert_eq!(
            plan_node(vec![NodeAction::Skip, retag]),
            NodePlan::Tags(vec![("sha256:a".into(), names(&["x:1"]))])
        );
        assert_eq!(
            plan_node(vec![NodeAction::Skip, NodeAction::Skip]),
            NodePlan::Tags(vec![])
        );
    }

    #[test]
    fn the_summary_counts_outcomes() {
        let node = |outcome| NodeReport {
            node: "n".into(),
            outcome,
            duration: Duration::ZERO,
        };
        let report = SourceReport {
            source: "s".into(),
            ids: vec![],
            bytes_streamed: 0,
            nodes: vec![
                node(Outcome::Loaded),
                node(Outcome::Skipped),
                node(Outcome::Loaded),
            ],
            duration: Duration::ZERO,
        };
        assert_eq!(report.summary(), "(loaded 2, already there 1)");
    }
}
