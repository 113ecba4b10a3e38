//! One workload a step applied, followed until its rollout settles: the
//! implicit rollout assertion. Each evaluation reads the workload as the
//! watch last showed it and its pods (by the workload's selector; a Pod is
//! its own), applies the rollout rules and fail-fast, and once the state is
//! settled for the workload's expectation, freezes the verdict — a
//! completed rollout is reported as soon as the status says so, as
//! `kubectl rollout status` returns then.

use std::time::SystemTime;

use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

use super::selector::{labels_of, selects};
use super::timing::{RolloutTiming, observed_complete_at};
use crate::kube::Applied;
use crate::kube::readiness::{
    DEFAULT_CRASHLOOP_RESTART_THRESHOLD, Expectation, Rollout, Verdict, expectation, fail_fast_at,
    is_settled, judge, next_recheck, rollout_of,
};
use crate::kube::watch::LiveObjects;

#[derive(Debug, Clone)]
pub struct Workload {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// Where the workload was written: `app.yaml, document 2 (line 8)`.
    pub source: String,
    pub expectation: Expectation,
    /// The last state seen.
    pub last: Rollout,
    pub settled: Option<Settled>,
    /// When to look again with no new events (a pod within its
    /// Unschedulable grace).
    pub recheck_at: Option<SystemTime>,
}

#[derive(Debug, Clone)]
pub struct Settled {
    pub verdict: Verdict,
    pub rollout: Rollout,
    pub noticed_at: SystemTime,
    pub observed_complete_at: Option<SystemTime>,
}

impl Workload {
    /// The workload behind an applied object; None for kinds without a
    /// rollout, `Err` for a broken expectation annotation.
    pub fn from_applied(applied: &Applied, source: &str) -> Option<Result<Workload, String>> {
        // Only the kinds with a rollout are workloads.
        let _ = rollout_of(&applied.kind, &applied.object)?;
        Some(expectation(&applied.object).map(|expectation| Workload {
            api_version: applied.api_version.clone(),
            kind: applied.kind.clone(),
            name: applied.name.clone(),
            namespace: applied.namespace.clone(),
            source: source.to_string(),
            expectation,
            last: Rollout::Progressing("not seen yet".to_string()),
            settled: None,
            recheck_at: None,
        }))
    }

    /// `Deployment web`.
    pub fn describe(&self) -> String {
        format!("{} {}", self.kind, self.name)
    }

    /// Re-evaluate with the latest watched state: `object` is the workload
    /// (None while the watch does not show it), `pods` the pods of its
    /// namespace. No-op once settled.
    pub fn evaluate(&mut self, object: Option<&Value>, pods: &LiveObjects, now: SystemTime) {
        if self.settled.is_some() {
            return;
        }
        let Some(object) = object else {
            self.last = Rollout::Progressing(format!("{} does not exist", self.describe()));
            return;
        };
        let rollout = match rollout_of(&self.kind, object) {
            Some(Ok(rollout)) => rollout,
            Some(Err(message)) => {
                self.settle(Verdict::Fail { message }, self.last.clone(), now, None);
                return;
            }
            // Only kinds with a rollout are tracked (see from_applied).
            None => Rollout::Complete,
        };
        let own_pods = self.own_pods(object, pods);
        let typed: Vec<Pod> = own_pods
            .iter()
            .filter_map(|p| serde_json::from_value((*p).clone()).ok())
            .collect();
        let rollout = fail_fast_at(
            &self.kind,
            rollout,
            &typed,
            DEFAULT_CRASHLOOP_RESTART_THRESHOLD,
            Some(now),
        );
        self.recheck_at = next_recheck(&typed, now);
        self.last = rollout.clone();
        if is_settled(&self.expectation, &rollout) {
            let completed = (rollout == Rollout::Complete)
                .then(|| observed_complete_at(object, &own_pods))
                .flatten();
            self.settle(judge(&self.expectation, &rollout), rollout, now, completed);
        }
    }

    /// The workload's pods: those its selector selects (not being deleted);
    /// a Pod is its own.
    fn own_pods<'a>(&self, object: &'a Value, pods: &'a LiveObjects) -> Vec<&'a Value> {
        if self.kind == "Pod" {
            return vec![object];
        }
        let selector = object.pointer("/spec/selector").unwrap_or(&Value::Null);
        pods.values()
            .filter(|pod| {
                pod.pointer("/metadata/deletionTimestamp").is_none()
                    && selects(selector, labels_of(pod))
            })
            .collect()
    }

