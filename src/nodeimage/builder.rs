//! `devk build node-image`, as named steps: resolve the binaries, make sure
//! the base image is there, compile the pause program, gather the images to
//! import at boot, build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::binaries::{BinarySet, inspect_dir};
use super::context::{pause_context, write_node_context};
use super::image_archive::{merge_archives, single_binary_image};
use super::release::{ReleaseSource, artifacts, fetch_release};
use super::versions::{ImageContents, KubeVersion, pairing_for};
use super::{NodeImageError, PAUSE_IMAGE};
use crate::engine::{BuildContext, BuildRequest, ContainerSpec, Engine, labels};
use crate::ui::Ui;

/// Where the Kubernetes binaries come from.
#[derive(Clone, Debug, PartialEq)]
pub enum BinarySource {
    /// A directory with fixed names (the offline path).
    Directory(PathBuf),
    /// Official releases of a version, from upstream or a mirror.
    Release {
        version: KubeVersion,
        source: ReleaseSource,
    },
}

#[derive(Clone, Debug)]
pub struct BuildOptions {
    pub binaries: BinarySource,
    pub base_image: String,
    /// Where the pause program is compiled (a base with gcc, or one that
    /// can install it).
    pub toolchain_image: String,
    /// The result's name; None: `devk/node:<kubernetes version>`.
    pub image: Option<String>,
    /// Host images baked into the node's containerd store.
    pub preload: Vec<String>,
    /// Downloads and the compiled pause program are cached here.
    pub cache_dir: PathBuf,
}

#[derive(Clone, Debug)]
pub struct BuiltImage {
    pub image: String,
    pub contents: ImageContents,
    pub size_bytes: u64,
    pub elapsed: Duration,
}

/// The default node image name for a version.
pub fn default_image_name(version: &KubeVersion) -> String {
    format!("devk/node:{version}")
}

pub async fn build_node_image(
    engine: &Engine,
    ui: &Ui,
    opts: &BuildOptions,
) -> Result<BuiltImage, NodeImageError> {
    let started = Instant::now();

    let step = ui.step("Resolving Kubernetes binaries");
    let (binaries, source_kind) = resolve_binaries(ui, opts).await?;
    step.done_with(&format!(
        "({} from {})",
        binaries.kubernetes,
        binaries.dir.display()
    ));
    let pairing = pairing_for(&binaries.kubernetes).ok();
    let image = opts
        .image
        .clone()
        .unwrap_or_else(|| default_image_name(&binaries.kubernetes));

    let step = ui.step(format!("Preparing base image {}", opts.base_image));
    ensure_image(engine, ui, &opts.base_image).await?;
    if opts.toolchain_image != opts.base_image {
        ensure_image(engine, ui, &opts.toolchain_image).await?;
    }
    step.done();

    let step = ui.step("Compiling the pause program");
    let pause = pause_binary(engine, ui, opts).await?;
    step.done();

    let step = ui.step("Gathering images to preload");
    let mut archives = vec![
        single_binary_image(PAUSE_IMAGE, "pause", &pause)
            .map_err(NodeImageError::io("pause image"))?,
    ];
    for reference in &opts.preload {
        engine.require_image(reference).await?;
        let saved = collect(engine.export_image(reference))
            .await
            .map_err(NodeImageError::io(reference.as_str()))?;
        archives.push(saved);
    }
    let images_archive = merge_archives(&archives).map_err(NodeImageError::io("images archive"))?;
    step.done();

    let contents = ImageContents {
        kubernetes: binaries.kubernetes.to_string(),
        etcd: binaries.etcd.clone(),
        coredns: binaries.coredns.clone(),
        pause: pairing
            .map(|p| p.pause.to_string())
            .unwrap_or_else(|| "3.10.2".to_string()),
        source: source_kind.to_string(),
        devk: env!("CARGO_PKG_VERSION").to_string(),
    };
    let metadata =
        serde_json::to_vec_pretty(&contents).map_err(|e| NodeImageError::Build(e.to_string()))?;

    let step = ui.step(format!("Building {image}"));
    let scratch = tempfile::Builder::new()
        .prefix("devk-node-context")
        .tempdir()
        .map_err(NodeImageError::io(std::env::temp_dir()))?;
    let context_path = scratch.path().join("context.tar");
    write_node_context(&context_path, &binaries, &images_archive, &metadata)?;
    let image_labels = BTreeMap::from([
        (
            labels::IMAGE_KUBERNETES_VERSION.to_string(),
            contents.kubernetes.clone(),
        ),
        (
            labels::IMAGE_CONTENTS.to_string(),
            serde_json::to_string(&contents).unwrap_or_default(),
        ),
    ]);
    engine
        .build_image(
            BuildRequest {
                tag: &image,
                context: BuildContext::File(context_path),
                target: "flat",
                build_args: build_args(opts),
                labels: image_labels,
            },
            |line| ui.detail(line),
        )
        .await?;
    step.done();

    let info = engine.require_image(&image).await?;
    Ok(BuiltImage {
        image,
        contents,
        size_bytes: info.size_bytes,
        elapsed: started.elapsed(),
    })
}

