//! Partial-object matching, as kuttl's asserts work: an expected object
//! matches a live one when every field it states has the same value there.
//! Maps match key by key (extra live keys are ignored), lists element by
//! element with equal lengths, scalars by equality (numbers as numbers, so
//! `3` equals `3.0`; a string never equals a number). An expected `null`
//! matches a field that is null or absent.

use std::fmt;

use serde_json::Value;

/// One field where the live object is not what was expected.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Difference {
    /// `status.readyReplicas`, `spec.template.spec.containers[0].image`,
    /// `metadata.labels["app.kubernetes.io/name"]`.
    pub path: String,
    pub expected: Value,
    /// `None` when the live object has no such field (left out of JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<Value>,
}

impl fmt::Display for Difference {
    /// `status.readyReplicas: expected 3, seen 1`; for lists of different
    /// lengths `…: expected 2 items, seen 3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "<object>"
        } else {
            &self.path
        };
        match (&self.expected, &self.seen) {
            (Value::Array(want), Some(Value::Array(got))) if want.len() != got.len() => {
                write!(
                    f,
                    "{path}: expected {} items, seen {}",
                    want.len(),
                    got.len()
                )
            }
            (want, Some(got)) => write!(
                f,
                "{path}: expected {}, seen {}",
                compact(want),
                compact(got)
            ),
            (want, None) => write!(f, "{path}: expected {}, seen <absent>", compact(want)),
        }
    }
}

/// The differences between `expected` and `live`; empty when `live` matches.
pub fn match_partial(expected: &Value, live: &Value) -> Vec<Difference> {
    let mut differences = Vec::new();
    compare(expected, live, &mut String::new(), &mut differences);
    differences
}

/// Difference lines, two-space indented, one per line, for failure reports.
pub fn render_differences(differences: &[Difference]) -> String {
    differences.iter().map(|d| format!("  {d}\n")).collect()
}

