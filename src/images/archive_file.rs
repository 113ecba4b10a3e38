//! Which images an archive file carries, read from its index without
//! unpacking it: `manifest.json` of a `docker save` archive (config digest
//! = image ID, RepoTags = names), or, without one, `index.json` of an OCI
//! image layout (manifest digest, names from the annotations).

use std::io::{Read, Seek};
use std::path::Path;

use serde::Deserialize;

use super::ImagesError;
use super::node_store::Wanted;
use super::reference::containerd_name;

/// The index files are small; a larger one is not an image archive.
const MAX_INDEX_BYTES: u64 = 16 << 20;

/// One image of an archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveImage {
    /// For messages: the first name, or the ID.
    pub display: String,
    pub wanted: Wanted,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerManifestEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct OciIndex {
    #[serde(default)]
    manifests: Vec<OciDescriptor>,
}

#[derive(Deserialize)]
struct OciDescriptor {
    digest: String,
    #[serde(default)]
    annotations: std::collections::BTreeMap<String, String>,
}

/// The images in the archive at `path`.
pub fn images_in_file(path: &Path) -> Result<Vec<ArchiveImage>, ImagesError> {
    let fail = |message: String| ImagesError::Archive {
        path: path.display().to_string(),
        message,
    };
    let mut file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let mut magic = [0u8; 2];
    if file.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b] {
        return Err(fail("the file is gzip-compressed".to_string()));
    }
    file.rewind().map_err(|e| fail(e.to_string()))?;
    images_in(file).map_err(fail)
}

/// The images in an archive read from `reader`.
pub fn images_in(reader: impl Read + Seek) -> Result<Vec<ArchiveImage>, String> {
    let mut archive = tar::Archive::new(reader);
    let mut docker_manifest = None;
    let mut oci_index = None;
    let entries = archive
        .entries_with_seek()
        .map_err(|e| format!("not a tar archive: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("not a tar archive: {e}"))?;
        let path = entry
            .path()
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .trim_start_matches("./")
            .to_string();
        let slot = match path.as_str() {
            "manifest.json" => &mut docker_manifest,
            "index.json" => &mut oci_index,
            _ => continue,
        };
        if entry.size() > MAX_INDEX_BYTES {
            return Err(format!("{path} is implausibly large"));
        }
        let mut text = Vec::new();
        entry
            .read_to_end(&mut text)
            .map_err(|e| format!("reading {path}: {e}"))?;
        *slot = Some(text);
    }
    let images = match (docker_manifest, oci_index) {
        (Some(manifest), _) => from_docker_manifest(&manifest)?,
        (None, Some(index)) => from_oci_index(&index)?,
        (None, None) => {
            return Err(
                "it has neither manifest.json (docker save) nor index.json (OCI layout)"
                    .to_string(),
            );
        }
    };
    if images.is_empty() {
        return Err("it contains no images".to_string());
    }
    Ok(images)
}

fn from_docker_manifest(text: &[u8]) -> Result<Vec<ArchiveImage>, String> {
    let entries: Vec<DockerManifestEntry> =
        serde_json::from_slice(text).map_err(|e| format!("manifest.json: {e}"))?;
    entries
        .into_iter()
        .map(|e| {
            let id = config_digest(&e.config)
                .ok_or_else(|| format!("manifest.json: {:?} names no config digest", e.config))?;
            let tags = e.repo_tags.unwrap_or_default();
            let names: Vec<String> = tags.iter().filter_map(|t| containerd_name(t)).collect();
            Ok(ArchiveImage {
                display: tags.first().cloned().unwrap_or_else(|| id.clone()),
                wanted: Wanted { id, names },
            })
        })
        .collect()
}

/// `<hex>.json` (Docker before 25) or `blobs/sha256/<hex>` (OCI layout).
fn config_digest(config: &str) -> Option<String> {
    let file = config.rsplit('/').next()?;
    let hex = file.strip_suffix(".json").unwrap_or(file);
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())).then(|| format!("sha256:{hex}"))
}

