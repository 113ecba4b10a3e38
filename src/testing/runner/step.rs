//! One step of a test: delete what a kuttl TestStep lists, apply the step's
//! objects, then wait — on watches, never on a sleep (the one timed wake-up is
//! when a pod's Unschedulable grace ends) — until every workload
//! it applied has settled (rolled out, or failed as expected), every assert
//! matches and no errors-file object does, or the step's timeout passes. A
//! workload that fails fails the step at once.

use std::time::{Duration, Instant, SystemTime};

use tokio_util::sync::CancellationToken;

use super::apply::{AppliedDocument, apply_documents, delete_refs};
use super::checks::{Check, Role};
use super::diagnostics;
use super::problem::{Problem, into_failure};
use super::timing::RolloutTiming;
use super::watches::{WatchKey, Watches};
use super::workload::Workload;
use crate::kube::Applier;
use crate::kube::readiness::{Expectation, Verdict};
use crate::testing::discovery::Step;
use crate::testing::duration::format_duration;
use crate::testing::manifest::Document;
use crate::testing::report::{Diagnostics, Failure, Outcome, StepResult};

/// How long collecting a failed step's diagnostics may take.
const DIAGNOSTICS_BUDGET: Duration = Duration::from_secs(20);

pub struct StepContext<'a> {
    pub applier: &'a Applier,
    /// The test's namespace: the default for namespaced objects.
    pub namespace: &'a str,
    pub cancel: &'a CancellationToken,
}

/// A step's result and what the JSON report adds to it.
pub struct StepRun {
    pub result: StepResult,
    /// The workloads that rolled out, with their timing.
    pub rollouts: Vec<RolloutTiming>,
    /// Notes on a passed step: expected failures seen, rollouts not checked.
    pub notes: Vec<String>,
    /// When the step's outcome was decided.
    pub reported_at: SystemTime,
    pub interrupted: bool,
}

enum Ending {
    Passed {
        rollouts: Vec<RolloutTiming>,
        notes: Vec<String>,
    },
    Failed {
        problems: Vec<Problem>,
        namespaces: Vec<String>,
    },
    Interrupted,
}

pub async fn run_step(ctx: &StepContext<'_>, step: &Step, timeout: Duration) -> StepRun {
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + timeout;
    let ending = tokio::select! {
        biased;
        _ = ctx.cancel.cancelled() => Ending::Interrupted,
        ending = execute(ctx, step, deadline, timeout) => ending,
    };
    let reported_at = SystemTime::now();
    let duration = started.elapsed();
    let result = |outcome: Outcome, failure: Option<Failure>| StepResult {
        index: step.index,
        name: step.label.clone(),
        outcome,
        duration,
        failure,
    };
    match ending {
        Ending::Passed { rollouts, notes } => StepRun {
            result: result(Outcome::Passed, None),
            rollouts,
            notes,
            reported_at,
            interrupted: false,
        },
        Ending::Failed {
            problems,
            namespaces,
        } => {
            let diagnostics = tokio::select! {
                biased;
                _ = ctx.cancel.cancelled() => Diagnostics::default(),
                collected = tokio::time::timeout(
                    DIAGNOSTICS_BUDGET,
                    diagnostics::collect(ctx.applier.client(), &namespaces),
                ) => collected.unwrap_or_default(),
            };
            StepRun {
                result: result(Outcome::Failed, Some(into_failure(problems, diagnostics))),
                rollouts: Vec::new(),
                notes: Vec::new(),
                reported_at,
                interrupted: false,
            }
        }
        Ending::Interrupted => StepRun {
            result: result(
                Outcome::Failed,
                Some(Failure {
                    summary: "interrupted (Ctrl-C) before the step finished".to_string(),
                    ..Default::default()
                }),
            ),
            rollouts: Vec::new(),
            notes: Vec::new(),
            reported_at,
            interrupted: true,
        },
    }
}

