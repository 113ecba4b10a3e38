//! Node images: what a node runs, built by `devk build node-image` from
//! official releases (downloaded and verified) or from a local directory of
//! binaries (offline), on a Debian base that has systemd and the container
//! runtime. See docs/node-images.md.

mod binaries;
mod builder;
mod context;
mod error;
pub mod image_archive;
mod release;
mod versions;

pub use binaries::{BinarySet, REQUIRED_BINARIES, inspect_dir, missing_binaries};
pub use builder::{BinarySource, BuildOptions, BuiltImage, build_node_image, default_image_name};
pub use error::NodeImageError;
pub use release::{ReleaseSource, parse_checksum, sha256_file};
pub use versions::{
    ImageContents, KubeVersion, PAIRINGS, Pairing, pairing_for, parse_reported_version,
};

use crate::engine::{Engine, EngineError};

/// The Kubernetes version devk builds and runs when none is named.
pub const DEFAULT_KUBERNETES_VERSION: &str = "v1.36.2";

/// The sandbox image name containerd uses. devk's own pause program is
/// imported under the upstream name, so manifests and tests that name the
/// standard pause image work offline too.
pub const PAUSE_IMAGE: &str = "registry.k8s.io/pause:3.10.2";

/// The base devk builds on when none is named: a local one made by
/// node-image/make-base-image.sh if present, else Debian from Docker Hub.
pub const LOCAL_BASE_IMAGE: &str = "devk/base:trixie";
pub const REGISTRY_BASE_IMAGE: &str = "debian:trixie-slim";

/// The base and toolchain images to use: `DEVK_BASE_IMAGE` /
/// `DEVK_TOOLCHAIN_IMAGE` when set; else the local base (and its
/// `-toolchain` twin) when the engine has it; else Debian from the registry.
pub async fn default_base_images(engine: &Engine) -> Result<(String, String), EngineError> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let base = match env("DEVK_BASE_IMAGE") {
        Some(b) => b,
        None if engine.image(LOCAL_BASE_IMAGE).await?.is_some() => LOCAL_BASE_IMAGE.to_string(),
        None => REGISTRY_BASE_IMAGE.to_string(),
    };
    let toolchain = match env("DEVK_TOOLCHAIN_IMAGE") {
        Some(t) => t,
        None => {
            let twin = format!("{base}-toolchain");
            if engine.image(&twin).await?.is_some() {
                twin
            } else {
                base.clone()
            }
        }
    };
    Ok((base, toolchain))
}

/// devk's cache directory (downloads, the compiled pause program).
pub fn cache_dir() -> std::path::PathBuf {
    std::env::var_os("DEVK_CACHE_DIR")
        .map(std::path::PathBuf::from)
        .or_else(|| dirs::cache_dir().map(|d| d.join("devk")))
        .unwrap_or_else(|| std::env::temp_dir().join("devk-cache"))
}

/// Read what a node image holds from its labels.
pub async fn image_contents(
    engine: &Engine,
    image: &str,
) -> Result<Option<ImageContents>, EngineError> {
    Ok(engine.image(image).await?.and_then(|info| {
        info.labels
            .get(crate::engine::labels::IMAGE_CONTENTS)
            .and_then(|json| serde_json::from_str(json).ok())
    }))
}
