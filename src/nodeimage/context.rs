//! The node image's build context: the files under node-image/ (compiled
//! into devk, so an installed binary can build images on its own), the
//! Kubernetes binaries, the image archive to import at boot, and the
//! metadata file. Written to a temporary tar file and streamed to the engine.

use std::io::Write;
use std::path::Path;

use super::NodeImageError;
use super::binaries::{BinarySet, REQUIRED_BINARIES};
use crate::engine::append_file;

/// Every file of node-image/ that goes into a build, with its mode.
pub const NODE_IMAGE_FILES: &[(&str, &[u8], u32)] = &[
    (
        "Dockerfile",
        include_bytes!("../../node-image/Dockerfile"),
        0o644,
    ),
    (
        "build/configure-image.sh",
        include_bytes!("../../node-image/build/configure-image.sh"),
        0o755,
    ),
    (
        "build/install-packages.sh",
        include_bytes!("../../node-image/build/install-packages.sh"),
        0o755,
    ),
    (
        "build/packages.txt",
        include_bytes!("../../node-image/build/packages.txt"),
        0o644,
    ),
    (
        "build/pause.c",
        include_bytes!("../../node-image/build/pause.c"),
        0o644,
    ),
    (
        "build/runtime-packages.txt",
        include_bytes!("../../node-image/build/runtime-packages.txt"),
        0o644,
    ),
    (
        "build/toolchain-packages.txt",
        include_bytes!("../../node-image/build/toolchain-packages.txt"),
        0o644,
    ),
    (
        "files/etc/sysctl.d/10-devk.conf",
        include_bytes!("../../node-image/files/etc/sysctl.d/10-devk.conf"),
        0o644,
    ),
    (
        "files/etc/systemd/system.conf.d/10-devk.conf",
        include_bytes!("../../node-image/files/etc/systemd/system.conf.d/10-devk.conf"),
        0o644,
    ),
    (
        "files/etc/systemd/system/containerd.service",
        include_bytes!("../../node-image/files/etc/systemd/system/containerd.service"),
        0o644,
    ),
    (
        "files/etc/systemd/system/coredns.service",
        include_bytes!("../../node-image/files/etc/systemd/system/coredns.service"),
        0o644,
    ),
    (
        "files/etc/systemd/system/devk-hostpath.service",
        include_bytes!("../../node-image/files/etc/systemd/system/devk-hostpath.service"),
        0o644,
    ),
    (
        "files/etc/systemd/system/devk-images.service",
        include_bytes!("../../node-image/files/etc/systemd/system/devk-images.service"),
        0o644,
    ),
    (
        "files/etc/systemd/system/devk-network.service",
        include_bytes!("../../node-image/files/etc/systemd/system/devk-network.service"),
        0o644,
    ),
    (
        "files/etc/systemd/system/devk-pod-cleanup.service",
        include_bytes!("../../node-image/files/etc/systemd/system/devk-pod-cleanup.service"),
        0o644,
    ),
    (
        "files/etc/systemd/system/etcd.service",
        include_bytes!("../../node-image/files/etc/systemd/system/etcd.service"),
        0o644,
    ),
    (
        "files/etc/systemd/system/kube-apiserver.service",
        include_bytes!("../../node-image/files/etc/systemd/system/kube-apiserver.service"),
        0o644,
    ),
    (
        "files/etc/systemd/system/kube-controller-manager.service",
        include_bytes!("../../node-image/files/etc/systemd/system/kube-controller-manager.service"),
        0o644,
    ),
    (
        "files/etc/systemd/system/kube-proxy.service",
        include_bytes!("../../node-image/files/etc/systemd/system/kube-proxy.service"),
        0o644,
    ),
    (
        "files/etc/systemd/system/kube-scheduler.service",
        include_bytes!("../../node-image/files/etc/systemd/system/kube-scheduler.service"),
        0o644,
    ),
    (
        "files/etc/systemd/system/kubelet.service",
        include_bytes!("../../node-image/files/etc/systemd/system/kubelet.service"),
        0o644,
    ),
    (
        "files/usr/local/bin/devk-entrypoint",
        include_bytes!("../../node-image/files/usr/local/bin/devk-entrypoint"),
        0o755,
    ),
];

/// Where the image archive lands in the context and, through the
/// Dockerfile, in the image (/usr/share/devk/images/images.tar).
pub const IMAGES_ARCHIVE: &str = "images/images.tar";
/// The metadata file inside the image.
pub const IMAGE_METADATA: &str = "files/etc/devk/image.json";

/// The context for the pause stage alone: the Dockerfile and build/.
pub fn pause_context() -> std::io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data, mode) in NODE_IMAGE_FILES {
        if *path == "Dockerfile" || path.starts_with("build/") {
            append_file(&mut builder, path, data, *mode)?;
        }
    }
    builder.into_inner()
}

/// Write the full context to `out`: node-image files, `bin/` from the
/// binary set, the images archive and the metadata document.
pub fn write_node_context(
    out: &Path,
    binaries: &BinarySet,
    images_archive: &[u8],
    metadata_json: &[u8],
) -> Result<(), NodeImageError> {
    let file = std::fs::File::create(out).map_err(NodeImageError::io(out))?;
    let mut builder = tar::Builder::new(std::io::BufWriter::new(file));
    let io = NodeImageError::io(out);
    let result = (|| -> std::io::Result<()> {
        for (path, data, mode) in NODE_IMAGE_FILES {
            append_file(&mut builder, path, data, *mode)?;
        }
        for name in REQUIRED_BINARIES {
            let mut f = std::fs::File::open(binaries.path(name))?;
            builder.append_file(format!("bin/{name}"), &mut f)?;
        }
        append_file(&mut builder, IMAGES_ARCHIVE, images_archive, 0o644)?;
        append_file(&mut builder, IMAGE_METADATA, metadata_json, 0o644)?;
        builder.into_inner()?.flush()
    })();
    result.map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under node-image/ (but the base-image script, which runs
    /// on the host) must be compiled in, or an installed devk would build
    /// an image without it.
    #[test]
    fn every_node_image_file_is_embedded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("node-image");
        let mut on_disk = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p.strip_prefix(&root).unwrap().display().to_string();
                    if rel != "make-base-image.sh" {
                        on_disk.push(rel);
                    }
                }
            }
        }
        on_disk.sort();
        let mut embedded: Vec<String> = NODE_IMAGE_FILES
            .iter()
            .map(|(p, _, _)| p.to_string())
            .collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
    }

    #[test]
    fn scripts_are_executable_in_the_context() {
        for (path, _, mode) in NODE_IMAGE_FILES {
            if path.ends_with(".sh") || path.ends_with("devk-entrypoint") {
                assert_eq!(*mode, 0o755, "{path}");
            }
        }
    }

    #[test]
    fn pause_context_holds_only_what_the_pause_stage_copies() {
        let tar_bytes = pause_context().unwrap();
        let mut archive = tar::Archive::new(tar_bytes.as_slice());
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert!(names.contains(&"Dockerfile".to_string()));
        assert!(names.contains(&"build/pause.c".to_string()));
        assert!(
            names
                .iter()
                .all(|n| n == "Dockerfile" || n.starts_with("build/"))
        );
    }
}