/// The outcome of looking for an expected object among live ones.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// `live[index]` matches.
    Found { index: usize },
    NotFound {
        /// How many live objects were of the right kind (and name, namespace
        /// and labels, where the expected object gives them).
        candidates: usize,
        /// The candidate with the fewest differences, to show in the report.
        closest: Option<Closest>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Closest {
    pub index: usize,
    pub differences: Vec<Difference>,
}

/// Find a live object that `expected` matches. The candidates are the live
/// objects with the same apiVersion and kind, and the same
/// `metadata.name` / `metadata.namespace` / (a superset of)
/// `metadata.labels` where `expected` states them; an expected object
/// without a name matches if ANY candidate matches.
pub fn select_candidates(expected: &Value, live: &[Value]) -> Selection {
    let candidates: Vec<usize> = live
        .iter()
        .enumerate()
        .filter(|(_, l)| is_candidate(expected, l))
        .map(|(i, _)| i)
        .collect();
    let mut closest: Option<Closest> = None;
    for &index in &candidates {
        let differences = match_partial(expected, &live[index]);
        if differences.is_empty() {
            return Selection::Found { index };
        }
        if closest
            .as_ref()
            .is_none_or(|c| differences.len() < c.differences.len())
        {
            closest = Some(Closest { index, differences });
        }
    }
    Selection::NotFound {
        candidates: candidates.len(),
        closest,
    }
}

/// For errors files: the index of a live object that `expected` matches,
/// i.e. the object that must not exist does.
pub fn find_match(expected: &Value, live: &[Value]) -> Option<usize> {
    match select_candidates(expected, live) {
        Selection::Found { index } => Some(index),
        Selection::NotFound { .. } => None,
    }
}

fn is_candidate(expected: &Value, live: &Value) -> bool {
    let same = |pointer: &str| match expected.pointer(pointer) {
        None | Some(Value::Null) => true,
        Some(want) => live.pointer(pointer) == Some(want),
    };
    if !(same("/apiVersion")
        && same("/kind")
        && same("/metadata/name")
        && same("/metadata/namespace"))
    {
        return false;
    }
    match expected
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
    {
        None => true,
        Some(labels) => {
            let live_labels = live.pointer("/metadata/labels").and_then(Value::as_object);
            labels
                .iter()
                .all(|(k, v)| live_labels.and_then(|l| l.get(k)) == Some(v))
        }
    }
}

fn compare(expected: &Value, live: &Value, path: &mut String, out: &mut Vec<Difference>) {
    match (expected, live) {
        (Value::Object(want), Value::Object(got)) => {
            for (key, want_value) in want {
                let mark = path.len();
                push_key(path, key);
                match got.get(key) {
                    Some(got_value) => compare(want_value, got_value, path, out),
                    None if want_value.is_null() => {}
                    None => out.push(Difference {
                        path: path.clone(),
                        expected: want_value.clone(),
                        seen: None,
                    }),
                }
                path.truncate(mark);
            }
        }
        (Value::Array(want), Value::Array(got)) => {
            if want.len() != got.len() {
                out.push(difference(path, expected, live));
                return;
            }
            for (i, (w, g)) in want.iter().zip(got).enumerate() {
                let mark = path.len();
                path.push_str(&format!("[{i}]"));
                compare(w, g, path, out);
                path.truncate(mark);
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            if !numbers_equal(a, b) {
                out.push(difference(path, expected, live));
            }
        }
        (want, got) => {
            if want != got {
                out.push(difference(path, expected, live));
            }
        }
    }
}

fn difference(path: &str, expected: &Value, live: &Value) -> Difference {
    Difference {
        path: path.to_string(),
        expected: expected.clone(),
        seen: Some(live.clone()),
    }
}

fn numbers_equal(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return x == y;
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return x == y;
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

fn push_key(path: &mut String, key: &str) {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push('[');
        path.push_str(&compact(&Value::String(key.to_string())));
        path.push(']');
    }
}

fn compact(value: &Value) -> String {
    // Serializing a Value cannot fail (string keys only); fall back anyway.
    serde_json::to_string(value).unwrap_or_else(|_| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(differences: &[Difference]) -> Vec<String> {
        differences.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn maps_match_on_expected_keys_only() {
        let live = json!({"metadata": {"name": "web", "uid": "123"}, "status": {"readyReplicas": 3, "replicas": 3}});
        assert!(match_partial(&json!({"status": {"readyReplicas": 3}}), &live).is_empty());
        assert_eq!(
            paths(&match_partial(
                &json!({"status": {"readyReplicas": 2, "updatedReplicas": 3}}),
                &live
            )),
            [
                "status.readyReplicas: expected 2, seen 3",
                "status.updatedReplicas: expected 3, seen <absent>"
            ]
        );
        assert!(match_partial(&json!({}), &live).is_empty());
    }

    #[test]
    fn lists_match_element_by_element_with_equal_length() {
        let live = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "web:1", "ports": [{"containerPort": 80}]},
            {"name": "sidecar", "image": "proxy:2"}
        ]}}}});
        let want = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "web:2", "ports": [{"containerPort": 80}]},
            {"name": "sidecar"}
        ]}}}});
        assert_eq!(
            paths(&match_partial(&want, &live)),
            ["spec.template.spec.containers[0].image: expected \"web:2\", seen \"web:1\""]
        );
        let too_short = json!({"spec": {"template": {"spec": {"containers": [{"name": "app"}]}}}});
        let diffs = match_partial(&too_short, &live);
        assert_eq!(
            paths(&diffs),
            ["spec.template.spec.containers: expected 1 items, seen 2"]
        );
        assert_eq!(diffs.len(), 1, "a length mismatch is one difference");
        let nested = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "ports": [{"containerPort": 80}, {"containerPort": 443}]}, {}]}}}});
        assert_eq!(
            paths(&match_partial(&nested, &live)),
            ["spec.template.spec.containers[0].ports: expected 2 items, seen 1"]
        );
    }

    #[test]
    fn scalars_numbers_and_types() {
        let cases = [
            (json!(3), json!(3.0), true),
            (json!(3.5), json!(3.5), true),
            (json!(3), json!(4), false),
            (json!("3"), json!(3), false),
            (json!(3), json!("3"), false),
            (json!(true), json!(true), true),
            (json!(true), json!("true"), false),
            (json!(u64::MAX), json!(u64::MAX), true),
            (json!(-1), json!(u64::MAX), false),
            (json!({"a": 1}), json!([1]), false),
            (json!("x"), json!(null), false),
        ];
        for (want, got, equal) in cases {
            assert_eq!(
                match_partial(&want, &got).is_empty(),
                equal,
                "{want} vs {got}"
            );
        }
    }

    #[test]
    fn expected_null_matches_null_or_absent() {
        let live = json!({"spec": {"paused": null}});
        assert!(match_partial(&json!({"spec": {"paused": null, "other": null}}), &live).is_empty());
        assert_eq!(
            paths(&match_partial(
                &json!({"spec": {"paused": null}}),
                &json!({"spec": {"paused": true}})
            )),
            ["spec.paused: expected null, seen true"]
        );
    }

    #[test]
    fn odd_keys_are_quoted_in_paths() {
        let want = json!({"metadata": {"labels": {"app.kubernetes.io/name": "web", "tier": "fe"}}});
        let live = json!({"metadata": {"labels": {"app.kubernetes.io/name": "api"}}});
        assert_eq!(
            paths(&match_partial(&want, &live)),
            [
                "metadata.labels[\"app.kubernetes.io/name\"]: expected \"web\", seen \"api\"",
                "metadata.labels.tier: expected \"fe\", seen <absent>"
            ]
        );
        assert_eq!(
            paths(&match_partial(&json!({"a": 1}), &json!(2))),
            ["<object>: expected {\"a\":1}, seen 2"]
        );
    }

    fn pod(name: &str, app: &str, phase: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": "t", "labels": {"app": app}},
               "status": {"phase": phase, "conditions": [{"type": "Ready", "status": if phase == "Running" {"True"} else {"False"}}]}})
    }

    #[test]
    fn nameless_expectations_match_any_candidate() {
        let live = vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}),
            pod("web-1", "web", "Pending"),
            pod("web-2", "web", "Running"),
            pod("db-1", "db", "Running"),
        ];
        let want = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": {"app": "web"}}, "status": {"phase": "Running"}});
        assert_eq!(
            select_candidates(&want, &live),
            Selection::Found { index: 2 }
        );
        assert_eq!(find_match(&want, &live), Some(2));

        // Labels filter the candidates: db-1 is Running but not a candidate.
        let want = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": {"app": "web"}}, "status": {"phase": "Succeeded"}});
        match select_candidates(&want, &live) {
            Selection::NotFound {
                candidates,
                closest: Some(closest),
            } => {
                assert_eq!(candidates, 2);
                assert_eq!(closest.index, 1);
                assert_eq!(
                    paths(&closest.differences),
                    ["status.phase: expected \"Succeeded\", seen \"Pending\""]
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(find_match(&want, &live), None);
    }

    #[test]
    fn closest_candidate_has_fewest_differences() {
        let live = vec![pod("a", "web", "Pending"), pod("b", "web", "Running")];
        let want = json!({"apiVersion": "v1", "kind": "Pod",
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}], "podIP": "10.0.0.1"}});
        match select_candidates(&want, &live) {
            Selection::NotFound {
                candidates: 2,
                closest: Some(closest),
            } => {
                assert_eq!(closest.index, 1);
                assert_eq!(
                    paths(&closest.differences),
                    ["status.podIP: expected \"10.0.0.1\", seen <absent>"]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn named_expectations_only_consider_that_object() {
        let live = vec![pod("a", "web", "Running"), pod("b", "web", "Pending")];
        let want = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}, "status": {"phase": "Running"}});
        match select_candidates(&want, &live) {
            Selection::NotFound {
                candidates: 1,
                closest: Some(c),
            } => assert_eq!(c.index, 1),
            other => panic!("{other:?}"),
        }
        let missing = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "zzz"}});
        assert_eq!(
            select_candidates(&missing, &live),
            Selection::NotFound {
                candidates: 0,
                closest: None
            }
        );
        let other_ns = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "elsewhere"}});
        assert_eq!(find_match(&other_ns, &live), None);
        let wrong_version = json!({"apiVersion": "v2", "kind": "Pod", "metadata": {"name": "a"}});
        assert_eq!(find_match(&wrong_version, &live), None);
    }

    #[test]
    fn rendered_difference_text() {
        let diffs = match_partial(
            &json!({"status": {"readyReplicas": 3, "conditions": [{"type": "Available"}]}, "spec": {"x": 1}}),
            &json!({"status": {"readyReplicas": 1, "conditions": []}}),
        );
        assert_eq!(
            render_differences(&diffs),
            "  status.readyReplicas: expected 3, seen 1\n  status.conditions: expected 1 items, seen 0\n  spec: expected {\"x\":1}, seen <absent>\n"
        );
        assert_eq!(render_differences(&[]), "");
    }
}
