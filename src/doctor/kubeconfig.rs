//! Check 9: can devk write the kubeconfig kubectl would use? devk replaces
//! the file through a temporary file in the same directory and a rename, so
//! the directory must be writable as well as the file (an immutable file
//! cannot be renamed over), or the directory must be creatable.

use std::path::{Path, PathBuf};

use super::Finding;
use super::access;

pub const NAME: &str = "kubeconfig";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileState {
    Missing,
    /// A directory or a device: not something to write a kubeconfig into.
    NotAFile,
    Present {
        readable: Result<(), String>,
        writable: Result<(), String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DirState {
    /// The directory exists; may we create files in it?
    Exists(Result<(), String>),
    /// The path exists and is not a directory.
    NotADirectory,
    /// It does not exist; `ancestor` is the nearest existing one, which
    /// must be a directory we may create in.
    Missing {
        ancestor: PathBuf,
        ancestor_is_dir: bool,
        access: Result<(), String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubeconfigFacts {
    /// The file kubectl would use.
    pub path: PathBuf,
    /// After following symlinks (what devk writes).
    pub resolved: PathBuf,
    pub from_env: bool,
    pub file: FileState,
    pub dir: PathBuf,
    pub dir_state: DirState,
}

const OTHER_FILE: &str =
    "or point KUBECONFIG at a file in a directory you own (`export KUBECONFIG=$HOME/.kube/config`)";

pub fn check(facts: &KubeconfigFacts) -> Finding {
    let shown = if facts.resolved != facts.path {
        format!("{} (-> {})", facts.path.display(), facts.resolved.display())
    } else {
        facts.path.display().to_string()
    };
    let from = if facts.from_env {
        "from KUBECONFIG"
    } else {
        "kubectl's default"
    };
    let file = facts.resolved.display();
    let dir = facts.dir.display();
    match &facts.file {
        FileState::NotAFile => {
            return Finding::fail(
                NAME,
                format!("{shown} ({from}) is not a regular file"),
                format!("remove or rename {file}, {OTHER_FILE}"),
            );
        }
        FileState::Present {
            readable: Err(e), ..
        } => {
            return Finding::fail(
                NAME,
                format!("{shown} ({from}) is not readable: {e}"),
                format!("`sudo chown $(id -u):$(id -g) {file} && chmod 600 {file}`, {OTHER_FILE}"),
            );
        }
        FileState::Present {
            writable: Err(e), ..
        } => {
            return Finding::fail(
                NAME,
                format!("{shown} ({from}) is not writable: {e}"),
                format!(
                    "`sudo chown $(id -u):$(id -g) {file} && chmod 600 {file}` (if `lsattr {file}` \
                     shows an i, it is immutable: `sudo chattr -i {file}`), {OTHER_FILE}"
                ),
            );
        }
        _ => {}
    }
    match &facts.dir_state {
        DirState::Exists(Err(e)) => {
            return Finding::fail(
                NAME,
                format!(
                    "{shown} ({from}): its directory {dir} is not writable ({e}); devk replaces the \
                     file through a temporary file next to it"
                ),
                format!("`sudo chown $(id -u):$(id -g) {dir}`, {OTHER_FILE}"),
            );
        }
        DirState::NotADirectory => {
            return Finding::fail(
                NAME,
                format!("{shown} ({from}): {dir} is not a directory"),
                format!("remove or rename {dir}, {OTHER_FILE}"),
            );
        }
        DirState::Missing {
            ancestor,
            ancestor_is_dir: false,
            ..
        } => {
            return Finding::fail(
                NAME,
                format!(
                    "{shown} ({from}): cannot create {dir}: {} is a file",
                    ancestor.display()
                ),
                format!("remove or rename {}, {OTHER_FILE}", ancestor.display()),
            );
        }
        DirState::Missing {
            ancestor,
            access: Err(e),
            ..
        } => {
            return Finding::fail(
                NAME,
                format!(
                    "{shown} ({from}): cannot create {dir}: {} is not writable ({e})",
                    ancestor.display()
                ),
                format!(
                    "`sudo mkdir -p {dir} && sudo chown $(id -u):$(id -g) {dir}`, {OTHER_FILE}"
                ),
            );
        }
        _ => {}
    }
    let message = match (&facts.file, &facts.dir_state) {
        (FileState::Missing, DirState::Missing { .. }) => {
            format!("{shown} ({from}) does not exist yet: devk create will create it and {dir}")
        }
        (FileState::Missing, _) => {
            format!("{shown} ({from}) does not exist yet: devk create will create it")
        }
        _ => format!("{shown} ({from}) is writable"),
    };
    Finding::ok(NAME, message)
}

fn access_text(path: &Path, mode: libc::c_int) -> Result<(), String> {
    access::check(path, mode).map_err(|e| e.to_string())
}

/// Facts for `path` (the file kubectl would use).
pub fn gather_for(path: &Path, from_env: bool) -> KubeconfigFacts {
    let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let file = match std::fs::metadata(&resolved) {
        Err(_) => FileState::Missing,
        Ok(m) if !m.is_file() => FileState::NotAFile,
        Ok(_) => FileState::Present {
            readable: access_text(&resolved, libc::R_OK),
            writable: access_text(&resolved, libc::W_OK),
        },
    };
    let dir = match resolved.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir_state = match std::fs::metadata(&dir) {
        Ok(m) if m.is_dir() => DirState::Exists(access_text(&dir, libc::W_OK | libc::X_OK)),
        Ok(_) => DirState::NotADirectory,
        Err(_) => {
            let ancestor = dir
                .ancestors()
                .skip(1)
                .find(|a| !a.as_os_str().is_empty() && std::fs::metadata(a).is_ok())
                .unwrap_or(Path::new("/"))
                .to_path_buf();
            let ancestor_is_dir = std::fs::metadata(&ancestor).is_ok_and(|m| m.is_dir());
            // Only a directory's access matters; a file in the way is the
            // finding already.
            let access = if ancestor_is_dir {
                access_text(&ancestor, libc::W_OK | libc::X_OK)
            } else {
                Ok(())
            };
            DirState::Missing {
                access,
                ancestor,
                ancestor_is_dir,
            }
        }
    };
    KubeconfigFacts {
        path: path.to_path_buf(),
        resolved,
        from_env,
        file,
        dir,
        dir_state,
    }
}

/// Facts for the file kubectl would use in this environment.
pub fn gather() -> KubeconfigFacts {
    let from_env = std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty());
    gather_for(&crate::kubeconfig::default_target(None), from_env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    fn facts(file: FileState, dir_state: DirState) -> KubeconfigFacts {
        KubeconfigFacts {
            path: PathBuf::from("/home/u/.kube/config"),
            resolved: PathBuf::from("/home/u/.kube/config"),
            from_env: false,
            file,
            dir: PathBuf::from("/home/u/.kube"),
            dir_state,
        }
    }

    fn present(readable: Result<(), &str>, writable: Result<(), &str>) -> FileState {
        FileState::Present {
            readable: readable.map_err(str::to_string),
            writable: writable.map_err(str::to_string),
        }
    }

    fn missing(ancestor: &str, is_dir: bool, access: Result<(), &str>) -> DirState {
        DirState::Missing {
            ancestor: PathBuf::from(ancestor),
            ancestor_is_dir: is_dir,
            access: access.map_err(str::to_string),
        }
    }

    #[test]
    fn kubeconfig_rules() {
        let ok_dir = DirState::Exists(Ok(()));
        // (case, facts, status, message contains, fix contains)
        let cases = [
            (
                "writable file",
                facts(present(Ok(()), Ok(())), ok_dir.clone()),
                Status::Ok,
                "/home/u/.kube/config (kubectl's default) is writable",
                "",
            ),
            (
                "missing file, dir ok",
                facts(FileState::Missing, ok_dir.clone()),
                Status::Ok,
                "does not exist yet: devk create will create it",
                "",
            ),
            (
                "missing dir, creatable",
                facts(FileState::Missing, missing("/home/u", true, Ok(()))),
                Status::Ok,
                "will create it and /home/u/.kube",
                "",
            ),
            (
                "immutable or read-only file",
                facts(
                    present(Ok(()), Err("Operation not permitted (os error 1)")),
                    ok_dir.clone(),
                ),
                Status::Fail,
                "/home/u/.kube/config (kubectl's default) is not writable: Operation not permitted",
                "sudo chattr -i /home/u/.kube/config",
            ),
            (
                "unreadable file",
                facts(
                    present(Err("Permission denied (os error 13)"), Ok(())),
                    ok_dir.clone(),
                ),
                Status::Fail,
                "is not readable",
                "sudo chown $(id -u):$(id -g) /home/u/.kube/config",
            ),
            (
                "a directory in the way",
                facts(FileState::NotAFile, ok_dir.clone()),
                Status::Fail,
                "is not a regular file",
                "export KUBECONFIG=",
            ),
            (
                "read-only directory",
                facts(
                    present(Ok(()), Ok(())),
                    DirState::Exists(Err("Permission denied (os error 13)".into())),
                ),
                Status::Fail,
                "its directory /home/u/.kube is not writable",
                "sudo chown $(id -u):$(id -g) /home/u/.kube",
            ),
            (
                "directory is a file",
                facts(FileState::Missing, DirState::NotADirectory),
                Status::Fail,
                "/home/u/.kube is not a directory",
                "remove or rename /home/u/.kube",
            ),
            (
                "an ancestor is a file",
                facts(FileState::Missing, missing("/home/u", false, Ok(()))),
                Status::Fail,
                "cannot create /home/u/.kube: /home/u is a file",
                "remove or rename /home/u",
            ),
            (
                "ancestor not writable",
                facts(
                    FileState::Missing,
                    missing("/home/u", true, Err("Permission denied (os error 13)")),
                ),
                Status::Fail,
                "/home/u is not writable",
                "sudo mkdir -p /home/u/.kube",
            ),
        ];
        for (case, f, status, message, fix) in cases {
            crate::doctor::assert_finding(case, &check(&f), status, message, fix);
        }
        let mut from_env = facts(FileState::Missing, DirState::Exists(Ok(())));
        from_env.from_env = true;
        assert!(check(&from_env).message.contains("(from KUBECONFIG)"));
    }

    #[test]
    fn gather_sees_files_dirs_and_blockers() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("config"), "").unwrap();
        std::fs::write(d.join("plain-file"), "").unwrap();

        let existing = gather_for(&d.join("config"), true);
        assert_eq!(existing.file, present(Ok(()), Ok(())));
        assert_eq!(existing.dir_state, DirState::Exists(Ok(())));
        assert_eq!(check(&existing).status, Status::Ok);

        let deep = gather_for(&d.join("a/b/config"), true);
        assert_eq!(deep.file, FileState::Missing);
        assert_eq!(deep.dir, d.join("a/b"));
        assert_eq!(deep.dir_state, missing(d.to_str().unwrap(), true, Ok(())));

        let blocked = gather_for(&d.join("plain-file/sub/config"), true);
        assert_eq!(
            blocked.dir_state,
            missing(d.join("plain-file").to_str().unwrap(), false, Ok(()))
        );
        assert_eq!(check(&blocked).status, Status::Fail);

        let not_a_dir = gather_for(&d.join("plain-file/config"), true);
        assert_eq!(not_a_dir.dir_state, DirState::NotADirectory);

        let a_dir = gather_for(d, true);
        assert_eq!(a_dir.file, FileState::NotAFile);

        // A symlinked kubeconfig is judged by the file it points to.
        std::os::unix::fs::symlink(d.join("config"), d.join("link")).unwrap();
        let link = gather_for(&d.join("link"), false);
        assert_eq!(
            link.resolved,
            std::fs::canonicalize(d.join("config")).unwrap()
        );
        assert!(check(&link).message.contains("(-> "));
    }
}
