//! One export: where it goes (a directory, a new temporary one, or a
//! .tar.gz), every node and the API collected at once, a summary of what
//! was there and what was not.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use super::output::{Output, Problem};
use super::{LogsError, cluster_objects, node};
use crate::cluster::{ExistingCluster, existing};
use crate::engine::Engine;
use crate::ui::Ui;

#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// None: a new directory under the system's temporary directory.
    pub dir: Option<PathBuf>,
    /// Write one `<dir>.tar.gz` instead of a directory.
    pub archive: bool,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportReport {
    /// The directory, or the archive.
    pub path: PathBuf,
    pub files: usize,
    pub bytes: u64,
    pub problems: Vec<Problem>,
    #[serde(serialize_with = "secs")]
    pub duration: Duration,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// `20250101T120000Z`: sortable, and safe in a file name.
fn stamp() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now())
        .to_string()
        .replace(['-', ':'], "")
}

/// The archive a directory name stands for: `out` -> `out.tar.gz`.
pub fn archive_path(dir: &Path) -> PathBuf {
    let text = dir.as_os_str().to_string_lossy();
    if text.ends_with(".tar.gz") || text.ends_with(".tgz") {
        dir.to_path_buf()
    } else {
        PathBuf::from(format!("{}.tar.gz", text.trim_end_matches('/')))
    }
}

/// The top directory inside an archive: its file name without `.tar.gz`.
fn archive_top(archive: &Path) -> String {
    let name = archive
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "devk-logs".to_string());
    name.trim_end_matches(".tar.gz")
        .trim_end_matches(".tgz")
        .to_string()
}

/// An existing directory must be empty; a missing one is created.
fn prepare_dir(dir: &Path) -> Result<(), LogsError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(LogsError::NotEmpty {
                    path: dir.display().to_string(),
                });
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(LogsError::output(dir))
        }
        Err(e) => Err(LogsError::output(dir)(e)),
    }
}

pub async fn export_logs(
    engine: &Engine,
    cluster_name: &str,
    options: &ExportOptions,
    ui: &Ui,
) -> Result<ExportReport, LogsError> {
    let started = Instant::now();
    let cluster = ExistingCluster::find(engine, cluster_name).await?;
    let default_name = format!("devk-logs-{cluster_name}-{}", stamp());

    // Where files go while collecting, and where the result ends up.
    let (root, archive, _staging) = if options.archive {
        let archive = archive_path(
            &options
                .dir
                .clone()
                .unwrap_or_else(|| std::env::temp_dir().join(&default_name)),
        );
        if archive.exists() {
            return Err(LogsError::Exists {
                path: archive.display().to_string(),
            });
        }
        let staging = tempfile::Builder::new()
            .prefix("devk-logs-")
            .tempdir()
            .map_err(LogsError::output(&std::env::temp_dir()))?;
        let root = staging.path().join(archive_top(&archive));
        prepare_dir(&root)?;
        (root, Some(archive), Some(staging))
    } else {
        let root = options
            .dir
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join(&default_name));
        prepare_dir(&root)?;
        (root, None, None)
    };

    let out = Output::new(root.clone());
    let step = ui.step(format!(
        "Collecting logs of {} container{}",
        cluster.containers().count(),
        if cluster.containers().count() == 1 {
            ""
        } else {
            "s"
        }
    ));
    write_summary(engine, &cluster, &out).await;
    let nodes =
        futures::future::join_all(cluster.containers().map(|n| node::collect(engine, &out, n)));
    let objects = collect_objects(engine, &cluster, &out);
    tokio::join!(nodes, objects);
    let problems = out.problems();
    if !problems.is_empty() {
        let mut text = String::new();
        for p in &problems {
            text.push_str(&format!("{}: {}\n", p.what, p.message));
        }
        out.write_text("problems.txt", text).await;
    }
    step.done();

    let path = match archive {
        Some(archive) => {
            let step = ui.step(format!("Writing {}", archive.display()));
            let (src, dest) = (root.clone(), archive.clone());
            tokio::task::spawn_blocking(move || write_archive(&src, &dest))
                .await
                .map_err(|e| LogsError::output(&archive)(std::io::Error::other(e)))?
                .map_err(LogsError::output(&archive))?;
            step.done();
            archive
        }
        None => root,
    };
    Ok(ExportReport {
        path,
        files: out.files(),
        bytes: out.bytes(),
        problems,
        duration: started.elapsed(),
    })
}

