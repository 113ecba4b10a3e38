//! Reading and replacing a kubeconfig file safely: locked (see [`super::lock`]),
//! parsed and checked before anything is written (a file devk cannot
//! understand is an error and stays untouched), replaced atomically (temp
//! file in the same directory, fsync, rename), mode 0600.
//!
//! A symlinked kubeconfig (dotfile managers do this) stays a symlink: devk
//! follows the chain and replaces the file it points to, as kubectl's plain
//! write would. The lock is taken next to that final file, so two devk runs
//! reaching one file through different links still exclude each other.

use std::fs::{self, DirBuilder, File};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::document::{self, InvalidShape};
use super::lock::{KubeconfigLock, LOCK_TIMEOUT};
use super::{Entry, KubeconfigError};

const MAX_SYMLINKS: usize = 40;

/// Adds or updates `entry` in the kubeconfig at `path` (created if absent).
pub fn merge_into_file(
    path: &Path,
    entry: &Entry,
    make_current: bool,
) -> Result<(), KubeconfigError> {
    merge_into_file_with_timeout(path, entry, make_current, LOCK_TIMEOUT)
}

pub(super) fn merge_into_file_with_timeout(
    path: &Path,
    entry: &Entry,
    make_current: bool,
    lock_timeout: Duration,
) -> Result<(), KubeconfigError> {
    let target = resolve_symlinks(path)?;
    create_parent(&target)?;
    let _lock = KubeconfigLock::acquire(&target, lock_timeout)?;
    let existing = read(&target)?;
    let mut doc = match &existing {
        Some(text) => parse(&target, text)?,
        None => Value::Null,
    };
    document::merge_entry(&mut doc, entry, make_current).map_err(|e| invalid(&target, e))?;
    write_atomic(&target, &render_doc(&target, &doc)?)
}

/// Removes the entry named `name` from the kubeconfig at `path`. True if
/// anything was removed; when nothing was, the file is not rewritten (and a
/// missing file is not created).
pub fn remove_from_file(path: &Path, name: &str) -> Result<bool, KubeconfigError> {
    let target = resolve_symlinks(path)?;
    if !exists(&target)? {
        return Ok(false);
    }
    let _lock = KubeconfigLock::acquire(&target, LOCK_TIMEOUT)?;
    let Some(text) = read(&target)? else {
        return Ok(false);
    };
    let mut doc = parse(&target, &text)?;
    let removed = document::remove_entry(&mut doc, name).map_err(|e| invalid(&target, e))?;
    if removed {
        write_atomic(&target, &render_doc(&target, &doc)?)?;
    }
    Ok(removed)
}

/// devk's entry `name` in the kubeconfig at `path`, if it is there (no lock:
/// files are only ever replaced whole, so a read sees a complete version).
pub fn read_entry_from_file(path: &Path, name: &str) -> Result<Option<Entry>, KubeconfigError> {
    let target = resolve_symlinks(path)?;
    let Some(text) = read(&target)? else {
        return Ok(None);
    };
    let doc = parse(&target, &text)?;
    document::check_shape(&doc).map_err(|e| invalid(&target, e))?;
    Ok(document::read_entry(&doc, name))
}

/// Follows `path` through symbolic links to the file that holds the data.
/// A dangling link resolves to its (missing) target, which is then created.
pub fn resolve_symlinks(path: &Path) -> Result<PathBuf, KubeconfigError> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_SYMLINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current).map_err(|source| KubeconfigError::Read {
                    path: current.clone(),
                    source,
                })?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(source) => {
                return Err(KubeconfigError::Read {
                    path: current,
                    source,
                });
            }
        }
    }
    Err(KubeconfigError::SymlinkLoop {
        path: path.to_path_buf(),
        max: MAX_SYMLINKS,
    })
}

fn exists(path: &Path) -> Result<bool, KubeconfigError> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(KubeconfigError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// The file's text, or None when it does not exist.
fn read(path: &Path) -> Result<Option<String>, KubeconfigError> {
    match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| KubeconfigError::Read {
                path: path.to_path_buf(),
                source: io::Error::new(io::ErrorKind::InvalidData, "the file is not UTF-8 text"),
            }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(KubeconfigError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn parse(path: &Path, text: &str) -> Result<Value, KubeconfigError> {
    document::parse(text).map_err(|e| {
        let location = e.location();
        KubeconfigError::Parse {
            path: path.to_path_buf(),
            line: location.as_ref().map_or(0, |l| l.line()),
            column: location.as_ref().map_or(0, |l| l.column()),
            // No source snippet: a kubeconfig holds tokens and keys, which
            // must not end up in a terminal or a CI log.
            message: e.without_snippet().to_string(),
        }
    })
}

fn invalid(path: &Path, e: InvalidShape) -> KubeconfigError {
    KubeconfigError::Invalid {
        path: path.to_path_buf(),
        field: e.field,
        expected: e.expected,
    }
}

fn render_doc(path: &Path, doc: &Value) -> Result<String, KubeconfigError> {
    document::to_yaml(doc).map_err(|message| KubeconfigError::Render {
        path: path.to_path_buf(),
        message,
    })
}

fn create_parent(target: &Path) -> Result<(), KubeconfigError> {
    let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(parent)
        .map_err(|source| KubeconfigError::CreateDir {
            path: parent.to_path_buf(),
            source,
        })
}

/// Replaces `target` with `contents` so readers see the old or the new file,
/// never a mix: temp file in the same directory (same filesystem), fsync,
/// rename, fsync the directory.
fn write_atomic(target: &Path, contents: &str) -> Result<(), KubeconfigError> {
    let write_error = |source| KubeconfigError::Write {
        path: target.to_path_buf(),
        source,
    };
    let dir = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "kubeconfig".into());
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}.devk-"))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(write_error)?;
    temp.as_file()
        .set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(write_error)?;
    keep_owner(temp.as_file(), target);
    temp.write_all(contents.as_bytes()).map_err(write_error)?;
    temp.as_file().sync_all().map_err(write_error)?;
    temp.persist(target).map_err(|e| write_error(e.error))?;
    // Make the rename durable; some filesystems cannot fsync a directory,
    // and the data is already safe in the file, so a failure is ignored.
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// When root (e.g. `sudo devk create`) rewrites a user's kubeconfig, keep
/// the user as its owner, or they could no longer read it. Best effort: an
/// unprivileged process cannot change owners and does not need to.
fn keep_owner(temp: &File, target: &Path) {
    let (Ok(old), Ok(new)) = (fs::metadata(target), temp.metadata()) else {
        return;
    };
    if old.uid() != new.uid() || old.gid() != new.gid() {
        let _ = std::os::unix::fs::fchown(temp, Some(old.uid()), Some(old.gid()));
    }
}
