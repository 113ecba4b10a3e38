//! `devk test` against a cluster: the suite's setup once, then each test in
//! its own namespace, several at once, each step applied and then watched
//! until its rollouts settle and its asserts match (see [`step`]). The pure
//! rules are elsewhere ([`crate::testing`] for discovery, matching and
//! reports, [`crate::kube::readiness`] for rollouts); this module does the
//! I/O and the waiting, on watches.
//!
//! [`prepare`] reads everything up front (a broken file fails before any
//! cluster work); [`run`] runs it and never fails as a whole: what goes
//! wrong in a test fails that test. A cancelled token (Ctrl-C) marks the
//! running tests failed ("interrupted"), the others skipped, and still
//! deletes their namespaces.

mod apply;
mod checks;
mod details;
mod diagnostics;
pub mod ephemeral;
mod error;
mod namespace;
mod problem;
mod selector;
mod step;
mod test_run;
mod timing;
mod watches;
mod workload;

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

pub use details::{StepDetails, render_json};
pub use error::RunnerError;
pub use namespace::{MANAGED_BY_LABEL, MANAGED_BY_VALUE};
pub use timing::{RolloutTiming, observed_complete_at};

use crate::kube::Applier;
use crate::testing::TestingError;
use crate::testing::discovery::{self, Step, Suite, TestCase};
use crate::testing::manifest::Document;
use crate::testing::report::{Diagnostics, Outcome, StepResult, SuiteResult, TestResult};

/// Tests at once when neither `--parallel` nor the suite file says.
pub const DEFAULT_PARALLEL: usize = 4;

/// A suite with its setup objects, read and checked before the run.
#[derive(Debug, Clone)]
pub struct SuitePlan {
    pub suite: Suite,
    pub setup: Vec<Document>,
}

/// Discover the tests under `paths` and read every suite's setup.
pub fn prepare(paths: &[PathBuf], filter: Option<&str>) -> Result<Vec<SuitePlan>, TestingError> {
    discovery::discover(paths, filter)?
        .into_iter()
        .map(|suite| {
            let setup = discovery::load_setup(&suite.config)?;
            Ok(SuitePlan { suite, setup })
        })
        .collect()
}

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Overrides the suite file's `parallel`.
    pub parallel: Option<usize>,
    /// Overrides the suite file's `timeout` (a TestAssert's still wins).
    pub timeout: Option<Duration>,
    /// Keep each test's namespace.
    pub keep: bool,
}

/// What the runner tells as it goes (the live view, CI lines). Called from
/// the tests running concurrently, in the order things happen.
pub trait Observer: Send + Sync {
    fn test_started(&self, _test: &TestCase, _namespace: &str) {}
    fn step_started(&self, _test: &TestCase, _namespace: &str, _step: &Step) {}
    /// A test is done (passed, failed or skipped); `notes` say what passed
    /// steps saw (expected failures).
    fn test_finished(&self, _result: &TestResult, _notes: &[String]) {}
    /// Something to tell the user: a kept namespace, a cleanup problem.
    fn note(&self, _message: &str) {}
}

/// An observer that shows nothing (library callers, the benchmark).
pub struct Silent;

impl Observer for Silent {}

/// The results of a run, and the details the JSON report adds.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub result: SuiteResult,
    pub details: Vec<StepDetails>,
    /// Ctrl-C (the token) stopped the run.
    pub interrupted: bool,
}

impl RunOutcome {
    /// Seconds from the API's completion time to devk noticing it, for every
    /// rollout that completed: what the benchmark measures.
    pub fn report_delays(&self) -> Vec<f64> {
        self.details
            .iter()
            .flat_map(StepDetails::report_delays)
            .collect()
    }
}

/// Run every suite: setup, then its tests (`parallel` at once).
pub async fn run(
    applier: &Applier,
    plans: &[SuitePlan],
    options: &RunOptions,
    observer: &dyn Observer,
    cancel: &CancellationToken,
) -> RunOutcome {
    let started_at = SystemTime::now();
    let started = Instant::now();
    let mut tests: Vec<TestResult> = Vec::new();
    let mut details = Vec::new();
    let mut interrupted = false;
    for plan in plans {
        let offset = tests.len();
        if cancel.is_cancelled() {
            for test in &plan.suite.tests {
                let result = not_run(test, "not run: interrupted");
                observer.test_finished(&result, &[]);
                tests.push(result);
            }
            continue;
        }
        if let Err(problem) = setup(applier, plan, cancel).await {
            for test in &plan.suite.tests {
                let result = setup_failed(test, problem.clone(), cancel.is_cancelled());
                observer.test_finished(&result, &[]);
                tests.push(result);
            }
            continue;
        }
        let parallel = options
            .parallel
            .or(plan.suite.config.parallel)
            .unwrap_or(DEFAULT_PARALLEL)
            .max(1);
        let setting = test_run::TestSetting {
            applier,
            config: &plan.suite.config,
            options,
            observer,
            cancel,
        };
        let setting = &setting;
        let mut runs: Vec<(usize, test_run::TestRun)> = futures::stream::iter(
            plan.suite.tests.iter().enumerate(),
        )
        .map(|(i, test)| async move { (i, test_run::run_test(setting, test, offset + i).await) })
        .buffer_unordered(parallel)
        .collect()
        .await;
        runs.sort_by_key(|(i, _)| *i);
        for (_, run) in runs {
            interrupted |= run.interrupted;
            details.extend(run.details);
            tests.push(run.result);
        }
    }
    RunOutcome {
        result: SuiteResult {
            tests,
            duration: started.elapsed(),
            started: Some(started_at),
        },
        details,
        interrupted: interrupted || cancel.is_cancelled(),
    }
}

