//! A lock on a kubeconfig file that waits, unlike kind's (which fails at
//! once and breaks parallel CI jobs) and kubectl's (which fails at once too).
//!
//! The lock is an OS file lock (`File::try_lock`, flock on Unix) on the
//! sibling file `<kubeconfig>.lock`, polled until a deadline (30 s by
//! default); polling rather than a blocking `lock()` keeps the wait bounded
//! without a helper thread. A lock held by a process that died is released by
//! the OS, so a crash never wedges later runs.
//!
//! `<kubeconfig>.lock` is also client-go's lock name: kubectl creates it with
//! O_EXCL and mode 0000 and deletes it when done. To coexist:
//! - devk deletes its lock file before unlocking, so kubectl does not trip
//!   over a leftover file;
//! - after locking, devk checks that the path still names the file it
//!   locked (another devk may have deleted it in between) and retries if not;
//! - a lock file with mode 0000 is kubectl's: devk waits for it to go away.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use super::KubeconfigError;

pub const LOCK_TIMEOUT: Duration = Duration::from_secs(30);
const POLL_INTERVAL: Duration = Duration::from_millis(15);

/// Held while a kubeconfig is read, edited and replaced.
#[derive(Debug)]
pub struct KubeconfigLock {
    path: PathBuf,
    // Closing the file releases the lock; kept open for the guard's lifetime.
    _file: File,
}

/// `<file>.lock` next to `file`.
pub fn lock_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

impl KubeconfigLock {
    /// Locks `file` (through `<file>.lock`), waiting up to `timeout`.
    pub fn acquire(file: &Path, timeout: Duration) -> Result<KubeconfigLock, KubeconfigError> {
        let path = lock_path(file);
        let deadline = Instant::now() + timeout;
        let lock_error = |source| KubeconfigError::Lock {
            path: path.clone(),
            source,
        };
        loop {
            let mut held_by_kubectl = false;
            match Self::try_once(&path) {
                Ok(Attempt::Locked(file)) => {
                    return Ok(KubeconfigLock { path, _file: file });
                }
                Ok(Attempt::Busy) => {}
                Ok(Attempt::Replaced) => continue,
                Ok(Attempt::HeldByKubectl) => held_by_kubectl = true,
                Err(e) => return Err(lock_error(e)),
            }
            if Instant::now() >= deadline {
                return Err(KubeconfigError::LockTimeout {
                    path,
                    waited: timeout,
                    held_by_kubectl,
                });
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    fn try_once(path: &Path) -> io::Result<Attempt> {
        let file = match OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
        {
            Ok(file) => file,
            // kubectl's lock file has mode 0000: only root can open it.
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied && is_kubectl_lock(path) => {
                return Ok(Attempt::HeldByKubectl);
            }
            Err(e) => return Err(e),
        };
        let opened = file.metadata()?;
        if opened.permissions().mode() & 0o777 == 0 {
            return Ok(Attempt::HeldByKubectl);
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(Attempt::Busy),
            Err(TryLockError::Error(e)) => return Err(e),
        }
        // The previous holder deletes the file before unlocking; if it did,
        // we locked an orphan and must start over with the current file.
        match fs::symlink_metadata(path) {
            Ok(now) if now.dev() == opened.dev() && now.ino() == opened.ino() => {
                Ok(Attempt::Locked(file))
            }
            Ok(_) => Ok(Attempt::Replaced),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Attempt::Replaced),
            Err(e) => Err(e),
        }
    }
}

enum Attempt {
    Locked(File),
    Busy,
    Replaced,
    HeldByKubectl,
}

fn is_kubectl_lock(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.permissions().mode() & 0o777 == 0)
}

impl Drop for KubeconfigLock {
    fn drop(&mut self) {
        // Delete while still locked (the file closes after this body runs),
        // so no one can lock this inode and believe it is current. A failure
        // leaves a harmless stale file: the next devk locks it normally.
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn lock_excludes_and_waits() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        let held = KubeconfigLock::acquire(&file, LOCK_TIMEOUT).unwrap();
        assert!(lock_path(&file).exists());

        let err = KubeconfigLock::acquire(&file, Duration::from_millis(100)).unwrap_err();
        match &err {
            KubeconfigError::LockTimeout {
                path,
                held_by_kubectl,
                ..
            } => {
                assert_eq!(path, &lock_path(&file));
                assert!(!held_by_kubectl);
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("config.lock"), "{err}");

        // A waiter gets the lock once the holder lets go.
        let waiter = {
            let file = file.clone();
            thread::spawn(move || KubeconfigLock::acquire(&file, LOCK_TIMEOUT).map(|_| ()))
        };
        thread::sleep(Duration::from_millis(50));
        drop(held);
        waiter.join().unwrap().unwrap();
        assert!(!lock_path(&file).exists(), "lock file left behind");
    }

    #[test]
    fn critical_sections_never_overlap() {
        let dir = tempfile::tempdir().unwrap();
        let file = Arc::new(dir.path().join("config"));
        let inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..12)
            .map(|_| {
                let (file, inside) = (file.clone(), inside.clone());
                thread::spawn(move || {
                    for _ in 0..5 {
                        let _lock = KubeconfigLock::acquire(&file, LOCK_TIMEOUT).unwrap();
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                        thread::sleep(Duration::from_millis(1));
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    }

    #[test]
    fn stale_devk_lock_file_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        // A devk killed with SIGKILL leaves the file but no OS lock.
        fs::write(lock_path(&file), "").unwrap();
        fs::set_permissions(lock_path(&file), fs::Permissions::from_mode(0o600)).unwrap();
        let lock = KubeconfigLock::acquire(&file, Duration::from_millis(500)).unwrap();
        drop(lock);
        assert!(!lock_path(&file).exists());
    }

    #[test]
    fn kubectl_lock_file_is_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        // What client-go's lockFile creates: O_EXCL, mode 0000.
        File::create(lock_path(&file)).unwrap();
        fs::set_permissions(lock_path(&file), fs::Permissions::from_mode(0o000)).unwrap();
        let err = KubeconfigLock::acquire(&file, Duration::from_millis(100)).unwrap_err();
        assert!(
            matches!(
                err,
                KubeconfigError::LockTimeout {
                    held_by_kubectl: true,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.hint().unwrap().contains("kubectl"));

        // kubectl finishes: it deletes its lock file, and devk proceeds.
        let waiter = {
            let file = file.clone();
            thread::spawn(move || KubeconfigLock::acquire(&file, LOCK_TIMEOUT).map(|_| ()))
        };
        thread::sleep(Duration::from_millis(50));
        fs::remove_file(lock_path(&file)).unwrap();
        waiter.join().unwrap().unwrap();
    }
}
