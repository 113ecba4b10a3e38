//! Image archives containerd can import (`ctr images import`): the
//! docker-archive format, written from scratch for devk's pause image and
//! merged from `docker save` streams for preloaded images, so a node imports
//! everything with one command at boot.

use std::collections::BTreeMap;
use std::io::Read;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::append_file;

/// The OCI name of the machine architecture.
pub fn oci_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestEntry {
    #[serde(rename = "Config")]
    pub config: String,
    #[serde(rename = "RepoTags", default)]
    pub repo_tags: Vec<String>,
    #[serde(rename = "Layers")]
    pub layers: Vec<String>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A one-layer image holding a single static executable as its entrypoint.
/// The config carries what containerd checks: architecture, os and the
/// layer's diff id (the sha256 of the uncompressed layer tar); without them
/// the import silently imports nothing or fails with "wrong diff id".
pub fn single_binary_image(
    tag: &str,
    binary_name: &str,
    binary: &[u8],
) -> std::io::Result<Vec<u8>> {
    let mut layer = tar::Builder::new(Vec::new());
    append_file(&mut layer, binary_name, binary, 0o755)?;
    let layer = layer.into_inner()?;
    let layer_hex = sha256_hex(&layer);

    let config = serde_json::json!({
        "architecture": oci_arch(),
        "os": "linux",
        "config": { "Entrypoint": [format!("/{binary_name}")] },
        "rootfs": { "type": "layers", "diff_ids": [format!("sha256:{layer_hex}")] },
        "history": [{ "created_by": "devk build node-image" }],
    });
    let config = serde_json::to_vec(&config).map_err(std::io::Error::other)?;
    let config_hex = sha256_hex(&config);

    let manifest = vec![ManifestEntry {
        config: format!("{config_hex}.json"),
        repo_tags: vec![tag.to_string()],
        layers: vec![format!("{layer_hex}/layer.tar")],
    }];
    let manifest = serde_json::to_vec(&manifest).map_err(std::io::Error::other)?;

    let mut out = tar::Builder::new(Vec::new());
    append_file(&mut out, "manifest.json", &manifest, 0o644)?;
    append_file(&mut out, &format!("{config_hex}.json"), &config, 0o644)?;
    append_file(&mut out, &format!("{layer_hex}/layer.tar"), &layer, 0o644)?;
    out.into_inner()
}

/// Merge docker-archives into one: every file once, the manifests joined.
/// OCI index files are dropped: with several images they would clash, and
/// the docker manifest alone names every config and layer.
pub fn merge_archives(archives: &[Vec<u8>]) -> std::io::Result<Vec<u8>> {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut manifest: Vec<ManifestEntry> = Vec::new();
    for archive in archives {
        let mut reader = tar::Archive::new(archive.as_slice());
        for entry in reader.entries()? {
            let mut entry = entry?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let path = entry
                .path()?
                .to_string_lossy()
                .trim_start_matches("./")
                .to_string();
            let mut data = Vec::new();
            entry.read_to_end(&mut data)?;
            match path.as_str() {
                "manifest.json" => {
                    let entries: Vec<ManifestEntry> =
                        serde_json::from_slice(&data).map_err(std::io::Error::other)?;
                    manifest.extend(entries);
                }
                "index.json" | "oci-layout" | "repositories" => {}
                _ => {
                    files.insert(path, data);
                }
            }
        }
    }
    let mut out = tar::Builder::new(Vec::new());
    let manifest = serde_json::to_vec(&manifest).map_err(std::io::Error::other)?;
    append_file(&mut out, "manifest.json", &manifest, 0o644)?;
    for (path, data) in &files {
        append_file(&mut out, path, data, 0o644)?;
    }
    out.into_inner()
}

/// The manifest of a docker-archive (for checks and tests).
pub fn read_manifest(archive: &[u8]) -> std::io::Result<Vec<ManifestEntry>> {
    let mut reader = tar::Archive::new(archive);
    for entry in reader.entries()? {
        let mut entry = entry?;
        if entry.path()?.to_string_lossy().trim_start_matches("./") == "manifest.json" {
            let mut data = Vec::new();
            entry.read_to_end(&mut data)?;
            return serde_json::from_slice(&data).map_err(std::io::Error::other);
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        "no manifest.json in the archive",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_of(archive: &[u8]) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        let mut reader = tar::Archive::new(archive);
        for e in reader.entries().unwrap() {
            let mut e = e.unwrap();
            let mut d = Vec::new();
            e.read_to_end(&mut d).unwrap();
            out.insert(e.path().unwrap().display().to_string(), d);
        }
        out
    }

    #[test]
    fn single_binary_image_has_a_consistent_config_and_layer() {
        let archive =
            single_binary_image("registry.k8s.io/pause:3.10.2", "pause", b"\x7fELF...").unwrap();
        let files = files_of(&archive);
        let manifest = read_manifest(&archive).unwrap();
        assert_eq!(manifest.len(), 1);
        assert_eq!(manifest[0].repo_tags, vec!["registry.k8s.io/pause:3.10.2"]);

        let layer = &files[&manifest[0].layers[0]];
        let config_bytes = &files[&manifest[0].config];
        // The config file is named after its own digest.
        assert_eq!(
            format!("{}.json", sha256_hex(config_bytes)),
            manifest[0].config
        );
        let config: serde_json::Value = serde_json::from_slice(config_bytes).unwrap();
        assert_eq!(config["os"], "linux");
        assert_eq!(config["architecture"], oci_arch());
        assert_eq!(
            config["rootfs"]["diff_ids"][0],
            format!("sha256:{}", sha256_hex(layer))
        );
        assert_eq!(config["config"]["Entrypoint"][0], "/pause");

        let mut layer_reader = tar::Archive::new(layer.as_slice());
        let entry = layer_reader.entries().unwrap().next().unwrap().unwrap();
        assert_eq!(entry.path().unwrap().display().to_string(), "pause");
        assert_eq!(entry.header().mode().unwrap(), 0o755);
    }

    #[test]
    fn merged_archives_keep_every_image_and_drop_oci_indexes() {
        let a = single_binary_image("a:1", "a", b"aaa").unwrap();
        let b = single_binary_image("b:1", "b", b"bbb").unwrap();
        // An archive as newer engines save it, with an OCI index beside the manifest.
        let mut with_index = tar::Builder::new(Vec::new());
        for (path, data) in files_of(&b) {
            append_file(&mut with_index, &path, &data, 0o644).unwrap();
        }
        append_file(&mut with_index, "index.json", b"{}", 0o644).unwrap();
        append_file(&mut with_index, "oci-layout", b"{}", 0o644).unwrap();
        let b = with_index.into_inner().unwrap();

        let merged = merge_archives(&[a.clone(), b]).unwrap();
        let manifest = read_manifest(&merged).unwrap();
        let tags: Vec<&str> = manifest.iter().map(|m| m.repo_tags[0].as_str()).collect();
        assert_eq!(tags, vec!["a:1", "b:1"]);
        let files = files_of(&merged);
        assert!(!files.contains_key("index.json"));
        assert!(!files.contains_key("oci-layout"));
        for m in &manifest {
            assert!(files.contains_key(&m.config));
            assert!(files.contains_key(&m.layers[0]));
        }
    }
}