/// Setup objects go into `default` unless they name a namespace.
const SETUP_NAMESPACE: &str = "default";
/// How long setup (CRDs becoming Established) may take.
const SETUP_TIMEOUT: Duration = Duration::from_secs(120);

async fn setup(
    applier: &Applier,
    plan: &SuitePlan,
    cancel: &CancellationToken,
) -> Result<(), problem::Problem> {
    if plan.setup.is_empty() {
        return Ok(());
    }
    let deadline = tokio::time::Instant::now() + SETUP_TIMEOUT;
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(problem::Problem::new(
            "interrupted (Ctrl-C) during the suite setup", "", "")),
        applied = apply::apply_documents(applier, &plan.setup, Some(SETUP_NAMESPACE), deadline) => {
            applied.map(|_| ())
        }
    }
}

fn not_run(test: &TestCase, reason: &str) -> TestResult {
    TestResult {
        name: test.name.clone(),
        classname: test.classname.clone(),
        namespace: String::new(),
        outcome: Outcome::Skipped {
            reason: reason.to_string(),
        },
        duration: Duration::ZERO,
        steps: Vec::new(),
    }
}

fn setup_failed(test: &TestCase, mut problem: problem::Problem, interrupted: bool) -> TestResult {
    if !interrupted {
        problem.summary = format!("suite setup failed: {}", problem.summary);
    }
    TestResult {
        name: test.name.clone(),
        classname: test.classname.clone(),
        namespace: String::new(),
        outcome: Outcome::Failed,
        duration: Duration::ZERO,
        steps: vec![StepResult {
            index: 0,
            name: "setup".into(),
            outcome: Outcome::Failed,
            duration: Duration::ZERO,
            failure: Some(problem::into_failure(vec![problem], Diagnostics::default())),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_reads_setup_and_fails_on_broken_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("s/crds")).unwrap();
        std::fs::create_dir_all(root.join("s/one")).unwrap();
        std::fs::write(
            root.join("s/devk-test.yaml"),
            "apiVersion: devk.dev/v1alpha1\nkind: TestSuite\nsetup: [crds]\n",
        )
        .unwrap();
        std::fs::write(
            root.join("s/crds/cm.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\n",
        )
        .unwrap();
        std::fs::write(
            root.join("s/one/a.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
        )
        .unwrap();
        let plans = prepare(&[root.join("s")], None).unwrap();
        assert_eq!(plans.len(), 1);
        assert_eq!(plans[0].setup.len(), 1);
        assert_eq!(plans[0].suite.tests[0].name, "one");

        std::fs::write(root.join("s/crds/cm.yaml"), "apiVersion: v1\nkind: [\n").unwrap();
        let err = prepare(&[root.join("s")], None).unwrap_err();
        assert!(err.to_string().contains("cm.yaml"), "{err}");
    }

    #[test]
    fn setup_failures_fail_every_test_of_the_suite() {
        let test = TestCase {
            name: "web".into(),
            classname: "s".into(),
            dir: PathBuf::from("s/web"),
            steps: Vec::new(),
            skip: None,
            ignored: Vec::new(),
            warnings: Vec::new(),
        };
        let result = setup_failed(
            &test,
            problem::Problem::new("applying ConfigMap shared failed", "applied", "forbidden"),
            false,
        );
        assert_eq!(result.outcome, Outcome::Failed);
        let failure = result.steps[0].failure.as_ref().unwrap();
        assert_eq!(
            failure.summary,
            "suite setup failed: applying ConfigMap shared failed"
        );
    }

    #[test]
    fn report_delays_cover_every_rollout() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(100);
        let rollout = |observed: Option<SystemTime>| RolloutTiming {
            kind: "Deployment".into(),
            name: "web".into(),
            namespace: None,
            observed_complete_at: observed,
            noticed_at: at + Duration::from_millis(500),
        };
        let outcome = RunOutcome {
            result: SuiteResult {
                tests: Vec::new(),
                duration: Duration::ZERO,
                started: None,
            },
            details: vec![StepDetails {
                test_index: 0,
                step_index: 0,
                rollouts: vec![rollout(Some(at)), rollout(None)],
                notes: Vec::new(),
                reported_at: at + Duration::from_millis(500),
            }],
            interrupted: false,
        };
        assert_eq!(outcome.report_delays(), vec![0.5]);
    }
}
