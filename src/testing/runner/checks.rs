//! The objects of `NN-assert*.yaml` (must come to match) and
//! `NN-errors*.yaml` (must not match at the end of the step), each checked
//! against the live objects of its kind in its namespace — the test's,
//! unless the object names another; cluster-wide for cluster-scoped kinds.

use serde_json::Value;

use super::problem::Problem;
use crate::kube::watch::LiveObjects;
use crate::testing::manifest::Document;
use crate::testing::matcher::{Closest, Selection, find_match, select_candidates};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Assert,
    Error,
}

/// One expected (or forbidden) object and what the last evaluation saw.
#[derive(Debug, Clone)]
pub struct Check {
    pub role: Role,
    pub document: Document,
    /// The index of its watch in the step's [`super::watches::Watches`].
    pub watch: usize,
    /// Where it was looked for: `namespace t`, `the cluster`.
    pub scope: String,
    pub state: CheckState,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CheckState {
    NotChecked,
    /// An assert that matches, or an errors object that does not.
    Satisfied,
    /// An assert with no match (and the closest candidate, if any).
    NoMatch {
        candidates: usize,
        closest: Option<(String, Closest)>,
    },
    /// An errors object that a live object matches.
    Exists {
        object: String,
    },
}

impl Check {
    pub fn new(role: Role, document: Document, watch: usize, scope: String) -> Check {
        Check {
            role,
            document,
            watch,
            scope,
            state: CheckState::NotChecked,
        }
    }

    /// Compare with the live objects of the kind.
    pub fn evaluate(&mut self, live: &LiveObjects) {
        let objects: Vec<Value> = live.values().cloned().collect();
        self.state = match self.role {
            Role::Assert => match select_candidates(&self.document.value, &objects) {
                Selection::Found { .. } => CheckState::Satisfied,
                Selection::NotFound {
                    candidates,
                    closest,
                } => CheckState::NoMatch {
                    candidates,
                    closest: closest.map(|c| (object_name(&objects[c.index]), c)),
                },
            },
            Role::Error => match find_match(&self.document.value, &objects) {
                Some(index) => CheckState::Exists {
                    object: object_name(&objects[index]),
                },
                None => CheckState::Satisfied,
            },
        };
    }

    pub fn satisfied(&self) -> bool {
        self.state == CheckState::Satisfied
    }

    /// What to report when the step ends with this check unsatisfied.
    pub fn problem(&self) -> Problem {
        let what = self.document.describe();
        let file = self.document.location();
        match (&self.role, &self.state) {
            (Role::Assert, CheckState::NoMatch { candidates: 0, .. }) => Problem {
                summary: format!("assert {what} ({file}) did not match"),
                expected: format!("{what} as stated in {file}"),
                seen: format!("no such {} in {}", self.document.kind(), self.scope),
                differences: Vec::new(),
            },
            (
                Role::Assert,
                CheckState::NoMatch {
                    candidates,
                    closest,
                },
            ) => {
                let (seen, differences) = match closest {
                    Some((name, closest)) => (
                        format!(
                            "{} {name} differs in {} field{} (closest of {candidates})",
                            self.document.kind(),
                            closest.differences.len(),
                            if closest.differences.len() == 1 {
                                ""
                            } else {
                                "s"
                            }
                        ),
                        closest.differences.clone(),
                    ),
                    None => (format!("{candidates} candidates, none close"), Vec::new()),
                };
                Problem {
                    summary: format!("assert {what} ({file}) did not match"),
                    expected: format!("{what} as stated in {file}"),
                    seen,
                    differences,
                }
            }
            (Role::Error, CheckState::Exists { object }) => Problem {
                summary: format!("{what} exists, but {file} says it must not"),
                expected: format!("no object matching {what} in {}", self.scope),
                seen: format!("{} {object} matches", self.document.kind()),
                differences: Vec::new(),
            },
            (_, _) => Problem {
                summary: format!("{what} ({file}) could not be checked"),
                expected: format!("{what} as stated in {file}"),
                seen: "the objects of its kind were never listed".to_string(),
                differences: Vec::new(),
            },
        }
    }
}

fn object_name(object: &Value) -> String {
    object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("<unnamed>")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::manifest::{NameRule, parse_str};
    use kube::runtime::watcher::Event;
    use serde_json::json;
    use std::path::Path;

    fn document(text: &str) -> Document {
        parse_str(text, Path::new("t/00-assert.yaml"), NameRule::Optional)
            .unwrap()
            .remove(0)
    }

    fn live(objects: &[Value]) -> LiveObjects {
        let mut live = LiveObjects::new("apps/v1", "Deployment");
        live.apply(&Event::<Value>::Init);
        for o in objects {
            live.apply(&Event::InitApply(o.clone()));
        }
        live.apply(&Event::<Value>::InitDone);
        live
    }

    fn deployment(name: &str, ready: i64) -> Value {
        json!({"metadata": {"name": name, "namespace": "t"}, "status": {"readyReplicas": ready}})
    }

    #[test]
    fn asserts_report_the_closest_differences() {
        let mut check = Check::new(
            Role::Assert,
            document(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nstatus: {readyReplicas: 2}\n",
            ),
            0,
            "namespace t".into(),
        );
        check.evaluate(&live(&[deployment("web", 1), deployment("db", 2)]));
        assert!(!check.satisfied());
        let problem = check.problem();
        assert_eq!(
            problem.summary,
            "assert Deployment web (t/00-assert.yaml, document 1 (line 1)) did not match"
        );
        assert_eq!(
            problem.seen,
            "Deployment web differs in 1 field (closest of 1)"
        );
        assert_eq!(
            problem.differences[0].to_string(),
            "status.readyReplicas: expected 2, seen 1"
        );
        check.evaluate(&live(&[deployment("web", 2)]));
        assert!(check.satisfied());

        check.evaluate(&live(&[]));
        assert_eq!(check.problem().seen, "no such Deployment in namespace t");
    }

    #[test]
    fn errors_objects_must_not_match() {
        let mut check = Check::new(
            Role::Error,
            document("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: old}\n"),
            0,
            "namespace t".into(),
        );
        check.evaluate(&live(&[deployment("web", 1)]));
        assert!(check.satisfied());
        check.evaluate(&live(&[deployment("old", 1)]));
        assert!(!check.satisfied());
        let problem = check.problem();
        assert!(
            problem.summary.starts_with("Deployment old exists"),
            "{problem:?}"
        );
        assert_eq!(problem.seen, "Deployment old matches");
    }
}
