//! One test: its namespace, its steps in order (the first failure stops
//! it), and the namespace's deletion afterwards unless `--keep`.

use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::details::StepDetails;
use super::namespace;
use super::problem::into_failure;
use super::step::{StepContext, run_step};
use super::{Observer, RunOptions};
use crate::kube::Applier;
use crate::testing::discovery::TestCase;
use crate::testing::report::{Diagnostics, Outcome, StepResult, TestResult};
use crate::testing::suite_file::SuiteConfig;

pub struct TestRun {
    pub result: TestResult,
    pub details: Vec<StepDetails>,
    pub interrupted: bool,
}

pub struct TestSetting<'a> {
    pub applier: &'a Applier,
    pub config: &'a SuiteConfig,
    pub options: &'a RunOptions,
    pub observer: &'a dyn Observer,
    pub cancel: &'a CancellationToken,
}

pub async fn run_test(setting: &TestSetting<'_>, test: &TestCase, test_index: usize) -> TestRun {
    let skipped = |reason: String| TestResult {
        name: test.name.clone(),
        classname: test.classname.clone(),
        namespace: String::new(),
        outcome: Outcome::Skipped { reason },
        duration: std::time::Duration::ZERO,
        steps: Vec::new(),
    };
    if let Some(reason) = &test.skip {
        return finished(setting, skipped(reason.clone()), Vec::new(), false);
    }
    if setting.cancel.is_cancelled() {
        return finished(
            setting,
            skipped("not run: interrupted".into()),
            Vec::new(),
            true,
        );
    }

    let started = Instant::now();
    let namespace = match namespace::create(setting.applier, &test.name).await {
        Ok(ns) => ns,
        Err(problem) => {
            let result = TestResult {
                name: test.name.clone(),
                classname: test.classname.clone(),
                namespace: String::new(),
                outcome: Outcome::Failed,
                duration: started.elapsed(),
                steps: vec![StepResult {
                    index: 0,
                    name: "namespace".into(),
                    outcome: Outcome::Failed,
                    duration: started.elapsed(),
                    failure: Some(into_failure(vec![problem], Diagnostics::default())),
                }],
            };
            return finished(setting, result, Vec::new(), false);
        }
    };
    setting.observer.test_started(test, &namespace);

    // --timeout stands in for the suite file's timeout; a kuttl
    // TestAssert's own timeout still wins for its step.
    let config = SuiteConfig {
        timeout: setting.options.timeout.or(setting.config.timeout),
        ..setting.config.clone()
    };
    let context = StepContext {
        applier: setting.applier,
        namespace: &namespace,
        cancel: setting.cancel,
    };
    let mut steps = Vec::new();
    let mut details = Vec::new();
    let mut failed = false;
    let mut interrupted = false;
    for step in &test.steps {
        if failed {
            steps.push(StepResult {
                index: step.index,
                name: step.label.clone(),
                outcome: Outcome::Skipped {
                    reason: if interrupted {
                        "interrupted".into()
                    } else {
                        "an earlier step failed".into()
                    },
                },
                duration: std::time::Duration::ZERO,
                failure: None,
            });
            continue;
        }
        setting.observer.step_started(test, &namespace, step);
        let run = run_step(&context, step, step.timeout(&config)).await;
        failed = run.result.outcome == Outcome::Failed;
        interrupted = run.interrupted;
        details.push(StepDetails {
            test_index,
            step_index: step.index,
            rollouts: run.rollouts,
            notes: run.notes,
            reported_at: run.reported_at,
        });
        steps.push(run.result);
    }
    let result = TestResult {
        name: test.name.clone(),
        classname: test.classname.clone(),
        namespace: namespace.clone(),
        outcome: if failed {
            Outcome::Failed
        } else {
            Outcome::Passed
        },
        duration: started.elapsed(),
        steps,
    };
    if setting.options.keep {
        setting.observer.note(&format!(
            "kept namespace {namespace} of test {} (--keep)",
            test.name
        ));
    } else if let Err(message) = namespace::delete(setting.applier, &namespace).await {
        setting.observer.note(&message);
    }
    finished(setting, result, details, interrupted)
}

fn finished(
    setting: &TestSetting<'_>,
    result: TestResult,
    details: Vec<StepDetails>,
    interrupted: bool,
) -> TestRun {
    let notes: Vec<String> = details.iter().flat_map(|d| d.notes.clone()).collect();
    setting.observer.test_finished(&result, &notes);
    TestRun {
        result,
        details,
        interrupted,
    }
}