fn from_oci_index(text: &[u8]) -> Result<Vec<ArchiveImage>, String> {
    let index: OciIndex = serde_json::from_slice(text).map_err(|e| format!("index.json: {e}"))?;
    Ok(index
        .manifests
        .into_iter()
        .map(|m| {
            // containerd's own annotation holds the full name; the OCI one
            // often only a tag, which names nothing by itself.
            let name = m
                .annotations
                .get("io.containerd.image.name")
                .or_else(|| m.annotations.get("org.opencontainers.image.ref.name"))
                .filter(|n| n.contains('/') || n.contains(':'))
                .and_then(|n| containerd_name(n).map(|c| (n.clone(), c)));
            ArchiveImage {
                display: name
                    .as_ref()
                    .map(|(n, _)| n.clone())
                    .unwrap_or_else(|| m.digest.clone()),
                wanted: Wanted {
                    id: m.digest,
                    names: name.map(|(_, c)| vec![c]).unwrap_or_default(),
                },
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "99037dd5818f5dffbfc47b1d5d4dc62f7bcdd59b9f2a34c6cce9246abfad351c";

    fn tar_with(files: &[(&str, &str)]) -> std::io::Cursor<Vec<u8>> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, body) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(body.len() as u64);
            header.set_mode(0o644);
            builder
                .append_data(&mut header, path, body.as_bytes())
                .unwrap();
        }
        std::io::Cursor::new(builder.into_inner().unwrap())
    }

    #[test]
    fn docker_save_archives_of_either_era_give_config_digest_and_tags() {
        for config in [format!("{HEX}.json"), format!("blobs/sha256/{HEX}")] {
            let manifest = format!(
                r#"[{{"Config":"{config}","RepoTags":["devk-test/app:1","busybox"],"Layers":["a/layer.tar"]}}]"#
            );
            let images = images_in(tar_with(&[
                ("a/layer.tar", "layer bytes"),
                ("manifest.json", &manifest),
            ]))
            .unwrap();
            assert_eq!(images.len(), 1, "{config}");
            assert_eq!(images[0].wanted.id, format!("sha256:{HEX}"));
            assert_eq!(
                images[0].wanted.names,
                [
                    "docker.io/devk-test/app:1",
                    "docker.io/library/busybox:latest"
                ]
            );
            assert_eq!(images[0].display, "devk-test/app:1");
        }
    }

    #[test]
    fn oci_layouts_give_manifest_digests_and_full_names_only() {
        let index = format!(
            r#"{{"schemaVersion":2,"manifests":[
                {{"digest":"sha256:{HEX}","annotations":{{"io.containerd.image.name":"ghcr.io/x/app:2"}}}},
                {{"digest":"sha256:{HEX}","annotations":{{"org.opencontainers.image.ref.name":"latest"}}}}
            ]}}"#
        );
        let images = images_in(tar_with(&[("index.json", &index), ("oci-layout", "{}")])).unwrap();
        assert_eq!(images[0].wanted.names, ["ghcr.io/x/app:2"]);
        assert!(
            images[1].wanted.names.is_empty(),
            "a bare tag names nothing"
        );
        assert_eq!(images[1].display, format!("sha256:{HEX}"));
    }

    #[test]
    fn other_files_are_refused_with_a_reason() {
        let cases: Vec<(std::io::Cursor<Vec<u8>>, &str)> = vec![
            (tar_with(&[("hello.txt", "hi")]), "neither manifest.json"),
            (tar_with(&[("manifest.json", "[]")]), "no images"),
            (tar_with(&[("manifest.json", "{")]), "manifest.json:"),
            (
                tar_with(&[("manifest.json", r#"[{"Config":"x.json"}]"#)]),
                "no config digest",
            ),
        ];
        for (archive, want) in cases {
            let err = images_in(archive).unwrap_err();
            assert!(err.contains(want), "{err}");
        }
    }

    #[test]
    fn a_gzipped_archive_is_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("image.tar.gz");
        std::fs::write(&path, [0x1f, 0x8b, 8, 0, 0, 0]).unwrap();
        let err = images_in_file(&path).unwrap_err();
        assert!(err.to_string().contains("gzip"), "{err}");
    }
}
