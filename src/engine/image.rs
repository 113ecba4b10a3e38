use std::collections::BTreeMap;

use bytes::Bytes;
use futures::{Stream, StreamExt};

use super::error::status_of;
use super::{Engine, EngineError};

/// A build context: small ones in memory, large ones (hundreds of MB of
/// binaries) streamed from a file.
pub enum BuildContext {
    Bytes(Vec<u8>),
    File(std::path::PathBuf),
}

/// What to build.
pub struct BuildRequest<'a> {
    pub tag: &'a str,
    pub context: BuildContext,
    /// The Dockerfile stage to stop at; empty for the last one.
    pub target: &'a str,
    pub build_args: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
}

/// An image as the engine reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageInfo {
    pub id: String,
    pub tags: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub size_bytes: u64,
}

impl Engine {
    /// The image, or None when the engine does not have it.
    pub async fn image(&self, reference: &str) -> Result<Option<ImageInfo>, EngineError> {
        match self.docker.inspect_image(reference).await {
            Ok(i) => Ok(Some(ImageInfo {
                id: i.id.unwrap_or_default(),
                tags: i.repo_tags.unwrap_or_default(),
                labels: i
                    .config
                    .and_then(|c| c.labels)
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
                size_bytes: i.size.unwrap_or_default().max(0) as u64,
            })),
            Err(e) if status_of(&e) == Some(404) => Ok(None),
            Err(e) => Err(EngineError::api("inspecting image", reference)(e)),
        }
    }

    /// The image, or an error saying it is missing and how to get it.
    pub async fn require_image(&self, reference: &str) -> Result<ImageInfo, EngineError> {
        self.image(reference)
            .await?
            .ok_or_else(|| EngineError::ImageMissing {
                image: reference.to_string(),
            })
    }

    /// Pull an image from its registry, reporting progress lines.
    pub async fn pull_image(
        &self,
        reference: &str,
        mut progress: impl FnMut(&str),
    ) -> Result<(), EngineError> {
        let (repo, tag) = split_reference(reference);
        let mut stream = self.docker.create_image(
            Some(bollard::query_parameters::CreateImageOptions {
                from_image: Some(repo.to_string()),
                tag: Some(tag.to_string()),
                ..Default::default()
            }),
            None,
            None,
        );
        while let Some(item) = stream.next().await {
            let info = item.map_err(EngineError::api("pulling image", reference))?;
            if let Some(status) = info.status {
                progress(&status);
            }
        }
        Ok(())
    }

    /// Build an image with the engine's classic builder (every engine has
    /// it) from a tar build context. `progress` receives each output line;
    /// a failing step's message is the error.
    pub async fn build_image(
        &self,
        request: BuildRequest<'_>,
        mut progress: impl FnMut(&str),
    ) -> Result<(), EngineError> {
        let tag = request.tag;
        let options = bollard::query_parameters::BuildImageOptions {
            dockerfile: "Dockerfile".to_string(),
            t: Some(tag.to_string()),
            rm: true,
            forcerm: true,
            target: request.target.to_string(),
            buildargs: Some(request.build_args.clone().into_iter().collect()),
            labels: Some(request.labels.clone().into_iter().collect()),
            ..Default::default()
        };
        let body = match request.context {
            BuildContext::Bytes(bytes) => bollard::body_full(Bytes::from(bytes)),
            BuildContext::File(path) => {
                let file =
                    tokio::fs::File::open(&path)
                        .await
                        .map_err(|source| EngineError::Archive {
                            object: path.display().to_string(),
                            source,
                        })?;
                bollard::body_try_stream(tokio_util::io::ReaderStream::new(file))
            }
        };
        let mut stream = self.docker.build_image(options, None, Some(body));
        let mut last_lines: Vec<String> = Vec::new();
        while let Some(item) = stream.next().await {
            let info = item.map_err(|e| EngineError::Failed {
                action: "building image",
                object: tag.to_string(),
                message: format!("{e}\n{}", last_lines.join("\n")),
            })?;
            if let Some(detail) = info.error_detail {
                return Err(EngineError::Failed {
                    action: "building image",
                    object: tag.to_string(),
                    message: format!(
                        "{}\n{}",
                        detail.message.unwrap_or_default(),
                        last_lines.join("\n")
                    ),
                });
            }
            if let Some(line) = info.stream {
                for l in line.lines().filter(|l| !l.trim().is_empty()) {
                    progress(l);
                    last_lines.push(l.to_string());
                    if last_lines.len() > 20 {
                        last_lines.remove(0);
                    }
                }
            }
        }
        Ok(())
    }

    /// The image as a docker-archive tar stream (`docker save`).
    pub fn export_image(
        &self,
        reference: &str,
    ) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + use<> {
        self.docker
            .export_image(reference)
            .map(|r| r.map_err(std::io::Error::other))
    }

    pub async fn remove_image(&self, reference: &str) -> Result<bool, EngineError> {
        match self
            .docker
            .remove_image(
                reference,
                Some(bollard::query_parameters::RemoveImageOptions {
                    force: true,
                    noprune: false,
                    ..Default::default()
                }),
                None,
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if status_of(&e) == Some(404) => Ok(false),
            Err(e) => Err(EngineError::api("removing image", reference)(e)),
        }
    }
}

/// `repo[:tag]` -> (repo, tag), tag defaulting to `latest`; a registry port
/// (`host:5000/app`) is not a tag.
pub(crate) fn split_reference(reference: &str) -> (&str, &str) {
    let without_digest = reference.split('@').next().unwrap_or(reference);
    match without_digest.rfind(':') {
        Some(i) if !without_digest[i..].contains('/') => {
            (&without_digest[..i], &without_digest[i + 1..])
        }
        _ => (without_digest, "latest"),
    }
}

#[cfg(test)]
mod tests {
    use super::split_reference;

    #[test]
    fn references_split_into_repo_and_tag() {
        assert_eq!(split_reference("debian:trixie"), ("debian", "trixie"));
        assert_eq!(split_reference("debian"), ("debian", "latest"));
        assert_eq!(
            split_reference("host:5000/app"),
            ("host:5000/app", "latest")
        );
        assert_eq!(split_reference("host:5000/app:v1"), ("host:5000/app", "v1"));
    }
}