fn build_args(opts: &BuildOptions) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("BASE_IMAGE".to_string(), opts.base_image.clone()),
        ("TOOLCHAIN_IMAGE".to_string(), opts.toolchain_image.clone()),
    ])
}

async fn resolve_binaries(
    ui: &Ui,
    opts: &BuildOptions,
) -> Result<(BinarySet, &'static str), NodeImageError> {
    match &opts.binaries {
        BinarySource::Directory(dir) => Ok((inspect_dir(dir).await?, "directory")),
        BinarySource::Release { version, source } => {
            let pairing = pairing_for(version).map_err(NodeImageError::UnknownVersion)?;
            let cache = opts.cache_dir.join("releases").join(version.to_string());
            let bin_dir = cache.join("bin");
            fetch_release(
                ui,
                &artifacts(source, version, pairing),
                &cache.join("downloads"),
                &bin_dir,
            )
            .await?;
            let set = inspect_dir(&bin_dir).await?;
            if &set.kubernetes != version {
                return Err(NodeImageError::Binary {
                    path: bin_dir.join("kube-apiserver"),
                    message: format!("reports {} but {version} was downloaded", set.kubernetes),
                });
            }
            Ok((set, "release"))
        }
    }
}

/// Pull an image the engine lacks (with a line saying so).
async fn ensure_image(engine: &Engine, ui: &Ui, reference: &str) -> Result<(), NodeImageError> {
    if engine.image(reference).await?.is_some() {
        return Ok(());
    }
    ui.info(format!("pulling {reference}"));
    engine.pull_image(reference, |line| ui.detail(line)).await?;
    Ok(())
}

/// The pause program, compiled in the toolchain image once per source and
/// toolchain, then cached.
async fn pause_binary(
    engine: &Engine,
    ui: &Ui,
    opts: &BuildOptions,
) -> Result<Vec<u8>, NodeImageError> {
    let toolchain = engine.require_image(&opts.toolchain_image).await?;
    let source = super::context::NODE_IMAGE_FILES
        .iter()
        .find(|(p, _, _)| *p == "build/pause.c")
        .map(|(_, d, _)| *d)
        .unwrap_or_default();
    let key = {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(source);
        h.update(toolchain.id.as_bytes());
        hex::encode(h.finalize())[..16].to_string()
    };
    let cached = opts.cache_dir.join("pause").join(format!("pause-{key}"));
    if let Ok(bytes) = std::fs::read(&cached) {
        return Ok(bytes);
    }

    let tag = format!("devk-build/pause:{key}");
    let context = pause_context().map_err(NodeImageError::io("pause build context"))?;
    engine
        .build_image(
            BuildRequest {
                tag: &tag,
                context: BuildContext::Bytes(context),
                target: "pause",
                build_args: build_args(opts),
                labels: BTreeMap::new(),
            },
            |line| ui.detail(line),
        )
        .await?;
    let container = format!("devk-build-pause-{key}");
    engine.remove_container(&container).await?;
    engine
        .create_container(&ContainerSpec {
            name: container.clone(),
            hostname: "pause".to_string(),
            image: tag.clone(),
            network: "none".to_string(),
            entrypoint: Some(vec!["/pause".to_string()]),
            ..Default::default()
        })
        .await?;
    let read = engine.read_file(&container, "/pause").await;
    engine.remove_container(&container).await?;
    engine.remove_image(&tag).await?;
    let bytes = read?;
    write_cache(&cached, &bytes)?;
    Ok(bytes)
}

fn write_cache(path: &Path, bytes: &[u8]) -> Result<(), NodeImageError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(NodeImageError::io(dir))?;
    }
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).map_err(NodeImageError::io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(NodeImageError::io(path))
}

async fn collect(
    stream: impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>>,
) -> std::io::Result<Vec<u8>> {
    use futures::TryStreamExt;
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await?;
    Ok(chunks.concat())
}
