//! Official release binaries: download, verify the published SHA-256
//! checksums, cache, unpack into a directory of fixed names.

use std::path::{Path, PathBuf};

use futures::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::NodeImageError;
use super::image_archive::oci_arch;
use super::versions::{KubeVersion, Pairing};
use crate::ui::Ui;

/// Where releases come from. A mirror (an air-gapped site's, or a test
/// server) serves the same paths under one base URL.
#[derive(Clone, Debug, PartialEq)]
pub struct ReleaseSource {
    pub kubernetes_base: String,
    pub github_base: String,
}

impl Default for ReleaseSource {
    fn default() -> Self {
        ReleaseSource {
            kubernetes_base: "https://dl.k8s.io".to_string(),
            github_base: "https://github.com".to_string(),
        }
    }
}

impl ReleaseSource {
    pub fn mirror(base: &str) -> ReleaseSource {
        let base = base.trim_end_matches('/').to_string();
        ReleaseSource {
            kubernetes_base: base.clone(),
            github_base: base,
        }
    }
}

/// One file to fetch and how to verify it.
#[derive(Clone, Debug, PartialEq)]
pub struct Artifact {
    pub url: String,
    pub checksum_url: String,
    /// The file name whose line to take from a multi-line checksum file
    /// (etcd's SHA256SUMS); None when the file holds one checksum.
    pub checksum_entry: Option<String>,
    /// What to take out of it: None for a bare binary, Some(path in the
    /// tar.gz) for an archive.
    pub member: Option<String>,
    /// The fixed name it gets in the binaries directory.
    pub name: String,
}

/// Everything a node image needs for a version, by URL.
pub fn artifacts(
    source: &ReleaseSource,
    version: &KubeVersion,
    pairing: &Pairing,
) -> Vec<Artifact> {
    let arch = oci_arch();
    let mut out: Vec<Artifact> = [
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
        "kubelet",
        "kube-proxy",
        "kubectl",
    ]
    .iter()
    .map(|name| {
        let url = format!(
            "{}/release/{version}/bin/linux/{arch}/{name}",
            source.kubernetes_base
        );
        Artifact {
            checksum_url: format!("{url}.sha256"),
            url,
            checksum_entry: None,
            member: None,
            name: name.to_string(),
        }
    })
    .collect();
    let etcd = pairing.etcd;
    let etcd_dir = format!(
        "{}/etcd-io/etcd/releases/download/v{etcd}",
        source.github_base
    );
    let etcd_file = format!("etcd-v{etcd}-linux-{arch}.tar.gz");
    out.push(Artifact {
        url: format!("{etcd_dir}/{etcd_file}"),
        checksum_url: format!("{etcd_dir}/SHA256SUMS"),
        checksum_entry: Some(etcd_file),
        member: Some(format!("etcd-v{etcd}-linux-{arch}/etcd")),
        name: "etcd".to_string(),
    });
    let dns = pairing.coredns;
    let dns_file = format!("coredns_{dns}_linux_{arch}.tgz");
    let dns_url = format!(
        "{}/coredns/coredns/releases/download/v{dns}/{dns_file}",
        source.github_base
    );
    out.push(Artifact {
        checksum_url: format!("{dns_url}.sha256"),
        url: dns_url,
        checksum_entry: None,
        member: Some("coredns".to_string()),
        name: "coredns".to_string(),
    });
    out
}

/// The checksum for `entry` in a checksum file: either one hex digest
/// (optionally followed by a file name) or `sha256sum` lines.
pub fn parse_checksum(text: &str, entry: Option<&str>) -> Option<String> {
    let is_hex = |s: &str| s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit());
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        let Some(digest) = parts.next() else { continue };
        let file = parts.next().map(|f| f.trim_start_matches('*'));
        let wanted = match (entry, file) {
            (None, _) => true,
            (Some(e), Some(f)) => f == e || f.ends_with(&format!("/{e}")),
            (Some(_), None) => false,
        };
        if wanted && is_hex(digest) {
            return Some(digest.to_ascii_lowercase());
        }
    }
    None
}

/// The hex SHA-256 of a file.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

fn client() -> Result<reqwest::Client, NodeImageError> {
    crate::tls::ensure_crypto_provider();
    reqwest::Client::builder()
        .user_agent(concat!("devk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| NodeImageError::Download {
            url: String::new(),
            message: e.to_string(),
        })
}

async fn fetch_text(client: &reqwest::Client, url: &str) -> Result<String, NodeImageError> {
    let err = |message: String| NodeImageError::Download {
        url: url.to_string(),
        message,
    };
    let resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| err(e.to_string()))?;
    if !resp.status().is_success() {
        return Err(err(format!("the server answered {}", resp.status())));
    }
    resp.text().await.map_err(|e| err(e.to_string()))
}

