//! Which kubeconfig file devk writes to, with kubectl's rules (client-go
//! `clientcmd.ClientConfigLoadingRules.GetDefaultFilename`, the file kubectl
//! writes a new context to):
//!
//! 1. an explicit `--kubeconfig` path, whether or not it exists;
//! 2. else, if `KUBECONFIG` is set and non-empty: its entries (split like
//!    `PATH`, duplicates dropped), the first one that exists, or the first
//!    entry when none exists;
//! 3. else `~/.kube/config`.
//!
//! One deliberate difference: client-go keeps empty entries (`KUBECONFIG=":a"`
//! would make it try to write to ""), devk skips them, and when only empty
//! entries remain it falls back to `~/.kube/config`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// `~/.kube/config` (relative `.kube/config` when there is no home).
pub fn home_kubeconfig(home: Option<&Path>) -> PathBuf {
    home.unwrap_or(Path::new("")).join(".kube").join("config")
}

/// The files kubectl reads, in precedence order (the first file to define a
/// name wins). `devk delete` can remove its entry from each.
pub fn loading_precedence(
    explicit: Option<&Path>,
    env_kubeconfig: Option<&OsStr>,
    home: Option<&Path>,
) -> Vec<PathBuf> {
    if let Some(explicit) = explicit {
        return vec![explicit.to_path_buf()];
    }
    let mut files: Vec<PathBuf> = Vec::new();
    if let Some(list) = env_kubeconfig.filter(|v| !v.is_empty()) {
        for entry in std::env::split_paths(list) {
            if !entry.as_os_str().is_empty() && !files.contains(&entry) {
                files.push(entry);
            }
        }
    }
    if files.is_empty() {
        files.push(home_kubeconfig(home));
    }
    files
}

/// The file a new entry is written to (see the module docs).
pub fn resolve_target(
    explicit: Option<&Path>,
    env_kubeconfig: Option<&OsStr>,
    home: Option<&Path>,
) -> PathBuf {
    let files = loading_precedence(explicit, env_kubeconfig, home);
    if explicit.is_some() {
        return files[0].clone();
    }
    // Like Go's os.Stat: follows symlinks, and an unreadable path counts as
    // missing.
    files
        .iter()
        .find(|file| std::fs::metadata(file).is_ok())
        .unwrap_or(&files[0])
        .clone()
}

/// [`resolve_target`] with this process's `KUBECONFIG` and home directory.
pub fn default_target(explicit: Option<&Path>) -> PathBuf {
    let env = std::env::var_os("KUBECONFIG");
    let home = dirs::home_dir();
    resolve_target(explicit, env.as_deref(), home.as_deref())
}

/// [`loading_precedence`] with this process's `KUBECONFIG` and home directory.
pub fn default_precedence(explicit: Option<&Path>) -> Vec<PathBuf> {
    let env = std::env::var_os("KUBECONFIG");
    let home = dirs::home_dir();
    loading_precedence(explicit, env.as_deref(), home.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    #[test]
    fn kubectl_rules() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let home = d.join("home");
        for existing in ["a", "b", "c"] {
            std::fs::write(d.join(existing), "").unwrap();
        }
        std::fs::create_dir_all(home.join(".kube")).unwrap();
        let p = |name: &str| d.join(name);
        let list = |names: &[&str]| -> OsString {
            std::env::join_paths(
                names
                    .iter()
                    .map(|n| if n.is_empty() { PathBuf::new() } else { p(n) }),
            )
            .unwrap()
        };
        let home_file = home.join(".kube").join("config");

        // (case, explicit, KUBECONFIG, expected)
        let cases: Vec<(&str, Option<PathBuf>, Option<OsString>, PathBuf)> = vec![
            ("nothing set: home file", None, None, home_file.clone()),
            (
                "empty KUBECONFIG is unset",
                None,
                Some(OsString::new()),
                home_file.clone(),
            ),
            ("single existing file", None, Some(list(&["a"])), p("a")),
            (
                "single missing file",
                None,
                Some(list(&["missing"])),
                p("missing"),
            ),
            (
                "first existing wins",
                None,
                Some(list(&["missing", "b", "a"])),
                p("b"),
            ),
            (
                "first of several existing",
                None,
                Some(list(&["a", "b"])),
                p("a"),
            ),
            (
                "none exists: first entry",
                None,
                Some(list(&["m1", "m2"])),
                p("m1"),
            ),
            (
                "empty entries skipped",
                None,
                Some(list(&["", "m1", "", "c"])),
                p("c"),
            ),
            (
                "empty entries, none exists",
                None,
                Some(list(&["", "m2"])),
                p("m2"),
            ),
            (
                "only empty entries: home",
                None,
                Some(OsString::from(":")),
                home_file.clone(),
            ),
            ("duplicates", None, Some(list(&["m1", "m1", "b"])), p("b")),
            (
                "explicit wins over KUBECONFIG",
                Some(p("x")),
                Some(list(&["a"])),
                p("x"),
            ),
            (
                "explicit wins even if missing",
                Some(p("missing")),
                None,
                p("missing"),
            ),
            (
                "a directory counts as existing",
                None,
                Some(list(&["m1", "home"])),
                p("home"),
            ),
        ];
        for (case, explicit, env, want) in cases {
            let got = resolve_target(explicit.as_deref(), env.as_deref(), Some(&home));
            assert_eq!(got, want, "{case}");
        }
    }

    #[test]
    fn precedence_lists() {
        let home = Path::new("/home/u");
        let env = OsString::from("/x:/y::/x:/z");
        assert_eq!(
            loading_precedence(None, Some(&env), Some(home)),
            [
                PathBuf::from("/x"),
                PathBuf::from("/y"),
                PathBuf::from("/z")
            ]
        );
        assert_eq!(
            loading_precedence(None, None, Some(home)),
            [PathBuf::from("/home/u/.kube/config")]
        );
        assert_eq!(
            loading_precedence(Some(Path::new("/e")), Some(&env), Some(home)),
            [PathBuf::from("/e")]
        );
        assert_eq!(home_kubeconfig(None), PathBuf::from(".kube/config"));
    }
}
