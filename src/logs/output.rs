//! Where an export goes: a directory that every collector writes into,
//! each file redacted on its way to disk. What could not be collected is
//! recorded as a problem (and written to `problems.txt`), never fatal: a
//! broken cluster is exactly when logs are wanted.

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use serde::Serialize;

use super::redact::redact;

/// A pod log over this size is cut (kubelet rotates at 10 MiB).
const MAX_FILE_BYTES: u64 = 256 << 20;

/// Something that could not be collected.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    pub what: String,
    pub message: String,
}

pub struct Output {
    root: PathBuf,
    files: AtomicUsize,
    bytes: AtomicU64,
    problems: Mutex<Vec<Problem>>,
}

/// `rel` under `root`, when it stays under it (no `..`, not absolute).
pub fn safe_join(root: &Path, rel: &str) -> Option<PathBuf> {
    let mut out = root.to_path_buf();
    let mut any = false;
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(part) => {
                out.push(part);
                any = true;
            }
            Component::CurDir => {}
            _ => return None,
        }
    }
    any.then_some(out)
}

impl Output {
    pub fn new(root: PathBuf) -> Output {
        Output {
            root,
            files: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            problems: Mutex::new(Vec::new()),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn files(&self) -> usize {
        self.files.load(Ordering::Relaxed)
    }

    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    pub fn problems(&self) -> Vec<Problem> {
        self.problems.lock().map(|p| p.clone()).unwrap_or_default()
    }

    pub fn problem(&self, what: impl Into<String>, message: impl Into<String>) {
        if let Ok(mut p) = self.problems.lock() {
            p.push(Problem {
                what: what.into(),
                message: message.into(),
            });
        }
    }

    /// Write one file (redacted), off the async threads.
    pub async fn write(&self, rel: &str, data: Vec<u8>) {
        let Some(path) = safe_join(&self.root, rel) else {
            self.problem(rel, "refused: the path leaves the export directory");
            return;
        };
        let written = tokio::task::spawn_blocking(move || write_redacted(&path, &data)).await;
        match written {
            Ok(Ok(n)) => {
                self.files.fetch_add(1, Ordering::Relaxed);
                self.bytes.fetch_add(n, Ordering::Relaxed);
            }
            Ok(Err(e)) => self.problem(rel, format!("writing it: {e}")),
            Err(e) => self.problem(rel, format!("writing it: {e}")),
        }
    }

    /// Write text.
    pub async fn write_text(&self, rel: &str, text: impl Into<String>) {
        self.write(rel, text.into().into_bytes()).await
    }

    /// Unpack a tar stream (the engine's download of a directory) under
    /// `rel`: regular files only (redacted; `.gz` rotated logs
    /// decompressed), never links. The engine's archive starts with the
    /// directory's own name; that first component is dropped. Returns how
    /// many files were written.
    pub async fn unpack(
        &self,
        rel: &str,
        stream: impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    ) -> Result<usize, std::io::Error> {
        let Some(dest) = safe_join(&self.root, rel) else {
            return Err(std::io::Error::other(
                "the path leaves the export directory",
            ));
        };
        // The tar reader is synchronous: feed it chunks through a channel.
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(16);
        let feeder = tokio::spawn(async move {
            let mut stream = Box::pin(stream);
            while let Some(chunk) = stream.next().await {
                let failed = chunk.is_err();
                if tx.send(chunk).await.is_err() || failed {
                    break;
                }
            }
        });
        let unpacked = tokio::task::spawn_blocking(move || {
            unpack_tar(
                ChannelReader {
                    rx,
                    current: Bytes::new(),
                },
                &dest,
            )
        })
        .await
        .map_err(std::io::Error::other)?;
        feeder.abort();
        let (files, bytes) = unpacked?;
        self.files.fetch_add(files, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        Ok(files)
    }
}

fn write_redacted(path: &Path, data: &[u8]) -> std::io::Result<u64> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let clean = redact(data);
    std::fs::write(path, &clean)?;
    Ok(clean.len() as u64)
}

/// Blocking reads over chunks sent from async code.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
    current: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// Unpack regular files of a tar under `dest`, without the first path
/// component; (files, bytes) written.
pub fn unpack_tar(reader: impl Read, dest: &Path) -> std::io::Result<(usize, u64)> {
    let mut archive = tar::Archive::new(reader);
    let (mut files, mut bytes) = (0usize, 0u64);
    for entry in archive.entries()? {
        let entry = entry?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let full = entry.path()?.to_string_lossy().to_string();
        let rel = full
            .trim_start_matches("./")
            .split_once('/')
            .map(|(_, rest)| rest)
            .unwrap_or("");
        let Some(mut path) = safe_join(dest, rel) else {
            continue;
        };
        let mut data = Vec::new();
        let gz = rel.ends_with(".gz");
        if gz {
            flate2::read::GzDecoder::new(entry.take(MAX_FILE_BYTES))
                .take(MAX_FILE_BYTES)
                .read_to_end(&mut data)?;
            path.set_extension("");
        } else {
            entry.take(MAX_FILE_BYTES).read_to_end(&mut data)?;
        }
        bytes += write_redacted(&path, &data)?;
        files += 1;
    }
    Ok((files, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn paths_stay_inside_the_export() {
        let root = Path::new("/out");
        let cases = [
            (
                "node/journal/kubelet.log",
                Some("/out/node/journal/kubelet.log"),
            ),
            ("./pods/a/0.log", Some("/out/pods/a/0.log")),
            ("../etc/passwd", None),
            ("/etc/passwd", None),
            ("a/../../b", None),
            ("", None),
        ];
        for (rel, want) in cases {
            assert_eq!(safe_join(root, rel), want.map(PathBuf::from), "{rel}");
        }
    }

    fn tar_of(entries: &[(&str, &[u8], tar::EntryType)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, body, kind) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(*kind);
            header.set_size(if kind.is_file() { body.len() as u64 } else { 0 });
            header.set_mode(0o644);
            if kind.is_symlink() {
                header.set_link_name("/etc/kubernetes/pki/ca.key").unwrap();
            }
            // Raw name bytes: the builder itself refuses `..`, a hostile
            // archive need not.
            let name = &mut header.as_old_mut().name;
            name.fill(0);
            name[..path.len()].copy_from_slice(path.as_bytes());
            header.set_cksum();
            builder.append(&header, *body).unwrap();
        }
        builder.into_inner().unwrap()
    }

    #[test]
    fn unpacking_keeps_files_redacts_them_and_drops_links() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"rotated line token: abcdefgh\n").unwrap();
        let gz = gz.finish().unwrap();
        let tar = tar_of(&[
            (
                "pods/ns_p_uid/c/0.log",
                b"hello password=hunter22\n",
                tar::EntryType::Regular,
            ),
            (
                "pods/ns_p_uid/c/0.log.20250101.gz",
                &gz,
                tar::EntryType::Regular,
            ),
            ("pods/link", b"", tar::EntryType::Symlink),
            ("pods/../../escape", b"x", tar::EntryType::Regular),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let (files, _) = unpack_tar(tar.as_slice(), dir.path()).unwrap();
        assert_eq!(files, 2);
        let log = std::fs::read_to_string(dir.path().join("ns_p_uid/c/0.log")).unwrap();
        assert!(
            log.starts_with("hello ") && !log.contains("hunter22"),
            "{log}"
        );
        let rotated =
            std::fs::read_to_string(dir.path().join("ns_p_uid/c/0.log.20250101")).unwrap();
        assert!(rotated.starts_with("rotated line") && !rotated.contains("abcdefgh"));
        assert!(!dir.path().join("link").exists());
        assert!(!dir.path().parent().unwrap().join("escape").exists());
    }

    #[tokio::test]
    async fn writes_are_redacted_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let out = Output::new(dir.path().to_path_buf());
        out.write_text("n/a.txt", "Authorization: Bearer abcdefgh12345678")
            .await;
        out.write_text("../x.txt", "no").await;
        let text = std::fs::read_to_string(dir.path().join("n/a.txt")).unwrap();
        assert!(!text.contains("abcdefgh12345678"));
        assert_eq!(out.files(), 1);
        assert_eq!(out.problems().len(), 1);
    }

    #[tokio::test]
    async fn a_stream_is_unpacked() {
        let tar = tar_of(&[("d/f.txt", b"contents", tar::EntryType::Regular)]);
        let chunks: Vec<Result<Bytes, std::io::Error>> = tar
            .chunks(100)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let out = Output::new(dir.path().to_path_buf());
        let n = out
            .unpack("node", futures::stream::iter(chunks))
            .await
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("node/f.txt")).unwrap(),
            "contents"
        );
    }
}
