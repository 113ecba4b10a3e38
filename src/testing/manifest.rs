//! Manifest files: YAML (one or more `---`-separated documents) read into
//! JSON values, each remembering its file, its document number and line, so
//! that every later message can point at the source. `kind: List` (and any
//! `*List` with `items`) is expanded into its items.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use serde_saphyr::Spanned;

use super::error::TestingError;

/// One object from a manifest file.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub path: PathBuf,
    /// 1-based, counting the file's non-empty documents.
    pub document: usize,
    /// The line the document starts on (1-based).
    pub line: u64,
    /// 1-based position inside a `List` document, if it came from one.
    pub item: Option<usize>,
    pub value: Value,
}

/// Whether objects must carry a name. Objects to apply must; objects in
/// assert and errors files need not (a nameless one matches any object of
/// its kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    Required,
    Optional,
}

impl Document {
    pub fn api_version(&self) -> &str {
        str_at(&self.value, "/apiVersion").unwrap_or("")
    }

    pub fn kind(&self) -> &str {
        str_at(&self.value, "/kind").unwrap_or("")
    }

    pub fn name(&self) -> Option<&str> {
        str_at(&self.value, "/metadata/name")
    }

    pub fn namespace(&self) -> Option<&str> {
        str_at(&self.value, "/metadata/namespace")
    }

    pub fn is_crd(&self) -> bool {
        is_crd(&self.value)
    }

    /// `app.yaml, document 2 (line 8)` — for messages.
    pub fn location(&self) -> String {
        let item = self.item.map(|i| format!(", item {i}")).unwrap_or_default();
        format!(
            "{}, document {} (line {}){item}",
            self.path.display(),
            self.document,
            self.line
        )
    }

    /// `Deployment web` — for messages.
    pub fn describe(&self) -> String {
        describe(&self.value)
    }
}

/// Read and parse one manifest file.
pub fn parse_file(path: &Path, rule: NameRule) -> Result<Vec<Document>, TestingError> {
    let text = std::fs::read_to_string(path).map_err(|source| TestingError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_str(&text, path, rule)
}

/// Parse manifest text; `path` is only used in messages and in the result.
pub fn parse_str(text: &str, path: &Path, rule: NameRule) -> Result<Vec<Document>, TestingError> {
    let raw: Vec<Spanned<Value>> =
        serde_saphyr::from_multiple(text).map_err(|e| yaml_error(path, &e))?;
    let mut documents = Vec::new();
    for (index, spanned) in raw.into_iter().enumerate() {
        let number = index + 1;
        let line = spanned.referenced.line();
        let at = |item: Option<usize>, problem: String| TestingError::Document {
            path: path.to_path_buf(),
            document: number,
            line,
            item,
            problem,
        };
        let value = spanned.value;
        match list_items(&value) {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    check_object(item, rule).map_err(|p| at(Some(i + 1), p))?;
                    documents.push(Document {
                        path: path.to_path_buf(),
                        document: number,
                        line,
                        item: Some(i + 1),
                        value: item.clone(),
                    });
                }
            }
            None => {
                check_object(&value, rule).map_err(|p| at(None, p))?;
                documents.push(Document {
                    path: path.to_path_buf(),
                    document: number,
                    line,
                    item: None,
                    value,
                });
            }
        }
    }
    Ok(documents)
}

/// `value` with `metadata.namespace` set to `namespace`, unless it already
/// has one. Whether the kind is namespaced at all is for the caller to know
/// (it needs API discovery); call this only on namespaced kinds.
pub fn with_namespace(mut value: Value, namespace: &str) -> Value {
    let Some(object) = value.as_object_mut() else {
        return value;
    };
    let metadata = object
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(metadata) = metadata.as_object_mut() {
        let has_namespace = metadata
            .get("namespace")
            .and_then(Value::as_str)
            .is_some_and(|ns| !ns.is_empty());
        if !has_namespace {
            metadata.insert(
                "namespace".to_string(),
                Value::String(namespace.to_string()),
            );
        }
    }
    value
}

/// A CustomResourceDefinition (to apply before anything that uses it).
pub fn is_crd(value: &Value) -> bool {
    str_at(value, "/kind") == Some("CustomResourceDefinition")
        && str_at(value, "/apiVersion").is_some_and(|v| v.starts_with("apiextensions.k8s.io/"))
}

/// The order to apply documents in: CRDs first, then Namespaces, then the
/// rest, each group in file order.
pub fn apply_order(documents: Vec<Document>) -> Vec<Document> {
    let rank = |d: &Document| {
        if d.is_crd() {
            0
        } else if d.kind() == "Namespace" && d.api_version() == "v1" {
            1
        } else {
            2
        }
    };
    let mut ranked: Vec<(u8, Document)> = documents.into_iter().map(|d| (rank(&d), d)).collect();
    ranked.sort_by_key(|(r, _)| *r); // stable: file order within a rank
    ranked.into_iter().map(|(_, d)| d).collect()
}