async fn execute(
    ctx: &StepContext<'_>,
    step: &Step,
    deadline: tokio::time::Instant,
    timeout: Duration,
) -> Ending {
    let failed = |problems: Vec<Problem>, namespaces: Vec<String>| Ending::Failed {
        problems,
        namespaces,
    };
    let test_namespace = vec![ctx.namespace.to_string()];
    if let Err(problem) = delete_refs(ctx.applier, &step.delete, ctx.namespace, deadline).await {
        return failed(vec![problem], test_namespace);
    }
    let applied =
        match apply_documents(ctx.applier, &step.apply, Some(ctx.namespace), deadline).await {
            Ok(applied) => applied,
            Err(problem) => return failed(vec![problem], test_namespace),
        };
    let mut namespaces = test_namespace;
    for a in &applied {
        if let Some(ns) = &a.applied.namespace
            && !namespaces.contains(ns)
        {
            namespaces.push(ns.clone());
        }
    }
    let mut waiting = match Waiting::prepare(ctx, &applied, step).await {
        Ok(waiting) => waiting,
        Err(problems) => return failed(problems, namespaces),
    };
    let timed_out = waiting.run(deadline).await;
    match waiting.finish(timed_out, timeout) {
        Ok((rollouts, notes)) => Ending::Passed { rollouts, notes },
        Err(problems) => failed(problems, namespaces),
    }
}

/// The watches of a step and what is evaluated against them.
struct Waiting {
    watches: Watches,
    /// Each workload with the indexes of its own kind's watch and its pods'.
    workloads: Vec<(Workload, usize, usize)>,
    checks: Vec<Check>,
}

