//! Expected rollout outcomes: by default a workload must roll out; the
//! annotation `devk.dev/expect-rollout` says otherwise:
//!
//! - `success` (the default): must roll out.
//! - `failure`: must fail, for any [`FailureReason`].
//! - `failure:ImagePullBackOff` or `failure:ImagePullBackOff,CrashLoopBackOff`:
//!   must fail for one of these reasons.
//! - `ignore`: applied but not waited for.
//!
//! [`judge`] turns an expectation and the last rollout state seen into a
//! verdict; a state still `Progressing` when judged means the wait timed out.

use std::fmt;

use serde_json::Value;

use super::{FailureReason, Rollout};

pub const EXPECT_ROLLOUT_ANNOTATION: &str = "devk.dev/expect-rollout";

/// What a test expects of one workload's rollout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expectation {
    Complete,
    /// Must fail; with reasons, for one of them (empty: any reason).
    Fail {
        reasons: Vec<FailureReason>,
    },
    Ignore,
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expectation::Complete => f.write_str("success"),
            Expectation::Fail { reasons } if reasons.is_empty() => f.write_str("failure"),
            Expectation::Fail { reasons } => write!(f, "failure:{}", join(reasons, ",")),
            Expectation::Ignore => f.write_str("ignore"),
        }
    }
}

/// The expectation an object's annotation states (`Complete` without one).
pub fn expectation(obj: &Value) -> Result<Expectation, String> {
    let Some(raw) = obj
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(EXPECT_ROLLOUT_ANNOTATION))
    else {
        return Ok(Expectation::Complete);
    };
    let text = raw.as_str().ok_or_else(|| {
        format!("annotation {EXPECT_ROLLOUT_ANNOTATION} must be a string, found {raw}")
    })?;
    parse_expectation(text).map_err(|e| format!("annotation {EXPECT_ROLLOUT_ANNOTATION}: {e}"))
}

/// Parse an annotation value: `success`, `failure`, `failure:R1,R2`, `ignore`.
pub fn parse_expectation(text: &str) -> Result<Expectation, String> {
    let text = text.trim();
    let (word, reasons) = match text.split_once(':') {
        Some((word, reasons)) => (word.trim(), Some(reasons)),
        None => (text, None),
    };
    match (word, reasons) {
        ("success", None) => Ok(Expectation::Complete),
        ("ignore", None) => Ok(Expectation::Ignore),
        ("failure", None) => Ok(Expectation::Fail { reasons: vec![] }),
        ("failure", Some(list)) => {
            let reasons = list
                .split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::parse::<FailureReason>)
                .collect::<Result<Vec<_>, _>>()?;
            if reasons.is_empty() {
                return Err(format!(
                    "{text:?} names no reason after the colon; write `failure` for any reason"
                ));
            }
            Ok(Expectation::Fail { reasons })
        }
        _ => Err(format!(
            "{text:?} is not one of `success`, `failure`, `failure:<Reason>[,<Reason>...]`, `ignore`"
        )),
    }
}

/// The outcome of judging one rollout against its expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass { note: String },
    Fail { message: String },
}

impl Verdict {
    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Pass { .. })
    }
}

/// Whether the runner can stop watching: the rollout reached a state that
/// `judge` will not see differently later.
pub fn is_settled(expectation: &Expectation, rollout: &Rollout) -> bool {
    match expectation {
        Expectation::Ignore => true,
        _ => !matches!(rollout, Rollout::Progressing(_)),
    }
}

/// Judge the last rollout state seen. Call it once the state is settled
/// ([`is_settled`]) or the step timed out: `Progressing` here means the
/// timeout came first.
pub fn judge(expectation: &Expectation, outcome: &Rollout) -> Verdict {
    let pass = |note: String| Verdict::Pass { note };
    let fail = |message: String| Verdict::Fail { message };
    match (expectation, outcome) {
        (Expectation::Ignore, _) => {
            pass(format!("not checked ({EXPECT_ROLLOUT_ANNOTATION}: ignore)"))
        }
        (Expectation::Complete, Rollout::Complete) => pass("rolled out".to_string()),
        (Expectation::Complete, Rollout::Progressing(last)) => {
            fail(format!("the rollout did not complete in time: {last}"))
        }
        (Expectation::Complete, Rollout::Failed { reason, message }) => {
            fail(format!("the rollout failed ({reason}): {message}"))
        }
        (Expectation::Fail { reasons }, Rollout::Failed { reason, message }) => {
            if reasons.is_empty() || reasons.iter().any(|r| reason.satisfies(*r)) {
                pass(format!("failed as expected ({reason}): {message}"))
            } else {
                fail(format!(
                    "expected the rollout to fail with {} but it failed with {reason}: {message}",
                    join(reasons, " or ")
                ))
            }
        }
        (Expectation::Fail { reasons }, Rollout::Complete) => fail(format!(
            "expected the rollout to fail{} but it completed",
            reasons_in_parens(reasons)
        )),
        (Expectation::Fail { reasons }, Rollout::Progressing(last)) => fail(format!(
            "expected the rollout to fail{} but it was still progressing at the timeout: {last}",
            reasons_in_parens(reasons)
        )),
    }
}

