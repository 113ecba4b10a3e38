//! Suite files: `devk-test.yaml` (ours, strict) and kuttl's
//! `kuttl-test.yaml` (read for compatibility), both turned into one
//! [`SuiteConfig`]. Relative paths are resolved against the suite file's
//! directory, and checked to exist, so a typo fails before any cluster work.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::duration::parse_duration;
use super::error::TestingError;

pub const DEVK_SUITE_FILE: &str = "devk-test.yaml";
pub const KUTTL_SUITE_FILE: &str = "kuttl-test.yaml";
pub const DEVK_API_VERSION: &str = "devk.dev/v1alpha1";
pub const KUTTL_API_VERSION: &str = "kuttl.dev/v1beta1";

/// A suite's settings, whichever file they came from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SuiteConfig {
    /// The suite file, if there was one.
    pub file: Option<PathBuf>,
    /// The suite's name (`metadata.name` of a devk suite file).
    pub name: Option<String>,
    /// Per-step timeout.
    pub timeout: Option<Duration>,
    /// How many tests to run at once.
    pub parallel: Option<usize>,
    /// Images to load into the cluster's nodes before the tests.
    pub load_images: Vec<String>,
    /// Files or directories applied once before all tests (CRDs, shared config).
    pub setup: Vec<PathBuf>,
    /// Directories of test directories (kuttl's testDirs); empty means the
    /// suite file's own directory.
    pub test_dirs: Vec<PathBuf>,
    /// Settings read but not acted on, to show the user.
    pub warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DevkSuiteFile {
    #[allow(dead_code)] // checked before deserializing
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    #[serde(default)]
    metadata: Option<DevkMetadata>,
    /// A string like `2m`; a number is read only to say it needs a unit.
    #[serde(default)]
    timeout: Option<Value>,
    #[serde(default)]
    parallel: Option<usize>,
    #[serde(default)]
    load_images: Vec<String>,
    #[serde(default)]
    setup: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DevkMetadata {
    name: Option<String>,
}

/// Read a suite file, devk's or kuttl's (told apart by apiVersion and kind).
pub fn load_suite_file(path: &Path) -> Result<SuiteConfig, TestingError> {
    let text = std::fs::read_to_string(path).map_err(|source| TestingError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_suite_file(&text, path)
}

/// Parse suite file text; `path` locates relative paths and names the file
/// in errors.
pub fn parse_suite_file(text: &str, path: &Path) -> Result<SuiteConfig, TestingError> {
    let value: Value = serde_saphyr::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
        TestingError::Yaml {
            path: path.to_path_buf(),
            line,
            column,
            message: e.without_snippet().to_string(),
        }
    })?;
    let api_version = value.get("apiVersion").and_then(Value::as_str);
    let kind = value.get("kind").and_then(Value::as_str);
    match (api_version, kind) {
        (Some(DEVK_API_VERSION), Some("TestSuite")) => parse_devk(value, path),
        (Some(KUTTL_API_VERSION), Some("TestSuite")) => parse_kuttl(&value, path),
        _ => Err(suite_error(
            path,
            None,
            format!(
                "not a test suite file: expected apiVersion {DEVK_API_VERSION} (or {KUTTL_API_VERSION}) and kind TestSuite, found apiVersion {} and kind {}",
                api_version.unwrap_or("<none>"),
                kind.unwrap_or("<none>")
            ),
            Some(format!(
                "start the file with:\n  apiVersion: {DEVK_API_VERSION}\n  kind: TestSuite"
            )),
        )),
    }
}

fn parse_devk(value: Value, path: &Path) -> Result<SuiteConfig, TestingError> {
    let file: DevkSuiteFile = serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        suite_error(
            path,
            Some(field.clone()),
            format!("{field}: {}", e.inner()),
            Some(
                "devk-test.yaml fields: apiVersion, kind, metadata.name, timeout, parallel, loadImages, setup"
                    .to_string(),
            ),
        )
    })?;
    let base = base_dir(path);
    let timeout = match &file.timeout {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => Some(other.to_string()),
    }
    .map(|text| parse_duration(&text))
    .transpose()
    .map_err(|e| {
        let hint = e.hint();
        suite_error(path, Some("timeout".into()), format!("timeout: {e}"), hint)
    })?;
    if file.parallel == Some(0) {
        return Err(suite_error(
            path,
            Some("parallel".into()),
            "parallel: must be at least 1".to_string(),
            None,
        ));
    }
    let setup = file
        .setup
        .iter()
        .enumerate()
        .map(|(i, p)| existing_path(path, &base, &format!("setup[{i}]"), p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SuiteConfig {
        file: Some(path.to_path_buf()),
        name: file.metadata.and_then(|m| m.name),
        timeout,
        parallel: file.parallel,
        load_images: file.load_images,
        setup,
        test_dirs: Vec::new(),
        warnings: Vec::new(),
    })
}

