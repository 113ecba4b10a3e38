use bytes::Bytes;

use super::{Engine, EngineError};

/// One file to put into a container.
#[derive(Clone, PartialEq)]
pub struct FileEntry {
    /// Absolute path inside the container.
    pub path: String,
    pub contents: Vec<u8>,
    pub mode: u32,
}

impl std::fmt::Debug for FileEntry {
    // Contents can be private keys: never print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileEntry")
            .field("path", &self.path)
            .field("bytes", &self.contents.len())
            .field("mode", &format_args!("{:o}", self.mode))
            .finish()
    }
}

impl FileEntry {
    pub fn new(path: impl Into<String>, contents: impl Into<Vec<u8>>, mode: u32) -> FileEntry {
        FileEntry {
            path: path.into(),
            contents: contents.into(),
            mode,
        }
    }
}

/// Append one regular file to a tar stream (mtime 0, so archives of the
/// same files are the same bytes).
pub fn append_file(
    builder: &mut tar::Builder<impl std::io::Write>,
    path: &str,
    data: &[u8],
    mode: u32,
) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_mode(mode);
    header.set_size(data.len() as u64);
    header.set_mtime(0);
    builder.append_data(&mut header, path, data)
}

/// A tar archive of the files, rooted at `/`, with their parent directories
/// (mode 0755) so extraction creates them.
pub fn tar_of(files: &[FileEntry]) -> std::io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut dirs = std::collections::BTreeSet::new();
    for f in files {
        let rel = f.path.trim_start_matches('/');
        let mut parent = std::path::Path::new(rel).parent();
        while let Some(p) = parent {
            if p.as_os_str().is_empty() {
                break;
            }
            dirs.insert(p.to_path_buf());
            parent = p.parent();
        }
    }
    for dir in &dirs {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Directory);
        header.set_mode(0o755);
        header.set_size(0);
        header.set_mtime(0);
        builder.append_data(&mut header, dir, std::io::empty())?;
    }
    for f in files {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(f.mode);
        header.set_size(f.contents.len() as u64);
        header.set_mtime(0);
        builder.append_data(
            &mut header,
            f.path.trim_start_matches('/'),
            f.contents.as_slice(),
        )?;
    }
    builder.into_inner()
}

impl Engine {
    /// Put files into a container, created or running, in one request.
    /// Files land in the container's own filesystem and volumes, but a path
    /// under a tmpfs mount (/run, /tmp) is hidden by the mount: use /etc.
    pub async fn upload_files(
        &self,
        container: &str,
        files: &[FileEntry],
    ) -> Result<(), EngineError> {
        if files.is_empty() {
            return Ok(());
        }
        let tar = tar_of(files).map_err(|source| EngineError::Archive {
            object: container.to_string(),
            source,
        })?;
        self.docker
            .upload_to_container(
                container,
                Some(bollard::query_parameters::UploadToContainerOptions {
                    path: "/".to_string(),
                    ..Default::default()
                }),
                bollard::body_full(Bytes::from(tar)),
            )
            .await
            .map_err(EngineError::api("uploading files to", container))
    }

    /// A path of a container (running or not), typically a directory, as
    /// the engine's tar stream, unbuffered. A missing path fails the stream
    /// with an error of kind `NotFound`.
    pub fn download(
        &self,
        container: &str,
        path: &str,
    ) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + use<> {
        use futures::StreamExt;
        self.docker
            .download_from_container(
                container,
                Some(bollard::query_parameters::DownloadFromContainerOptions {
                    path: path.to_string(),
                }),
            )
            .map(|chunk| {
                chunk.map_err(|e| match super::error::status_of(&e) {
                    Some(404) => std::io::Error::new(std::io::ErrorKind::NotFound, e),
                    _ => std::io::Error::other(e),
                })
            })
    }

    /// Read one file out of a container (running or not).
    pub async fn read_file(&self, container: &str, path: &str) -> Result<Vec<u8>, EngineError> {
        use futures::TryStreamExt;
        let chunks: Vec<Bytes> = self
            .docker
            .download_from_container(
                container,
                Some(bollard::query_parameters::DownloadFromContainerOptions {
                    path: path.to_string(),
                }),
            )
            .try_collect()
            .await
            .map_err(EngineError::api(
                "reading a file from",
                format!("{container}:{path}"),
            ))?;
        let tar_bytes: Vec<u8> = chunks.concat();
        let mut archive = tar::Archive::new(tar_bytes.as_slice());
        let io_err = |source| EngineError::Archive {
            object: format!("{container}:{path}"),
            source,
        };
        for entry in archive.entries().map_err(io_err)? {
            let mut entry = entry.map_err(io_err)?;
            if entry.header().entry_type().is_file() {
                let mut buf = Vec::new();
                std::io::Read::read_to_end(&mut entry, &mut buf).map_err(io_err)?;
                return Ok(buf);
            }
        }
        Err(EngineError::Failed {
            action: "reading a file from",
            object: format!("{container}:{path}"),
            message: "not a regular file".to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_holds_files_with_modes_and_parents() {
        let files = vec![
            FileEntry::new("/etc/kubernetes/pki/ca.key", b"secret".to_vec(), 0o600),
            FileEntry::new("/etc/devk/node.env", b"A=1\n".to_vec(), 0o644),
        ];
        let tar = tar_of(&files).unwrap();
        let mut archive = tar::Archive::new(tar.as_slice());
        let mut seen = Vec::new();
        for e in archive.entries().unwrap() {
            let e = e.unwrap();
            seen.push((
                e.path().unwrap().display().to_string(),
                e.header().mode().unwrap(),
                e.header().entry_type().is_dir(),
            ));
        }
        assert!(seen.contains(&("etc/kubernetes/pki/ca.key".into(), 0o600, false)));
        assert!(seen.contains(&("etc/devk/node.env".into(), 0o644, false)));
        assert!(seen.contains(&("etc/kubernetes/pki".into(), 0o755, true)));
        assert!(seen.contains(&("etc".into(), 0o755, true)));
    }

    #[test]
    fn debug_never_prints_contents() {
        let f = FileEntry::new("/k", b"-----BEGIN PRIVATE KEY-----".to_vec(), 0o600);
        assert!(!format!("{f:?}").contains("PRIVATE"));
    }
}