    /// For a completed rollout whose completion time the API did not show
    /// yet when it was noticed (the pod watch can lag the workload's), look
    /// again in the latest view.
    pub fn fill_observed_complete_at(&mut self, object: Option<&Value>, pods: &LiveObjects) {
        let Some(object) = object else {
            return;
        };
        let found = {
            let own = self.own_pods(object, pods);
            observed_complete_at(object, &own)
        };
        if let Some(settled) = &mut self.settled
            && settled.rollout == Rollout::Complete
            && settled.observed_complete_at.is_none()
        {
            settled.observed_complete_at = found;
        }
    }

    fn settle(
        &mut self,
        verdict: Verdict,
        rollout: Rollout,
        now: SystemTime,
        observed: Option<SystemTime>,
    ) {
        self.settled = Some(Settled {
            verdict,
            rollout,
            noticed_at: now,
            observed_complete_at: observed,
        });
    }

    /// The verdict now: the settled one, or, at the timeout, the judgement
    /// of the last state seen.
    pub fn verdict(&self) -> Verdict {
        match &self.settled {
            Some(settled) => settled.verdict.clone(),
            None => judge(&self.expectation, &self.last),
        }
    }

    /// Whether the workload has settled on a failing verdict.
    pub fn failed(&self) -> bool {
        self.settled.as_ref().is_some_and(|s| !s.verdict.passed())
    }

    /// The timing of a rollout that completed.
    pub fn timing(&self) -> Option<RolloutTiming> {
        let settled = self.settled.as_ref()?;
        (settled.rollout == Rollout::Complete).then(|| RolloutTiming {
            kind: self.kind.clone(),
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            observed_complete_at: settled.observed_complete_at,
            noticed_at: settled.noticed_at,
        })
    }

    /// `rolled out (app.yaml, document 1 (line 1))` — for reports.
    pub fn expected_text(&self) -> String {
        format!("{} ({})", self.expectation_text(), self.source)
    }

    fn expectation_text(&self) -> String {
        match &self.expectation {
            Expectation::Complete => "rolled out".to_string(),
            Expectation::Fail { reasons } if reasons.is_empty() => {
                "the rollout fails (devk.dev/expect-rollout: failure)".to_string()
            }
            Expectation::Fail { .. } => format!(
                "the rollout fails (devk.dev/expect-rollout: {})",
                self.expectation
            ),
            Expectation::Ignore => "not checked".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::readiness::FailureReason;
    use kube::runtime::watcher::Event;
    use serde_json::json;

    fn applied(kind: &str, api_version: &str, object: Value) -> Applied {
        Applied {
            api_version: api_version.into(),
            kind: kind.into(),
            name: object["metadata"]["name"].as_str().unwrap().into(),
            namespace: Some("t".into()),
            object,
        }
    }

    fn deployment(annotation: Option<&str>, status: Value) -> Value {
        let mut metadata = json!({"name": "web", "namespace": "t", "generation": 1});
        if let Some(a) = annotation {
            metadata["annotations"] = json!({"devk.dev/expect-rollout": a});
        }
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata,
               "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}},
               "status": status})
    }

    fn pods(list: &[Value]) -> LiveObjects {
        let mut live = LiveObjects::new("v1", "Pod");
        live.apply(&Event::<Value>::Init);
        for p in list {
            live.apply(&Event::InitApply(p.clone()));
        }
        live.apply(&Event::<Value>::InitDone);
        live
    }