/// `Deployment web`, `Pod with labels app=web`, `ConfigMap cfg-* (generateName)`.
pub fn describe(value: &Value) -> String {
    let kind = str_at(value, "/kind").unwrap_or("object");
    if let Some(name) = str_at(value, "/metadata/name") {
        return format!("{kind} {name}");
    }
    if let Some(prefix) = str_at(value, "/metadata/generateName") {
        return format!("{kind} {prefix}* (generateName)");
    }
    match value.pointer("/metadata/labels").and_then(Value::as_object) {
        Some(labels) if !labels.is_empty() => {
            let pairs: Vec<String> = labels
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        v.as_str().map_or_else(|| v.to_string(), str::to_string)
                    )
                })
                .collect();
            format!("{kind} with labels {}", pairs.join(","))
        }
        _ => format!("any {kind}"),
    }
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// The items of a `List` document (`kind: List`, or `FooList` with `items`).
fn list_items(value: &Value) -> Option<&Vec<Value>> {
    let kind = str_at(value, "/kind")?;
    if !kind.ends_with("List") {
        return None;
    }
    value.get("items")?.as_array()
}

fn check_object(value: &Value, rule: NameRule) -> Result<(), String> {
    let Some(object) = value.as_object() else {
        return Err(format!("is {}, not an object", type_name(value)));
    };
    let mut missing = Vec::new();
    for field in ["apiVersion", "kind"] {
        match object.get(field) {
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(Value::String(_)) | None => missing.push(field),
            Some(other) => {
                return Err(format!(
                    "{field} must be a string, found {}",
                    type_name(other)
                ));
            }
        }
    }
    for field in ["name", "generateName", "namespace"] {
        if let Some(v) = value.pointer(&format!("/metadata/{field}"))
            && !v.is_string()
            && !v.is_null()
        {
            return Err(format!(
                "metadata.{field} must be a string, found {} ({v}); quote it in the YAML",
                type_name(v)
            ));
        }
    }
    // kuttl's TestStep/TestAssert/TestSuite carry no name.
    let is_kuttl = str_at(value, "/apiVersion").is_some_and(|v| v.starts_with("kuttl.dev/"));
    let named = ["name", "generateName"].iter().any(|f| {
        value
            .pointer(&format!("/metadata/{f}"))
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    });
    if rule == NameRule::Required && !is_kuttl && !named {
        missing.push("metadata.name (or metadata.generateName)");
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("missing {}", missing.join(", ")))
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A YAML error with its position; the crate's own rendering adds a source
/// snippet and a "line N column M" prefix that we put in the fields instead.
fn yaml_error(path: &Path, error: &serde_saphyr::Error) -> TestingError {
    let (line, column) = error.location().map_or((0, 0), |l| (l.line(), l.column()));
    let text = error.without_snippet().to_string();
    let mut message = text.lines().next().unwrap_or("").trim();
    message = message.strip_prefix("error:").unwrap_or(message).trim();
    if message.starts_with("line ")
        && let Some((_, rest)) = message.split_once(": ")
    {
        message = rest;
    }
    if let Some((text, position)) = message.rsplit_once(" at line ")
        && position.contains(", column ")
    {
        message = text;
    }
    TestingError::Yaml {
        path: path.to_path_buf(),
        line,
        column,
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str, rule: NameRule) -> Result<Vec<Document>, TestingError> {
        parse_str(text, Path::new("app.yaml"), rule)
    }

    #[test]
    fn multi_document_files_skip_empty_documents() {
        let text = "\
# leading comment
---
apiVersion: v1
kind: ConfigMap
metadata: {name: one}
---
# nothing but a comment
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: two
spec:
  replicas: 3
---
";
        let docs = parse(text, NameRule::Required).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!((docs[0].document, docs[0].line), (1, 3));
        assert_eq!((docs[1].document, docs[1].line), (2, 9));
        assert_eq!(docs[1].describe(), "Deployment two");
        assert_eq!(docs[1].value["spec"]["replicas"], json!(3));
        assert_eq!(docs[1].location(), "app.yaml, document 2 (line 9)");
        assert!(parse("", NameRule::Required).unwrap().is_empty());
        assert!(
            parse("# only a comment\n", NameRule::Required)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn lists_are_expanded() {
        let text = "\
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
- {apiVersion: v1, kind: Secret, metadata: {name: b}}
---
apiVersion: v1
kind: ConfigMapList
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}
";
        let docs = parse(text, NameRule::Required).unwrap();
        let names: Vec<_> = docs
            .iter()
            .map(|d| (d.document, d.item, d.describe()))
            .collect();
        assert_eq!(
            names,
            vec![
                (1, Some(1), "ConfigMap a".to_string()),
                (1, Some(2), "Secret b".to_string()),
                (2, Some(1), "ConfigMap c".to_string()),
            ]
        );
        let err = parse(
            "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap}\n",
            NameRule::Required,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "app.yaml: document 1 (line 1), item 1: missing metadata.name (or metadata.generateName)"
        );
    }

    #[test]
    fn missing_fields_name_file_document_and_field() {
        let cases = [
            (
                "kind: ConfigMap\nmetadata: {name: a}\n",
                "document 1 (line 1): missing apiVersion",
            ),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n",
                "document 2 (line 5): missing kind",
            ),
            (
                "apiVersion: v1\nkind: ConfigMap\n",
                "missing metadata.name (or metadata.generateName)",
            ),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \"\"}\n",
                "missing metadata.name",
            ),
            ("metadata: {}\n", "missing apiVersion, kind, metadata.name"),
            ("- a\n- b\n", "is a list, not an object"),
            (
                "apiVersion: 1\nkind: X\n",
                "apiVersion must be a string, found a number",
            ),
        ];
        for (text, needle) in cases {
            let err = parse(text, NameRule::Required).unwrap_err();
            let shown = err.to_string();
            assert!(shown.starts_with("app.yaml: document "), "{shown}");
            assert!(shown.contains(needle), "{text:?}: {shown}");
        }
    }

    #[test]
    fn names_are_optional_for_expectations_and_kuttl_objects() {
        let nameless = "apiVersion: v1\nkind: Pod\nmetadata: {labels: {app: web}}\n";
        assert_eq!(parse(nameless, NameRule::Optional).unwrap().len(), 1);
        assert!(parse(nameless, NameRule::Required).is_err());
        let kuttl = "apiVersion: kuttl.dev/v1beta1\nkind: TestStep\ndelete: []\n";
        assert_eq!(parse(kuttl, NameRule::Required).unwrap().len(), 1);
        let generated = "apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: cfg-}\n";
        let docs = parse(generated, NameRule::Required).unwrap();
        assert_eq!(docs[0].describe(), "ConfigMap cfg-* (generateName)");
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let err = parse(
            "apiVersion: v1\nkind: A\nmetadata:\n  name: [x\n",
            NameRule::Required,
        )
        .unwrap_err();
        match &err {
            TestingError::Yaml {
                line,
                column,
                message,
                ..
            } => {
                assert_eq!((*line, *column), (4, 9));
                assert!(message.contains("unclosed bracket"), "{message}");
                assert!(
                    !message.contains("line 4"),
                    "position is in the fields: {message}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(
            err.to_string().starts_with("app.yaml:4:9: invalid YAML: "),
            "{err}"
        );

        let err = parse("a: 1\n  b: 2\n", NameRule::Required).unwrap_err();
        assert!(
            err.to_string().starts_with("app.yaml:2:4: invalid YAML: "),
            "{err}"
        );
        let err = parse("a: 1\na: 2\n", NameRule::Required).unwrap_err();
        assert!(err.to_string().contains("duplicate"), "{err}");
    }

    #[test]
    fn parse_file_reports_unreadable_files() {
        let err = parse_file(Path::new("/nonexistent/x.yaml"), NameRule::Required).unwrap_err();
        assert!(matches!(err, TestingError::Read { .. }));
        assert!(
            err.to_string()
                .starts_with("/nonexistent/x.yaml: cannot read")
        );
    }

    #[test]
    fn with_namespace_sets_only_when_absent() {
        let cases = [
            (
                json!({"kind": "ConfigMap", "metadata": {"name": "a"}}),
                "test-ns",
            ),
            (
                json!({"kind": "ConfigMap", "metadata": {"name": "a", "namespace": ""}}),
                "test-ns",
            ),
            (
                json!({"kind": "ConfigMap", "metadata": {"name": "a", "namespace": "mine"}}),
                "mine",
            ),
            (json!({"kind": "ConfigMap"}), "test-ns"),
        ];
        for (value, want) in cases {
            let got = with_namespace(value.clone(), "test-ns");
            assert_eq!(got["metadata"]["namespace"], json!(want), "{value}");
        }
        assert_eq!(with_namespace(json!("x"), "ns"), json!("x"));
    }

    #[test]
    fn crds_then_namespaces_then_the_rest() {
        let text = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
---
apiVersion: v1
kind: Namespace
metadata: {name: extra}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
---
apiVersion: other.io/v1
kind: CustomResourceDefinition
metadata: {name: not-a-real-crd}
";
        let docs = parse(text, NameRule::Required).unwrap();
        assert!(docs[1].is_crd() && !docs[4].is_crd());
        let order: Vec<String> = apply_order(docs).iter().map(Document::describe).collect();
        assert_eq!(
            order,
            [
                "CustomResourceDefinition widgets.example.com",
                "Namespace extra",
                "Deployment web",
                "Widget w",
                "CustomResourceDefinition not-a-real-crd"
            ]
        );
    }

    #[test]
    fn describe_nameless_objects() {
        assert_eq!(
            describe(&json!({"kind": "Pod", "metadata": {"labels": {"app": "web", "tier": "fe"}}})),
            "Pod with labels app=web,tier=fe"
        );
        assert_eq!(describe(&json!({"kind": "Pod"})), "any Pod");
    }
}
