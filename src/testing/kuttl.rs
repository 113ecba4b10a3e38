//! kuttl's in-step objects: `TestStep` (in a step's files: objects to delete
//! first, extra files to apply/assert) and `TestAssert` (a step's timeout).
//! What devk cannot do — running commands and scripts, CEL assertions,
//! another kubeconfig — is an error naming the file, not silently skipped:
//! a test that passes without its checks is worse than one that fails.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::error::TestingError;
use super::manifest::Document;
use super::suite_file::KUTTL_API_VERSION;

/// An object (or, with no name, every object with these labels) to delete
/// before a step applies anything.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
    /// Absent: the test's namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// What a kuttl TestStep adds to a step.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TestStepSettings {
    /// Overrides the step name taken from the file name.
    pub name: Option<String>,
    pub delete: Vec<ObjectRef>,
    /// Extra files or directories, resolved against the test directory.
    pub apply: Vec<PathBuf>,
    pub assert: Vec<PathBuf>,
    pub error: Vec<PathBuf>,
}

/// What a kuttl TestAssert adds to a step.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TestAssertSettings {
    pub timeout: Option<Duration>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)] // fields read only to be accepted or refused
struct RawTestStep {
    api_version: String,
    kind: String,
    #[serde(default)]
    metadata: Option<Value>,
    #[serde(default)]
    index: Option<i64>,
    #[serde(default)]
    apply: Vec<String>,
    #[serde(default)]
    assert: Vec<String>,
    #[serde(default)]
    error: Vec<String>,
    #[serde(default)]
    delete: Vec<ObjectRef>,
    #[serde(default)]
    unit_test: Option<bool>,
    #[serde(default)]
    commands: Vec<Value>,
    #[serde(default)]
    kubeconfig: Option<String>,
    #[serde(default)]
    kubeconfig_loading: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct RawTestAssert {
    api_version: String,
    kind: String,
    #[serde(default)]
    metadata: Option<Value>,
    #[serde(default)]
    timeout: Option<u64>,
    #[serde(default)]
    commands: Vec<Value>,
    #[serde(default)]
    collectors: Vec<Value>,
    #[serde(default)]
    assert_all: Vec<Value>,
    #[serde(default)]
    assert_any: Vec<Value>,
    #[serde(default)]
    resource_refs: Vec<Value>,
}

/// Whether a document is one of kuttl's own objects rather than something
/// to apply.
pub fn kuttl_kind(document: &Document) -> Option<&str> {
    if document.api_version() != KUTTL_API_VERSION {
        return None;
    }
    match document.kind() {
        kind @ ("TestStep" | "TestAssert" | "TestSuite") => Some(kind),
        _ => None,
    }
}

/// Read a TestStep; `test_dir` resolves its apply/assert/error paths.
pub fn test_step(
    document: &Document,
    test_dir: &std::path::Path,
) -> Result<TestStepSettings, TestingError> {
    let raw: RawTestStep = deserialize(document)?;
    if !raw.commands.is_empty() {
        return Err(unsupported(
            document,
            "kuttl TestStep commands (and script)",
            "run commands in a CI step before devk test, or express the check as an NN-assert.yaml",
        ));
    }
    if raw.kubeconfig.is_some() || raw.kubeconfig_loading.is_some() {
        return Err(unsupported(
            document,
            "kuttl TestStep kubeconfig",
            "devk test runs every step against one cluster (--context / --cluster)",
        ));
    }
    let name = raw
        .metadata
        .as_ref()
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let resolve = |paths: Vec<String>| paths.into_iter().map(|p| test_dir.join(p)).collect();
    Ok(TestStepSettings {
        name,
        delete: raw.delete,
        apply: resolve(raw.apply),
        assert: resolve(raw.assert),
        error: resolve(raw.error),
    })
}

/// Read a TestAssert.
pub fn test_assert(document: &Document) -> Result<TestAssertSettings, TestingError> {
    let raw: RawTestAssert = deserialize(document)?;
    if !raw.commands.is_empty() {
        return Err(unsupported(
            document,
            "kuttl TestAssert commands (and script)",
            "express the check as objects in an NN-assert.yaml file",
        ));
    }
    if !raw.assert_all.is_empty() || !raw.assert_any.is_empty() || !raw.resource_refs.is_empty() {
        return Err(unsupported(
            document,
            "kuttl TestAssert CEL expressions (assertAll, assertAny, resourceRefs)",
            "express the check as partial objects in an NN-assert.yaml file",
        ));
    }
    let mut warnings = Vec::new();
    if !raw.collectors.is_empty() {
        warnings.push(format!(
            "{}: collectors are ignored: devk reports events, pod states and log tails of a failed step itself",
            document.location()
        ));
    }
    Ok(TestAssertSettings {
        timeout: raw.timeout.filter(|s| *s > 0).map(Duration::from_secs),
        warnings,
    })
}

fn deserialize<T: serde::de::DeserializeOwned>(document: &Document) -> Result<T, TestingError> {
    serde_path_to_error::deserialize(document.value.clone()).map_err(|e| TestingError::Document {
        path: document.path.clone(),
        document: document.document,
        line: document.line,
        item: document.item,
        problem: format!("{} {}: {}", document.kind(), e.path(), e.inner()),
    })
}

fn unsupported(document: &Document, feature: &str, hint: &str) -> TestingError {
    TestingError::Unsupported {
        path: document.path.clone(),
        feature: feature.to_string(),
        hint: hint.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::manifest::{NameRule, parse_str};
    use std::path::Path;

    fn doc(text: &str) -> Document {
        parse_str(text, Path::new("t/00-step.yaml"), NameRule::Required)
            .unwrap()
            .remove(0)
    }

    #[test]
    fn recognises_kuttl_objects() {
        assert_eq!(
            kuttl_kind(&doc("apiVersion: kuttl.dev/v1beta1\nkind: TestStep\n")),
            Some("TestStep")
        );
        assert_eq!(
            kuttl_kind(&doc("apiVersion: kuttl.dev/v1beta1\nkind: TestAssert\n")),
            Some("TestAssert")
        );
        assert_eq!(
            kuttl_kind(&doc(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
            )),
            None
        );
    }

    #[test]
    fn test_step_delete_and_paths() {
        let d = doc("\
apiVersion: kuttl.dev/v1beta1
kind: TestStep
metadata: {name: upgrade}
index: 3
delete:
- apiVersion: apps/v1
  kind: Deployment
  name: web
- apiVersion: v1
  kind: Pod
  labels: {app: web}
apply: [../shared/config.yaml]
assert: [checks]
unitTest: false
");
        let step = test_step(&d, Path::new("/suite/t")).unwrap();
        assert_eq!(step.name.as_deref(), Some("upgrade"));
        assert_eq!(step.delete.len(), 2);
        assert_eq!(step.delete[0].name.as_deref(), Some("web"));
        assert_eq!(step.delete[1].name, None);
        assert_eq!(
            step.delete[1].labels.get("app").map(String::as_str),
            Some("web")
        );
        assert_eq!(
            step.apply,
            [PathBuf::from("/suite/t/../shared/config.yaml")]
        );
        assert_eq!(step.assert, [PathBuf::from("/suite/t/checks")]);
    }

    #[test]
    fn commands_and_scripts_are_refused_naming_the_file() {
        let cases = [
            "apiVersion: kuttl.dev/v1beta1\nkind: TestStep\ncommands:\n- command: kubectl get pods\n",
            "apiVersion: kuttl.dev/v1beta1\nkind: TestStep\ncommands:\n- script: echo hi\n",
        ];
        for text in cases {
            let err = test_step(&doc(text), Path::new("t")).unwrap_err();
            assert_eq!(
                err.to_string(),
                "t/00-step.yaml: kuttl TestStep commands (and script) is not supported by devk test"
            );
            assert!(err.hint().unwrap().contains("assert"));
        }
        let err = test_assert(&doc(
            "apiVersion: kuttl.dev/v1beta1\nkind: TestAssert\ncommands:\n- command: x\n",
        ))
        .unwrap_err();
        assert!(err.to_string().contains("TestAssert commands"), "{err}");
        let err = test_assert(&doc(
            "apiVersion: kuttl.dev/v1beta1\nkind: TestAssert\nassertAll:\n- celExpr: 'true'\n",
        ))
        .unwrap_err();
        assert!(err.to_string().contains("CEL"), "{err}");
        let err = test_step(
            &doc("apiVersion: kuttl.dev/v1beta1\nkind: TestStep\nkubeconfig: other\n"),
            Path::new("t"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("kubeconfig"), "{err}");
    }

    #[test]
    fn test_assert_timeout_and_strictness() {
        let settings = test_assert(&doc(
            "apiVersion: kuttl.dev/v1beta1\nkind: TestAssert\ntimeout: 90\n",
        ))
        .unwrap();
        assert_eq!(settings.timeout, Some(Duration::from_secs(90)));
        let settings = test_assert(&doc(
            "apiVersion: kuttl.dev/v1beta1\nkind: TestAssert\ntimeout: 0\ncollectors:\n- pod: x\n",
        ))
        .unwrap();
        assert_eq!(settings.timeout, None);
        assert_eq!(settings.warnings.len(), 1);
        let err = test_assert(&doc(
            "apiVersion: kuttl.dev/v1beta1\nkind: TestAssert\ntimeuot: 5\n",
        ))
        .unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.contains("t/00-step.yaml: document 1 (line 1)")
                && shown.contains("unknown field `timeuot`"),
            "{shown}"
        );
    }
}