    fn pod(name: &str, app: &str, container_state: Value, extra_meta: Value) -> Value {
        let mut metadata = json!({"name": name, "namespace": "t", "labels": {"app": app}});
        if let (Some(m), Some(extra)) = (metadata.as_object_mut(), extra_meta.as_object()) {
            m.extend(extra.clone());
        }
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
               "status": {"phase": "Pending", "containerStatuses": [
                 {"name": "app", "image": "x", "imageID": "", "ready": false, "restartCount": 0, "state": container_state}]}})
    }

    #[test]
    fn only_workload_kinds_are_tracked_and_bad_annotations_are_errors() {
        let cm = applied(
            "ConfigMap",
            "v1",
            json!({"metadata": {"name": "c"}, "data": {}}),
        );
        assert!(Workload::from_applied(&cm, "x").is_none());
        let bad = applied(
            "Deployment",
            "apps/v1",
            deployment(Some("sometimes"), json!({})),
        );
        let err = Workload::from_applied(&bad, "x").unwrap().unwrap_err();
        assert!(err.contains("devk.dev/expect-rollout"), "{err}");
    }

    #[test]
    fn fails_fast_from_its_own_pods_only() {
        let object = deployment(None, json!({"observedGeneration": 1, "replicas": 1}));
        let mut workload =
            Workload::from_applied(&applied("Deployment", "apps/v1", object.clone()), "a.yaml")
                .unwrap()
                .unwrap();
        let bad_image =
            json!({"waiting": {"reason": "ErrImageNeverPull", "message": "not present"}});
        let now = SystemTime::now();
        // A failing pod of another app, and one of ours being deleted: neither counts.
        let others = pods(&[
            pod("db-1", "db", bad_image.clone(), json!({})),
            pod(
                "web-old",
                "web",
                bad_image.clone(),
                json!({"deletionTimestamp": "2026-01-01T00:00:00Z"}),
            ),
        ]);
        workload.evaluate(Some(&object), &others, now);
        assert!(workload.settled.is_none(), "{:?}", workload.last);
        assert!(matches!(workload.last, Rollout::Progressing(_)));
        let ours = pods(&[pod("web-1", "web", bad_image, json!({}))]);
        workload.evaluate(Some(&object), &ours, now);
        let settled = workload.settled.clone().expect("settled");
        assert!(matches!(
            settled.rollout,
            Rollout::Failed {
                reason: FailureReason::ErrImageNeverPull,
                ..
            }
        ));
        assert!(workload.failed());
        assert!(
            workload.timing().is_none(),
            "no timing for a failed rollout"
        );
        // Frozen: a later healthy view does not change the verdict.
        let done = deployment(
            None,
            json!({"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "availableReplicas": 1}),
        );
        workload.evaluate(Some(&done), &pods(&[]), now);
        assert!(workload.failed());
    }

    #[test]
    fn expected_failures_pass_and_completions_carry_timing() {
        let object = deployment(
            Some("failure:ImagePullBackOff"),
            json!({"observedGeneration": 1}),
        );
        let mut workload =
            Workload::from_applied(&applied("Deployment", "apps/v1", object.clone()), "a.yaml")
                .unwrap()
                .unwrap();
        assert_eq!(
            workload.expected_text(),
            "the rollout fails (devk.dev/expect-rollout: failure:ImagePullBackOff) (a.yaml)"
        );
        let pulling = pods(&[pod(
            "web-1",
            "web",
            json!({"waiting": {"reason": "ErrImagePull"}}),
            json!({}),
        )]);
        workload.evaluate(Some(&object), &pulling, SystemTime::now());
        match workload.verdict() {
            Verdict::Pass { note } => assert!(note.contains("failed as expected"), "{note}"),
            other => panic!("{other:?}"),
        }

        let complete = deployment(
            None,
            json!({"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "availableReplicas": 1,
                   "conditions": [{"type": "Available", "status": "True", "lastTransitionTime": "2026-01-01T00:00:03Z"}]}),
        );
        let mut workload = Workload::from_applied(
            &applied("Deployment", "apps/v1", complete.clone()),
            "a.yaml",
        )
        .unwrap()
        .unwrap();
        // Not seen yet: progressing, and judged at the timeout as such.
        workload.evaluate(None, &pods(&[]), SystemTime::now());
        assert!(!workload.verdict().passed());
        workload.evaluate(Some(&complete), &pods(&[]), SystemTime::now());
        assert!(workload.verdict().passed());
        let timing = workload.timing().unwrap();
        assert_eq!(
            crate::testing::report::model::format_time(timing.observed_complete_at.unwrap()),
            "2026-01-01T00:00:03.000Z"
        );
    }

    #[test]
    fn a_pod_is_its_own_pod() {
        let crashing = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "t"},
            "spec": {"containers": [{"name": "app"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "app", "image": "x", "imageID": "",
                "ready": false, "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}});
        let mut workload =
            Workload::from_applied(&applied("Pod", "v1", crashing.clone()), "p.yaml")
                .unwrap()
                .unwrap();
        workload.evaluate(Some(&crashing), &pods(&[]), SystemTime::now());
        assert!(matches!(
            workload.settled.as_ref().map(|s| &s.rollout),
            Some(Rollout::Failed {
                reason: FailureReason::CrashLoopBackOff,
                ..
            })
        ));
    }
}