/// `devk.json`: who exported what, when, from which engine.
async fn write_summary(engine: &Engine, cluster: &ExistingCluster, out: &Output) {
    let engine_version = engine.server_version().await.unwrap_or_default();
    let summary = serde_json::json!({
        "devk": env!("CARGO_PKG_VERSION"),
        "cluster": cluster.name,
        "exportedAt": humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        "engine": { "host": engine.host(), "version": engine_version },
        "containers": cluster.containers().collect::<Vec<_>>(),
    });
    out.write_text(
        "devk.json",
        serde_json::to_string_pretty(&summary).unwrap_or_default(),
    )
    .await;
}

async fn collect_objects(engine: &Engine, cluster: &ExistingCluster, out: &Output) {
    let running = cluster
        .primary_control_plane()
        .map(ExistingCluster::is_running)
        .unwrap_or(false);
    if !running {
        out.problem(
            "cluster objects",
            "the control plane is not running: no objects or events",
        );
        return;
    }
    match existing::admin_client(engine, cluster).await {
        Ok(client) => cluster_objects::collect(&client, out).await,
        Err(e) => out.problem("cluster objects", e.to_string()),
    }
}

/// `dest` (.tar.gz) holding `src` as its top directory.
pub fn write_archive(src: &Path, dest: &Path) -> std::io::Result<()> {
    let top = archive_top(dest);
    let partial = PathBuf::from(format!("{}.partial", dest.display()));
    let file = std::fs::File::create(&partial)?;
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut builder = tar::Builder::new(gz);
    builder.follow_symlinks(false);
    builder.append_dir_all(&top, src)?;
    builder.into_inner()?.finish()?.sync_all()?;
    // Complete or absent: never a truncated archive under the final name.
    std::fs::rename(&partial, dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names_follow_the_directory() {
        let cases = [
            ("out", "out.tar.gz", "out"),
            ("./logs/", "./logs.tar.gz", "logs"),
            ("/tmp/x.tar.gz", "/tmp/x.tar.gz", "x"),
            ("y.tgz", "y.tgz", "y"),
        ];
        for (dir, want, top) in cases {
            let got = archive_path(Path::new(dir));
            assert_eq!(got, PathBuf::from(want), "{dir}");
            assert_eq!(archive_top(&got), top, "{dir}");
        }
    }

    #[test]
    fn a_non_empty_directory_is_refused_and_a_missing_one_made() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("a/b");
        prepare_dir(&fresh).unwrap();
        assert!(fresh.is_dir());
        std::fs::write(fresh.join("f"), "x").unwrap();
        assert!(matches!(
            prepare_dir(&fresh),
            Err(LogsError::NotEmpty { .. })
        ));
    }

    #[test]
    fn the_archive_holds_the_tree_under_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(src.join("node/journal")).unwrap();
        std::fs::write(src.join("node/journal/kubelet.log"), "hello").unwrap();
        let dest = dir.path().join("out.tar.gz");
        write_archive(&src, &dest).unwrap();
        let gz = flate2::read::GzDecoder::new(std::fs::File::open(&dest).unwrap());
        let mut archive = tar::Archive::new(gz);
        let paths: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert!(
            paths.contains(&"out/node/journal/kubelet.log".to_string()),
            "{paths:?}"
        );
        assert!(!dir.path().join("out.tar.gz.partial").exists());
    }

    #[test]
    fn stamps_are_file_name_safe() {
        let s = stamp();
        assert!(
            s.ends_with('Z') && !s.contains(':') && !s.contains('-'),
            "{s}"
        );
    }
}