impl Waiting {
    async fn prepare(
        ctx: &StepContext<'_>,
        applied: &[AppliedDocument],
        step: &Step,
    ) -> Result<Waiting, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut watches = Watches::new();
        let mut workloads = Vec::new();
        for a in applied {
            let workload = match Workload::from_applied(&a.applied, &a.source) {
                None => continue,
                Some(Ok(workload)) => workload,
                Some(Err(message)) => {
                    let what = format!("{} {}", a.applied.kind, a.applied.name);
                    problems.push(Problem::new(
                        format!("{what}: invalid annotation ({})", a.source),
                        "success, failure, failure:<Reason>[,<Reason>...] or ignore",
                        message,
                    ));
                    continue;
                }
            };
            let namespace = workload.namespace.as_deref();
            let own = watches
                .add(
                    ctx.applier,
                    WatchKey::new(&workload.api_version, &workload.kind, namespace),
                )
                .await;
            let pods = watches
                .add(ctx.applier, WatchKey::new("v1", "Pod", namespace))
                .await;
            match (own, pods) {
                (Ok(own), Ok(pods)) => workloads.push((workload, own, pods)),
                (Err(e), _) | (_, Err(e)) => problems.push(Problem::new(
                    format!("cannot watch {}", workload.describe()),
                    workload.expected_text(),
                    e.to_string(),
                )),
            }
        }
        let mut checks = Vec::new();
        for (role, documents) in [(Role::Assert, &step.asserts), (Role::Error, &step.errors)] {
            for document in documents {
                match check_for(ctx, &mut watches, role, document).await {
                    Ok(Some(check)) => checks.push(check),
                    Ok(None) => {}
                    Err(problem) => problems.push(problem),
                }
            }
        }
        if problems.is_empty() {
            Ok(Waiting {
                watches,
                workloads,
                checks,
            })
        } else {
            Err(problems)
        }
    }

    /// Follow the watches until done or `deadline`; true if it timed out.
    async fn run(&mut self, deadline: tokio::time::Instant) -> bool {
        if self.watches.is_empty() {
            return false;
        }
        loop {
            // A pod within its Unschedulable grace decides without a new
            // event once the grace ends: wake then, not on a timer.
            let recheck = self
                .workloads
                .iter()
                .filter(|(w, _, _)| w.settled.is_none())
                .filter_map(|(w, _, _)| w.recheck_at)
                .min()
                .and_then(|at| at.duration_since(SystemTime::now()).ok())
                .map(|wait| tokio::time::Instant::now() + wait)
                .unwrap_or(deadline)
                .min(deadline);
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return true,
                _ = tokio::time::sleep_until(recheck), if recheck < deadline => {}
                more = self.watches.next() => if !more { return false },
            }
            if !self.watches.all_ready() {
                continue;
            }
            if self.evaluate() {
                return false;
            }
        }
    }

    /// Evaluate everything against the watches; true when the step is decided.
    fn evaluate(&mut self) -> bool {
        let now = SystemTime::now();
        for (workload, own, pods) in &mut self.workloads {
            let live = self.watches.live(*own);
            let object = live.get(workload.namespace.as_deref(), &workload.name);
            workload.evaluate(object, self.watches.live(*pods), now);
        }
        for check in &mut self.checks {
            check.evaluate(self.watches.live(check.watch));
        }
        let failed = self.workloads.iter().any(|(w, _, _)| w.failed());
        let settled = self.workloads.iter().all(|(w, _, _)| w.settled.is_some());
        failed || (settled && self.checks.iter().all(Check::satisfied))
    }

    fn finish(
        mut self,
        timed_out: bool,
        timeout: Duration,
    ) -> Result<(Vec<RolloutTiming>, Vec<String>), Vec<Problem>> {
        for (workload, own, pods) in &mut self.workloads {
            let object = self
                .watches
                .live(*own)
                .get(workload.namespace.as_deref(), &workload.name);
            workload.fill_observed_complete_at(object, self.watches.live(*pods));
        }
        let within = if timed_out {
            format!(" within {}", format_duration(timeout))
        } else {
            String::new()
        };
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        for (workload, _, _) in &self.workloads {
            match workload.verdict() {
                Verdict::Pass { note } => {
                    if workload.expectation != Expectation::Complete {
                        notes.push(format!("{}: {note}", workload.describe()));
                    }
                }
                Verdict::Fail { message } => {
                    let summary = match workload.expectation {
                        Expectation::Complete => {
                            format!("{} did not roll out", workload.describe())
                        }
                        _ => format!("{} did not fail as expected", workload.describe()),
                    };
                    problems.push(Problem::new(
                        format!("{summary}{within}"),
                        workload.expected_text(),
                        message,
                    ));
                }
            }
        }
        // A failed rollout ends the step early; asserts not checked to the
        // end are not reported as failing too.
        let rollout_failed = !problems.is_empty() && !timed_out;
        if !rollout_failed {
            for check in self.checks.iter().filter(|c| !c.satisfied()) {
                let mut problem = check.problem();
                problem.summary.push_str(&within);
                problems.push(problem);
            }
        }
        if timed_out {
            for trouble in self.watches.problems() {
                problems.push(Problem::new(
                    format!("the step timed out after {}", format_duration(timeout)),
                    "the watches the step needs",
                    trouble,
                ));
            }
        }
        if problems.is_empty() {
            let rollouts = self
                .workloads
                .iter()
                .filter_map(|(w, _, _)| w.timing())
                .collect();
            Ok((rollouts, notes))
        } else {
            Err(problems)
        }
    }
}

/// The check for one assert or errors document, with its watch; None for an
/// errors object of a kind the server does not have (it cannot exist).
async fn check_for(
    ctx: &StepContext<'_>,
    watches: &mut Watches,
    role: Role,
    document: &Document,
) -> Result<Option<Check>, Problem> {
    let namespace = document.namespace().unwrap_or(ctx.namespace);
    let key = WatchKey::new(document.api_version(), document.kind(), Some(namespace));
    match watches.add(ctx.applier, key).await {
        Ok(index) => {
            let scope = match &watches.key(index).namespace {
                Some(ns) => format!("namespace {ns}"),
                None => "the cluster".to_string(),
            };
            Ok(Some(Check::new(role, document.clone(), index, scope)))
        }
        Err(crate::kube::KubeError::UnknownKind { .. }) if role == Role::Error => Ok(None),
        Err(e) => Err(Problem::new(
            format!(
                "assert {} ({}) cannot be checked",
                document.describe(),
                document.location()
            ),
            format!("{} as stated", document.describe()),
            e.to_string(),
        )),
    }
}