/// kuttl TestSuite fields devk reads but does not act on.
const KUTTL_IGNORED: &[(&str, &str)] = &[
    ("metadata", ""),
    ("skipDelete", "use devk test --keep to keep test namespaces"),
    (
        "skipClusterDelete",
        "use devk test without --ephemeral to keep a cluster",
    ),
    (
        "artifactsDir",
        "devk writes reports where --junit and --output json say",
    ),
    (
        "reportFormat",
        "use devk test --junit FILE or --output json",
    ),
    ("reportName", "use devk test --junit FILE or --output json"),
    (
        "reportGranularity",
        "devk reports one JUnit testcase per test",
    ),
    ("suppress", ""),
    ("fullName", ""),
    ("namespace", "devk runs each test in its own namespace"),
    ("config", ""),
];

/// kuttl TestSuite fields that ask for a cluster to be started.
const KUTTL_CLUSTER_FIELDS: &[&str] = &[
    "startKIND",
    "startControlPlane",
    "kindConfig",
    "kindContext",
    "kindNodeCache",
    "controlPlaneArgs",
    "attachControlPlaneOutput",
];

fn parse_kuttl(value: &Value, path: &Path) -> Result<SuiteConfig, TestingError> {
    let base = base_dir(path);
    let mut config = SuiteConfig {
        file: Some(path.to_path_buf()),
        ..SuiteConfig::default()
    };
    let Some(fields) = value.as_object() else {
        return Err(suite_error(path, None, "is not a mapping".into(), None));
    };
    for (key, field) in fields {
        let wrong_type = |expected: &str| {
            suite_error(
                path,
                Some(key.clone()),
                format!("{key}: expected {expected}, found {field}"),
                None,
            )
        };
        match key.as_str() {
            "apiVersion" | "kind" => {}
            "timeout" => {
                let seconds = field
                    .as_u64()
                    .ok_or_else(|| wrong_type("a whole number of seconds"))?;
                // kuttl reads 0 as "the default".
                if seconds > 0 {
                    config.timeout = Some(Duration::from_secs(seconds));
                }
            }
            "parallel" => {
                let n = field.as_u64().ok_or_else(|| wrong_type("a whole number"))?;
                if n > 0 {
                    config.parallel = Some(usize::try_from(n).unwrap_or(usize::MAX));
                }
            }
            "testDirs" => {
                for (i, dir) in string_list(field)
                    .ok_or_else(|| wrong_type("a list of paths"))?
                    .iter()
                    .enumerate()
                {
                    config.test_dirs.push(existing_path(
                        path,
                        &base,
                        &format!("testDirs[{i}]"),
                        dir,
                    )?);
                }
            }
            "crdDir" => {
                let dir = field.as_str().ok_or_else(|| wrong_type("a path"))?;
                if !dir.is_empty() {
                    // CRDs go first: kuttl installs them before manifestDirs.
                    config
                        .setup
                        .insert(0, existing_path(path, &base, "crdDir", dir)?);
                }
            }
            "manifestDirs" => {
                for (i, dir) in string_list(field)
                    .ok_or_else(|| wrong_type("a list of paths"))?
                    .iter()
                    .enumerate()
                {
                    config.setup.push(existing_path(
                        path,
                        &base,
                        &format!("manifestDirs[{i}]"),
                        dir,
                    )?);
                }
            }
            "kindContainers" => {
                config.load_images =
                    string_list(field).ok_or_else(|| wrong_type("a list of image references"))?;
            }
            "commands" => {
                if field.as_array().is_some_and(|a| !a.is_empty()) {
                    return Err(TestingError::Unsupported {
                        path: path.to_path_buf(),
                        feature: "kuttl TestSuite commands".to_string(),
                        hint: "run the commands before devk test (a CI step), or turn them into setup manifests".to_string(),
                    });
                }
            }
            k if KUTTL_CLUSTER_FIELDS.contains(&k) => {
                if is_set(field) {
                    return Err(suite_error(
                        path,
                        Some(key.clone()),
                        format!(
                            "{key} is not supported: devk test runs against the current cluster, or creates one with --ephemeral"
                        ),
                        Some(format!(
                            "remove {key} and run `devk test --ephemeral` to test in a throwaway cluster"
                        )),
                    ));
                }
            }
            k => match KUTTL_IGNORED.iter().find(|(name, _)| *name == k) {
                Some((_, advice)) => {
                    if is_set(field) && k != "metadata" {
                        let mut warning = format!("{key} is ignored");
                        if !advice.is_empty() {
                            warning.push_str(&format!(": {advice}"));
                        }
                        config.warnings.push(warning);
                    }
                }
                None => {
                    return Err(suite_error(
                        path,
                        Some(key.clone()),
                        format!("unknown field `{key}` in a kuttl TestSuite"),
                        Some("devk reads timeout, parallel, testDirs, crdDir, manifestDirs and kindContainers from kuttl-test.yaml".to_string()),
                    ));
                }
            },
        }
    }
    Ok(config)
}

