//! Results of a run and their renderings: [`model`] is the data the runner
//! fills in; [`text`], [`json`] and [`junit`] render it.

pub mod json;
pub mod junit;
pub mod model;
pub mod text;

pub use json::render_json;
pub use junit::{junit_report, render_junit};
pub use model::{
    ConditionState, ContainerState, Counts, Diagnostics, EXIT_ERROR, EXIT_FAILED, EXIT_PASSED,
    EventLine, Failure, LogTail, Outcome, PodState, StepResult, SuiteResult, TestResult, exit_code,
};
pub use text::{render_text, summary_line};

/// A result with a pass, a failure (with every diagnostic) and a skip.
#[cfg(test)]
pub(crate) mod fixtures {
    use std::time::{Duration, SystemTime};

    use serde_json::json;

    use super::model::*;
    use crate::testing::matcher::Difference;

    pub(crate) fn sample() -> SuiteResult {
        let at = |s: u64| Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600 + s));
        let failure = Failure {
            summary: "Deployment web did not roll out".into(),
            expected: "rolled out".into(),
            seen: "failed (ImagePullBackOff): pod web-1: container app: ImagePullBackOff".into(),
            differences: vec![Difference {
                path: "status.readyReplicas".into(),
                expected: json!(3),
                seen: Some(json!(1)),
            }],
            diagnostics: Diagnostics {
                events: vec![
                    EventLine {
                        time: at(9),
                        type_: "Warning".into(),
                        reason: "Failed".into(),
                        object: "Pod/web-1".into(),
                        message: "Failed to pull image".into(),
                    },
                    EventLine {
                        time: at(2),
                        type_: "Normal".into(),
                        reason: "Scheduled".into(),
                        object: "Pod/web-1".into(),
                        message: "Successfully assigned".into(),
                    },
                ],
                pods: vec![PodState {
                    name: "web-1".into(),
                    phase: "Pending".into(),
                    conditions: vec![ConditionState {
                        type_: "Ready".into(),
                        status: "False".into(),
                        reason: Some("ContainersNotReady".into()),
                        message: None,
                    }],
                    containers: vec![ContainerState {
                        name: "app".into(),
                        state: "waiting".into(),
                        reason: Some("ImagePullBackOff".into()),
                        message: Some("Back-off pulling image".into()),
                        restarts: 0,
                        init: false,
                    }],
                }],
                logs: vec![LogTail {
                    pod: "web-1".into(),
                    container: "app".into(),
                    previous: true,
                    lines: vec!["starting".into(), "panic: boom".into()],
                }],
            },
        };
        SuiteResult {
            tests: vec![
                TestResult {
                    name: "ok".into(),
                    classname: "suite".into(),
                    namespace: "devk-ok-aaaaa".into(),
                    outcome: Outcome::Passed,
                    duration: Duration::from_millis(1500),
                    steps: vec![StepResult {
                        index: 0,
                        name: "apply".into(),
                        outcome: Outcome::Passed,
                        duration: Duration::from_millis(1500),
                        failure: None,
                    }],
                },
                TestResult {
                    name: "web".into(),
                    classname: "suite".into(),
                    namespace: "devk-web-bbbbb".into(),
                    outcome: Outcome::Failed,
                    duration: Duration::from_secs(12),
                    steps: vec![
                        StepResult {
                            index: 0,
                            name: "00-install".into(),
                            outcome: Outcome::Failed,
                            duration: Duration::from_secs(12),
                            failure: Some(failure),
                        },
                        StepResult {
                            index: 1,
                            name: "01-upgrade".into(),
                            outcome: Outcome::Skipped {
                                reason: "an earlier step failed".into(),
                            },
                            duration: Duration::ZERO,
                            failure: None,
                        },
                    ],
                },
                TestResult {
                    name: "slow".into(),
                    classname: "suite".into(),
                    namespace: String::new(),
                    outcome: Outcome::Skipped {
                        reason: "filtered out by --filter '^w'".into(),
                    },
                    duration: Duration::ZERO,
                    steps: vec![],
                },
            ],
            duration: Duration::from_secs(14),
            started: at(0),
        }
    }
}