fn reasons_in_parens(reasons: &[FailureReason]) -> String {
    if reasons.is_empty() {
        String::new()
    } else {
        format!(" ({})", join(reasons, " or "))
    }
}

fn join(reasons: &[FailureReason], separator: &str) -> String {
    reasons
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(separator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use FailureReason::*;
    use serde_json::json;

    fn annotated(value: Value) -> Value {
        json!({"metadata": {"name": "web", "annotations": {EXPECT_ROLLOUT_ANNOTATION: value}}})
    }

    #[test]
    fn expectation_from_annotation() {
        assert_eq!(
            expectation(&json!({"metadata": {"name": "web"}})),
            Ok(Expectation::Complete)
        );
        let cases = [
            ("success", Expectation::Complete),
            ("ignore", Expectation::Ignore),
            ("failure", Expectation::Fail { reasons: vec![] }),
            (
                " failure : ImagePullBackOff ",
                Expectation::Fail {
                    reasons: vec![ImagePullBackOff],
                },
            ),
            (
                "failure:ImagePullBackOff, CrashLoopBackOff",
                Expectation::Fail {
                    reasons: vec![ImagePullBackOff, CrashLoopBackOff],
                },
            ),
            (
                "failure:backofflimitexceeded",
                Expectation::Fail {
                    reasons: vec![BackoffLimitExceeded],
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(
                expectation(&annotated(json!(text))),
                Ok(want.clone()),
                "{text}"
            );
            // Display writes what parses back.
            assert_eq!(parse_expectation(&want.to_string()), Ok(want));
        }
    }

    #[test]
    fn bad_annotations_say_what_is_allowed() {
        let cases = [
            (json!("fail"), "is not one of"),
            (json!("failure:"), "names no reason"),
            (json!("failure:Oops"), "unknown failure reason \"Oops\""),
            (json!("success:ImagePullBackOff"), "is not one of"),
            (json!(true), "must be a string"),
        ];
        for (value, needle) in cases {
            let err = expectation(&annotated(value.clone())).unwrap_err();
            assert!(err.contains(needle), "{value}: {err}");
            assert!(err.contains(EXPECT_ROLLOUT_ANNOTATION), "{err}");
        }
    }

    #[test]
    fn judging_table() {
        let failed = |reason| Rollout::Failed {
            reason,
            message: "the detail".into(),
        };
        let progressing = Rollout::Progressing("0 of 1 updated replicas are available".into());
        let any_failure = Expectation::Fail { reasons: vec![] };
        let pull = Expectation::Fail {
            reasons: vec![ImagePullBackOff],
        };
        let pull_or_crash = Expectation::Fail {
            reasons: vec![ImagePullBackOff, CrashLoopBackOff],
        };

        // (expectation, outcome, passes, text the verdict contains)
        let cases = [
            (
                &Expectation::Complete,
                Rollout::Complete,
                true,
                "rolled out",
            ),
            (
                &Expectation::Complete,
                progressing.clone(),
                false,
                "did not complete in time: 0 of 1",
            ),
            (
                &Expectation::Complete,
                failed(CrashLoopBackOff),
                false,
                "the rollout failed (CrashLoopBackOff): the detail",
            ),
            (
                &any_failure,
                failed(Unschedulable),
                true,
                "failed as expected (Unschedulable)",
            ),
            (
                &pull,
                failed(ImagePullBackOff),
                true,
                "failed as expected (ImagePullBackOff)",
            ),
            (
                &pull,
                failed(ErrImagePull),
                true,
                "failed as expected (ErrImagePull)",
            ),
            (
                &pull,
                failed(CrashLoopBackOff),
                false,
                "expected the rollout to fail with ImagePullBackOff but it failed with CrashLoopBackOff",
            ),
            (
                &pull_or_crash,
                failed(CrashLoopBackOff),
                true,
                "failed as expected",
            ),
            (
                &pull,
                Rollout::Complete,
                false,
                "expected the rollout to fail (ImagePullBackOff) but it completed",
            ),
            (
                &any_failure,
                Rollout::Complete,
                false,
                "expected the rollout to fail but it completed",
            ),
            (
                &pull,
                progressing.clone(),
                false,
                "still progressing at the timeout: 0 of 1",
            ),
            (&Expectation::Ignore, failed(PodFailed), true, "not checked"),
            (
                &Expectation::Ignore,
                progressing.clone(),
                true,
                "not checked",
            ),
        ];
        for (expectation, outcome, passes, needle) in cases {
            let verdict = judge(expectation, &outcome);
            assert_eq!(
                verdict.passed(),
                passes,
                "{expectation} / {outcome}: {verdict:?}"
            );
            let text = match &verdict {
                Verdict::Pass { note } => note,
                Verdict::Fail { message } => message,
            };
            assert!(text.contains(needle), "{expectation} / {outcome}: {text}");
        }
    }

    #[test]
    fn settled_states() {
        let progressing = Rollout::Progressing("x".into());
        assert!(!is_settled(&Expectation::Complete, &progressing));
        assert!(is_settled(&Expectation::Complete, &Rollout::Complete));
        assert!(is_settled(
            &Expectation::Fail { reasons: vec![] },
            &Rollout::Failed {
                reason: PodFailed,
                message: String::new()
            }
        ));
        assert!(is_settled(&Expectation::Ignore, &progressing));
    }
}