fn is_set(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Number(n) => n.as_f64() != Some(0.0),
    }
}

fn string_list(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn base_dir(path: &Path) -> PathBuf {
    path.parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn existing_path(
    file: &Path,
    base: &Path,
    field: &str,
    relative: &str,
) -> Result<PathBuf, TestingError> {
    let resolved = base.join(relative);
    if resolved.exists() {
        Ok(resolved)
    } else {
        Err(suite_error(
            file,
            Some(field.to_string()),
            format!("{field}: {} does not exist", resolved.display()),
            Some("paths in a suite file are relative to the suite file's directory".to_string()),
        ))
    }
}

fn suite_error(
    path: &Path,
    field: Option<String>,
    message: String,
    hint: Option<String>,
) -> TestingError {
    TestingError::SuiteFile {
        path: path.to_path_buf(),
        field,
        message,
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("crds")).unwrap();
        std::fs::create_dir(dir.path().join("shared")).unwrap();
        std::fs::create_dir(dir.path().join("tests")).unwrap();
        dir
    }

    fn parse_in(dir: &Path, name: &str, text: &str) -> Result<SuiteConfig, TestingError> {
        parse_suite_file(text, &dir.join(name))
    }

    #[test]
    fn devk_suite_file() {
        let dir = suite_dir();
        let config = parse_in(
            dir.path(),
            DEVK_SUITE_FILE,
            "\
apiVersion: devk.dev/v1alpha1
kind: TestSuite
metadata: {name: smoke}
timeout: 2m
parallel: 4
loadImages: [myapp:dev, worker:dev]
setup: [crds, shared]
",
        )
        .unwrap();
        assert_eq!(config.name.as_deref(), Some("smoke"));
        assert_eq!(config.timeout, Some(Duration::from_secs(120)));
        assert_eq!(config.parallel, Some(4));
        assert_eq!(config.load_images, ["myapp:dev", "worker:dev"]);
        assert_eq!(
            config.setup,
            [dir.path().join("crds"), dir.path().join("shared")]
        );
        assert!(config.test_dirs.is_empty() && config.warnings.is_empty());

        let minimal = parse_in(
            dir.path(),
            DEVK_SUITE_FILE,
            "apiVersion: devk.dev/v1alpha1\nkind: TestSuite\n",
        )
        .unwrap();
        assert_eq!(minimal.timeout, None);
        assert_eq!(minimal.file, Some(dir.path().join(DEVK_SUITE_FILE)));
    }

    #[test]
    fn devk_suite_file_is_strict() {
        let dir = suite_dir();
        let head = "apiVersion: devk.dev/v1alpha1\nkind: TestSuite\n";
        let cases = [
            ("paralel: 2\n", Some("paralel"), "unknown field `paralel`"),
            ("timeout: 30\n", Some("timeout"), "needs a unit"),
            ("timeout: soon\n", Some("timeout"), "invalid duration"),
            ("parallel: 0\n", Some("parallel"), "at least 1"),
            ("parallel: -1\n", Some("parallel"), "parallel"),
            (
                "setup: [crds, missing]\n",
                Some("setup[1]"),
                "missing does not exist",
            ),
            (
                "loadImages: [a, 3]\n",
                Some("loadImages[1]"),
                "invalid type",
            ),
            (
                "metadata: {name: x, labels: {}}\n",
                Some("metadata.labels"),
                "unknown field `labels`",
            ),
        ];
        for (body, want_field, needle) in cases {
            let err = parse_in(dir.path(), DEVK_SUITE_FILE, &format!("{head}{body}")).unwrap_err();
            match &err {
                TestingError::SuiteFile { field, message, .. } => {
                    assert_eq!(field.as_deref(), want_field, "{body}");
                    assert!(message.contains(needle), "{body}: {message}");
                }
                other => panic!("{body}: {other:?}"),
            }
            assert!(err.to_string().contains(DEVK_SUITE_FILE), "{err}");
        }
    }

    #[test]
    fn wrong_kind_or_version_is_refused() {
        let dir = suite_dir();
        for text in [
            "apiVersion: devk.dev/v1alpha1\nkind: Cluster\n",
            "apiVersion: v1\nkind: TestSuite\n",
            "{}\n",
        ] {
            let err = parse_in(dir.path(), DEVK_SUITE_FILE, text).unwrap_err();
            assert!(err.to_string().contains("not a test suite file"), "{err}");
            assert!(err.hint().unwrap().contains("kind: TestSuite"));
        }
        let err = parse_in(dir.path(), DEVK_SUITE_FILE, "a: [\n").unwrap_err();
        assert!(matches!(err, TestingError::Yaml { line: 1, .. }), "{err:?}");
    }

    #[test]
    fn kuttl_suite_file_is_mapped() {
        let dir = suite_dir();
        let config = parse_in(
            dir.path(),
            KUTTL_SUITE_FILE,
            "\
apiVersion: kuttl.dev/v1beta1
kind: TestSuite
testDirs: [tests]
manifestDirs: [shared]
crdDir: crds
kindContainers: [myapp:dev]
timeout: 120
parallel: 3
startKIND: false
skipDelete: true
namespace: fixed
",
        )
        .unwrap();
        assert_eq!(config.timeout, Some(Duration::from_secs(120)));
        assert_eq!(config.parallel, Some(3));
        assert_eq!(config.test_dirs, [dir.path().join("tests")]);
        assert_eq!(
            config.setup,
            [dir.path().join("crds"), dir.path().join("shared")]
        );
        assert_eq!(config.load_images, ["myapp:dev"]);
        assert_eq!(config.warnings.len(), 2, "{:?}", config.warnings);
        assert!(config.warnings[0].contains("skipDelete is ignored: use devk test --keep"));
        assert!(config.warnings[1].contains("namespace is ignored"));
    }

    #[test]
    fn kuttl_cluster_and_command_fields_are_rejected() {
        let dir = suite_dir();
        let head = "apiVersion: kuttl.dev/v1beta1\nkind: TestSuite\n";
        for field in [
            "startKIND: true",
            "startControlPlane: true",
            "kindConfig: kind.yaml",
        ] {
            let err =
                parse_in(dir.path(), KUTTL_SUITE_FILE, &format!("{head}{field}\n")).unwrap_err();
            let shown = err.to_string();
            assert!(shown.contains("--ephemeral"), "{shown}");
            assert!(shown.contains(field.split(':').next().unwrap()), "{shown}");
        }
        let err = parse_in(
            dir.path(),
            KUTTL_SUITE_FILE,
            &format!("{head}commands:\n- command: kubectl apply -f x\n"),
        )
        .unwrap_err();
        assert!(matches!(err, TestingError::Unsupported { .. }), "{err:?}");
        let err = parse_in(
            dir.path(),
            KUTTL_SUITE_FILE,
            &format!("{head}frobnicate: 1\n"),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("unknown field `frobnicate`"),
            "{err}"
        );
        let err = parse_in(
            dir.path(),
            KUTTL_SUITE_FILE,
            &format!("{head}timeout: 2m\n"),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("timeout: expected a whole number of seconds"),
            "{err}"
        );
        let err = parse_in(
            dir.path(),
            KUTTL_SUITE_FILE,
            &format!("{head}testDirs: [nope]\n"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("testDirs[0]"), "{err}");
    }
}
