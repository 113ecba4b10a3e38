use std::path::PathBuf;

use clap::{Args as ClapArgs, Subcommand};

use crate::engine::Engine;
use crate::nodeimage::{
    self, BinarySource, BuildOptions, DEFAULT_KUBERNETES_VERSION, KubeVersion, ReleaseSource,
};
use crate::ui::Ui;

#[derive(Debug, Subcommand)]
pub enum BuildCommand {
    /// Build a node image from official release binaries or a local directory.
    #[command(after_help = "Examples:\n  \
        devk build node-image                                 official v1.36.2 binaries, verified\n  \
        devk build node-image --kubernetes-version v1.36.2\n  \
        devk build node-image --kube-binaries ./bin           offline, from a directory\n  \
        devk build node-image --base-image devk/base:trixie   a base made by node-image/make-base-image.sh\n  \
        devk build node-image --preload myapp:dev             bake an image into the node")]
    NodeImage(NodeImageArgs),
}

#[derive(Debug, ClapArgs)]
pub struct NodeImageArgs {
    /// The Kubernetes release to download (ignored with --kube-binaries).
    #[arg(long, default_value = DEFAULT_KUBERNETES_VERSION)]
    pub kubernetes_version: String,
    /// Take the binaries from this directory instead of downloading them:
    /// kube-apiserver, kube-controller-manager, kube-scheduler, kubelet,
    /// kube-proxy, kubectl, etcd and coredns.
    #[arg(long, env = "DEVK_KUBE_BINARIES", value_name = "DIR")]
    pub kube_binaries: Option<PathBuf>,
    /// The Debian base image (local or pulled). Default: devk/base:trixie
    /// when present, else debian:trixie-slim.
    #[arg(long, value_name = "IMAGE")]
    pub base_image: Option<String>,
    /// An image with gcc to compile the pause program in. Default: the
    /// base's `-toolchain` twin when present, else the base.
    #[arg(long, value_name = "IMAGE")]
    pub toolchain_image: Option<String>,
    /// The name of the result. Default: devk/node:<kubernetes version>.
    #[arg(long, value_name = "NAME:TAG")]
    pub image: Option<String>,
    /// Host images to bake into the node's containerd store.
    #[arg(long, value_name = "IMAGE", num_args = 1..)]
    pub preload: Vec<String>,
    /// Download releases from a mirror serving the upstream paths.
    #[arg(long, env = "DEVK_RELEASE_MIRROR", value_name = "URL")]
    pub release_mirror: Option<String>,
}

pub async fn run(cmd: BuildCommand, ui: &Ui) -> crate::Result<u8> {
    let BuildCommand::NodeImage(args) = cmd;
    let engine = Engine::connect().await?;
    let opts = node_image_options(&engine, args).await?;
    let built = nodeimage::build_node_image(&engine, ui, &opts).await?;
    ui.info(format!(
        "Built {} (Kubernetes {}, {} MB) in {}",
        built.image,
        built.contents.kubernetes,
        built.size_bytes / 1_000_000,
        crate::ui::format_duration(built.elapsed)
    ));
    Ok(0)
}

pub(crate) async fn node_image_options(
    engine: &Engine,
    args: NodeImageArgs,
) -> crate::Result<BuildOptions> {
    let binaries = match args.kube_binaries {
        Some(dir) => BinarySource::Directory(dir),
        None => BinarySource::Release {
            version: KubeVersion::parse(&args.kubernetes_version).map_err(|m| {
                crate::Error::usage(
                    format!("--kubernetes-version: {m}"),
                    Some("for example --kubernetes-version v1.36.2"),
                )
            })?,
            source: args
                .release_mirror
                .as_deref()
                .map(ReleaseSource::mirror)
                .unwrap_or_default(),
        },
    };
    let (default_base, default_toolchain) = nodeimage::default_base_images(engine).await?;
    let base_image = args.base_image.unwrap_or(default_base);
    let toolchain_image = args.toolchain_image.unwrap_or_else(|| {
        if base_image == nodeimage::LOCAL_BASE_IMAGE
            || std::env::var_os("DEVK_BASE_IMAGE").is_some()
        {
            default_toolchain
        } else {
            base_image.clone()
        }
    });
    Ok(BuildOptions {
        binaries,
        base_image,
        toolchain_image,
        image: args.image,
        preload: args.preload,
        cache_dir: nodeimage::cache_dir(),
    })
}