/// Download `url` into `dest` unless a verified copy is there already.
async fn download_verified(
    client: &reqwest::Client,
    ui: &Ui,
    artifact: &Artifact,
    dest: &Path,
) -> Result<(), NodeImageError> {
    let checksum_text = fetch_text(client, &artifact.checksum_url).await?;
    let expected =
        parse_checksum(&checksum_text, artifact.checksum_entry.as_deref()).ok_or_else(|| {
            NodeImageError::Download {
                url: artifact.checksum_url.clone(),
                message: format!(
                    "no SHA-256 checksum{} in it",
                    artifact
                        .checksum_entry
                        .as_ref()
                        .map(|e| format!(" for {e}"))
                        .unwrap_or_default()
                ),
            }
        })?;
    if dest.exists() && sha256_file(dest).map_err(NodeImageError::io(dest))? == expected {
        return Ok(());
    }
    let err = |message: String| NodeImageError::Download {
        url: artifact.url.clone(),
        message,
    };
    let resp = client
        .get(&artifact.url)
        .send()
        .await
        .map_err(|e| err(e.to_string()))?;
    if !resp.status().is_success() {
        return Err(err(format!("the server answered {}", resp.status())));
    }
    let bar = ui.transfer(&artifact.name, resp.content_length());
    let partial = dest.with_extension("partial");
    let mut file = tokio::fs::File::create(&partial)
        .await
        .map_err(NodeImageError::io(&partial))?;
    let mut hasher = Sha256::new();
    let mut body = resp.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| err(e.to_string()))?;
        hasher.update(&chunk);
        bar.inc(chunk.len() as u64);
        file.write_all(&chunk)
            .await
            .map_err(NodeImageError::io(&partial))?;
    }
    file.flush().await.map_err(NodeImageError::io(&partial))?;
    bar.finish_and_clear();
    let actual = hex::encode(hasher.finalize());
    if actual != expected {
        let _ = std::fs::remove_file(&partial);
        return Err(NodeImageError::Checksum {
            url: artifact.url.clone(),
            expected,
            actual,
        });
    }
    std::fs::rename(&partial, dest).map_err(NodeImageError::io(dest))
}

/// Take one member out of a .tar.gz.
fn extract_member(archive: &Path, member: &str, dest: &Path) -> Result<(), NodeImageError> {
    let file = std::fs::File::open(archive).map_err(NodeImageError::io(archive))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in tar.entries().map_err(NodeImageError::io(archive))? {
        let mut entry = entry.map_err(NodeImageError::io(archive))?;
        let path = entry.path().map_err(NodeImageError::io(archive))?;
        if path.to_string_lossy().trim_start_matches("./") == member {
            entry.unpack(dest).map_err(NodeImageError::io(dest))?;
            return Ok(());
        }
    }
    Err(NodeImageError::Download {
        url: archive.display().to_string(),
        message: format!("the archive has no {member}"),
    })
}

/// Fetch every artifact (in parallel) into `cache`, verify it, and lay the
/// binaries out under their fixed names in `bin_dir`.
pub async fn fetch_release(
    ui: &Ui,
    artifacts: &[Artifact],
    cache: &Path,
    bin_dir: &Path,
) -> Result<(), NodeImageError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(cache).map_err(NodeImageError::io(cache))?;
    std::fs::create_dir_all(bin_dir).map_err(NodeImageError::io(bin_dir))?;
    let client = client()?;
    let jobs = artifacts.iter().map(|a| {
        let client = client.clone();
        async move {
            let file_name = a.url.rsplit('/').next().unwrap_or(&a.name).to_string();
            let cached: PathBuf = cache.join(&file_name);
            download_verified(&client, ui, a, &cached).await?;
            let target = bin_dir.join(&a.name);
            match &a.member {
                None => {
                    std::fs::copy(&cached, &target).map_err(NodeImageError::io(&target))?;
                }
                Some(member) => extract_member(&cached, member, &target)?,
            }
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))
                .map_err(NodeImageError::io(&target))?;
            Ok::<(), NodeImageError>(())
        }
    });
    futures::future::try_join_all(jobs).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nodeimage::versions::pairing_for;

    #[test]
    fn artifacts_follow_the_upstream_layout() {
        let v = KubeVersion::parse("v1.36.2").unwrap();
        let list = artifacts(&ReleaseSource::default(), &v, pairing_for(&v).unwrap());
        let arch = oci_arch();
        let kubelet = list.iter().find(|a| a.name == "kubelet").unwrap();
        assert_eq!(
            kubelet.url,
            format!("https://dl.k8s.io/release/v1.36.2/bin/linux/{arch}/kubelet")
        );
        assert_eq!(kubelet.checksum_url, format!("{}.sha256", kubelet.url));
        let etcd = list.iter().find(|a| a.name == "etcd").unwrap();
        assert!(
            etcd.url
                .ends_with(&format!("/v3.6.8/etcd-v3.6.8-linux-{arch}.tar.gz"))
        );
        assert!(etcd.checksum_url.ends_with("/SHA256SUMS"));
        assert_eq!(
            etcd.member.as_deref(),
            Some(format!("etcd-v3.6.8-linux-{arch}/etcd").as_str())
        );
        assert_eq!(list.len(), 8);
    }

    #[test]
    fn a_mirror_serves_every_path() {
        let v = KubeVersion::parse("v1.36.2").unwrap();
        let list = artifacts(
            &ReleaseSource::mirror("http://127.0.0.1:8080/"),
            &v,
            pairing_for(&v).unwrap(),
        );
        assert!(
            list.iter()
                .all(|a| a.url.starts_with("http://127.0.0.1:8080/"))
        );
    }

    #[test]
    fn checksums_are_read_from_single_and_list_files() {
        let d = "a".repeat(64);
        let e = "B".repeat(64);
        assert_eq!(parse_checksum(&d, None), Some(d.clone()));
        assert_eq!(
            parse_checksum(&format!("{d}  coredns.tgz\n"), None),
            Some(d.clone())
        );
        let list =
            format!("{d}  etcd-v3.6.8-linux-arm64.tar.gz\n{e}  etcd-v3.6.8-linux-amd64.tar.gz\n");
        assert_eq!(
            parse_checksum(&list, Some("etcd-v3.6.8-linux-amd64.tar.gz")),
            Some("b".repeat(64))
        );
        assert_eq!(parse_checksum(&list, Some("missing.tar.gz")), None);
        assert_eq!(parse_checksum("not a checksum", None), None);
    }
}
