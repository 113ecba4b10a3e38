//! The rollout rules of each workload kind, as `kubectl rollout status`
//! applies them (k8s.io/kubectl pkg/polymorphichelpers/rollout_status.go),
//! with these decisions where kubectl has no rule or gives up:
//!
//! - Deployment: kubectl skips the "N out of M new replicas" check when
//!   `spec.replicas` is unset; the API server always sets it, so we read an
//!   unset value as its default, 1.
//! - StatefulSet / DaemonSet with the `OnDelete` strategy: kubectl says
//!   "rollout status is only available for RollingUpdate strategy type" and
//!   stops. Here they are complete once the controller has observed the spec
//!   and every replica (every scheduled daemon pod) is ready (available); pods
//!   are not replaced on a spec change under OnDelete, so there is no
//!   "updated" count to wait for.
//! - StatefulSet: kubectl returns "partitioned roll out complete" as soon as
//!   `rollingUpdate` is set, without comparing revisions; the API server
//!   always fills `rollingUpdate.partition` for RollingUpdate, so on a live
//!   object the `currentRevision == updateRevision` check is reached only
//!   when `rollingUpdate` is absent. We keep that order.
//! - ReplicaSet, Job and Pod have no kubectl status viewer; their rules are
//!   ours: ReplicaSet waits for observedGeneration and for every replica to
//!   be ready and available; Job for its Complete or Failed condition; Pod
//!   for Ready, Succeeded or Failed.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;

use super::{FailureReason, Rollout};

const ROLLING_UPDATE: &str = "RollingUpdate";

/// `kubectl rollout status deployment/...`.
pub fn deployment_status(deployment: &Deployment) -> Rollout {
    let generation = deployment.metadata.generation.unwrap_or(0);
    let status = deployment.status.clone().unwrap_or_default();
    let observed = status.observed_generation.unwrap_or(0);
    if generation > observed {
        return waiting_for_spec(generation, observed);
    }

    let progressing = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Progressing");
    if let Some(condition) = progressing
        && condition.reason.as_deref() == Some("ProgressDeadlineExceeded")
    {
        let message = condition
            .message
            .clone()
            .unwrap_or_else(|| "the deployment exceeded its progress deadline".to_string());
        return Rollout::failed(FailureReason::ProgressDeadlineExceeded, message);
    }

    let desired = deployment
        .spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1);
    let updated = status.updated_replicas.unwrap_or(0);
    let replicas = status.replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    if updated < desired {
        return Rollout::progressing(format!(
            "{updated} out of {desired} new replicas have been updated"
        ));
    }
    if replicas > updated {
        return Rollout::progressing(format!(
            "{} old replicas are pending termination",
            replicas - updated
        ));
    }
    if available < updated {
        return Rollout::progressing(format!(
            "{available} of {updated} updated replicas are available"
        ));
    }
    Rollout::Complete
}

/// `kubectl rollout status statefulset/...`.
pub fn stateful_set_status(stateful_set: &StatefulSet) -> Rollout {
    let generation = stateful_set.metadata.generation.unwrap_or(0);
    let status = stateful_set.status.clone().unwrap_or_default();
    let observed = status.observed_generation.unwrap_or(0);
    // Unlike Deployment and DaemonSet, kubectl also waits while the
    // controller has never reported (observedGeneration 0).
    if observed == 0 || generation > observed {
        return waiting_for_spec(generation, observed);
    }

    let spec = stateful_set.spec.clone().unwrap_or_default();
    let desired = spec.replicas.unwrap_or(1);
    let ready = status.ready_replicas.unwrap_or(0);
    let updated = status.updated_replicas.unwrap_or(0);
    let strategy = spec.update_strategy.unwrap_or_default();
    let strategy_type = strategy.type_.as_deref().unwrap_or(ROLLING_UPDATE);

    if ready < desired {
        return Rollout::progressing(format!(
            "waiting for {} pods to be ready ({ready} of {desired} ready)",
            desired - ready
        ));
    }
    if strategy_type != ROLLING_UPDATE {
        // OnDelete: observed and all ready is all there is to wait for.
        return Rollout::Complete;
    }
    if let Some(rolling) = strategy.rolling_update {
        if let Some(partition) = rolling.partition {
            let wanted = desired - partition;
            if updated < wanted {
                return Rollout::progressing(format!(
                    "partitioned roll out: {updated} out of {wanted} new pods have been updated"
                ));
            }
        }
        return Rollout::Complete;
    }
    if status.update_revision != status.current_revision {
        return Rollout::progressing(format!(
            "waiting for the rolling update to complete: {updated} pods at revision {}",
            status.update_revision.as_deref().unwrap_or("<unknown>")
        ));
    }
    Rollout::Complete
}

/// `kubectl rollout status daemonset/...`.
pub fn daemon_set_status(daemon_set: &DaemonSet) -> Rollout {
    let generation = daemon_set.metadata.generation.unwrap_or(0);
    let status = daemon_set.status.clone().unwrap_or_default();
    let observed = status.observed_generation.unwrap_or(0);
    if generation > observed {
        return waiting_for_spec(generation, observed);
    }

    let strategy_type = daemon_set
        .spec
        .as_ref()
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|s| s.type_.as_deref())
        .unwrap_or(ROLLING_UPDATE);
    let desired = status.desired_number_scheduled;
    let updated = status.updated_number_scheduled.unwrap_or(0);
    let available = status.number_available.unwrap_or(0);

    // OnDelete never replaces pods on its own, so "updated" is meaningless.
    if strategy_type == ROLLING_UPDATE && updated < desired {
        return Rollout::progressing(format!(
            "{updated} out of {desired} new pods have been updated"
        ));
    }
    if available < desired {
        return Rollout::progressing(format!(
            "{available} of {desired} updated pods are available"
        ));
    }
    Rollout::Complete
}

/// A ReplicaSet (no kubectl viewer): observed, then every replica ready and
/// available, and no surplus pods still terminating.
pub fn replica_set_status(replica_set: &ReplicaSet) -> Rollout {
    let generation = replica_set.metadata.generation.unwrap_or(0);
    let status = replica_set.status.clone().unwrap_or_default();
    let observed = status.observed_generation.unwrap_or(0);
    if generation > observed {
        return waiting_for_spec(generation, observed);
    }
    let desired = replica_set
        .spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1);
    let ready = status.ready_replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    if ready < desired {
        return Rollout::progressing(format!("{ready} of {desired} replicas are ready"));
    }
    if available < desired {
        return Rollout::progressing(format!("{available} of {desired} replicas are available"));
    }
    if status.replicas > desired {
        return Rollout::progressing(format!(
            "{} surplus replicas are pending termination",
            status.replicas - desired
        ));
    }
    Rollout::Complete
}

/// A Job: its `Complete` condition, or its `Failed` condition (or
/// `FailureTarget`, which the controller sets first, while the last pods
/// terminate) with the controller's reason.
pub fn job_status(job: &Job) -> Rollout {
    let status = job.status.clone().unwrap_or_default();
    let conditions = status.conditions.unwrap_or_default();
    let is_true = |type_: &str| {
        conditions
            .iter()
            .find(|c| c.type_ == type_ && c.status == "True")
    };

    if let Some(failed) = is_true("Failed").or_else(|| is_true("FailureTarget")) {
        let reason = FailureReason::from_job_condition_reason(failed.reason.as_deref());
        let mut message = failed
            .message
            .clone()
            .unwrap_or_else(|| "the job failed".to_string());
        if reason == FailureReason::JobFailed
            && let Some(raw) = &failed.reason
        {
            message = format!("{raw}: {message}");
        }
        return Rollout::failed(reason, message);
    }
    if is_true("Complete").is_some() {
        return Rollout::Complete;
    }
    let spec = job.spec.clone().unwrap_or_default();
    if spec.suspend == Some(true) || is_true("Suspended").is_some() {
        return Rollout::progressing("suspended");
    }
    let mut message = format!(
        "{} active, {} succeeded, {} failed",
        status.active.unwrap_or(0),
        status.succeeded.unwrap_or(0),
        status.failed.unwrap_or(0)
    );
    if let Some(completions) = spec.completions {
        message.push_str(&format!(" (of {completions} completions)"));
    }
    Rollout::Progressing(message)
}

/// A bare Pod: Ready or Succeeded is done; phase Failed has failed.
pub fn pod_status(pod: &Pod) -> Rollout {
    let status = pod.status.clone().unwrap_or_default();
    let phase = status.phase.as_deref().unwrap_or("Pending");
    match phase {
        "Succeeded" => return Rollout::Complete,
        "Failed" => {
            let mut message = "phase Failed".to_string();
            if let Some(reason) = &status.reason {
                message.push_str(&format!(": {reason}"));
            }
            if let Some(detail) = &status.message {
                message.push_str(&format!(": {detail}"));
            }
            return Rollout::failed(FailureReason::PodFailed, message);
        }
        _ => {}
    }
    let ready = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Ready");
    match ready {
        Some(c) if c.status == "True" => Rollout::Complete,
        Some(c) => {
            let mut message = format!("phase {phase}, not ready");
            if let Some(reason) = &c.reason {
                message.push_str(&format!(": {reason}"));
            }
            if let Some(detail) = &c.message {
                message.push_str(&format!(": {detail}"));
            }
            Rollout::Progressing(message)
        }
        None => Rollout::Progressing(format!("phase {phase}, not ready")),
    }
}

fn waiting_for_spec(generation: i64, observed: i64) -> Rollout {
    Rollout::progressing(format!(
        "waiting for the spec update to be observed (generation {generation}, observed {observed})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn from<T: serde::de::DeserializeOwned>(value: Value) -> T {
        serde_json::from_value(value).expect("test object deserializes")
    }

    fn progressing_with(rollout: &Rollout, needle: &str) -> bool {
        matches!(rollout, Rollout::Progressing(m) if m.contains(needle))
    }

    fn deployment(generation: i64, replicas: Option<i32>, status: Value) -> Deployment {
        let mut spec = json!({});
        if let Some(r) = replicas {
            spec["replicas"] = json!(r);
        }
        from(
            json!({"metadata": {"name": "web", "generation": generation}, "spec": spec, "status": status}),
        )
    }

    #[test]
    fn deployment_rules_in_kubectl_order() {
        // (generation, spec.replicas, status, expected: None = complete, Some(text) = progressing)
        let cases: Vec<(i64, Option<i32>, Value, Option<&str>)> = vec![
            // observedGeneration lags: nothing else matters yet.
            (
                2,
                Some(1),
                json!({"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "availableReplicas": 1}),
                Some("spec update to be observed (generation 2, observed 1)"),
            ),
            // no status at all
            (1, Some(1), json!({}), Some("spec update to be observed")),
            (
                1,
                Some(3),
                json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 1, "availableReplicas": 1}),
                Some("1 out of 3 new replicas have been updated"),
            ),
            // spec.replicas absent = 1
            (
                1,
                None,
                json!({"observedGeneration": 1, "replicas": 0, "updatedReplicas": 0}),
                Some("0 out of 1 new replicas"),
            ),
            (
                1,
                Some(2),
                json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 2, "availableReplicas": 2}),
                Some("1 old replicas are pending termination"),
            ),
            (
                1,
                Some(3),
                json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 1}),
                Some("1 of 3 updated replicas are available"),
            ),
            (
                1,
                Some(3),
                json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3}),
                None,
            ),
            // observed ahead of generation is fine (generation <= observed)
            (
                1,
                Some(1),
                json!({"observedGeneration": 2, "replicas": 1, "updatedReplicas": 1, "availableReplicas": 1}),
                None,
            ),
            // zero replicas is complete at once
            (1, Some(0), json!({"observedGeneration": 1}), None),
        ];
        for (generation, replicas, status, want) in cases {
            let got = deployment_status(&deployment(generation, replicas, status.clone()));
            match want {
                None => assert_eq!(got, Rollout::Complete, "{status}"),
                Some(text) => assert!(progressing_with(&got, text), "{status}: {got:?}"),
            }
        }
    }

    #[test]
    fn deployment_progress_deadline_fails_only_once_observed() {
        let status = json!({"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1,
            "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                            "message": "ReplicaSet \"web-1\" has timed out progressing."}]});
        let got = deployment_status(&deployment(1, Some(1), status.clone()));
        assert_eq!(
            got,
            Rollout::Failed {
                reason: FailureReason::ProgressDeadlineExceeded,
                message: "ReplicaSet \"web-1\" has timed out progressing.".into()
            }
        );
        // A newer spec not yet observed: the old condition does not count.
        let got = deployment_status(&deployment(2, Some(1), status));
        assert!(progressing_with(&got, "observed"), "{got:?}");
        // Other Progressing reasons are not failures.
        let ok = json!({"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "availableReplicas": 1,
            "conditions": [{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]});
        assert_eq!(
            deployment_status(&deployment(1, Some(1), ok)),
            Rollout::Complete
        );
    }

    fn stateful_set(generation: i64, spec: Value, status: Value) -> StatefulSet {
        from(
            json!({"metadata": {"name": "db", "generation": generation}, "spec": spec, "status": status}),
        )
    }

    #[test]
    fn stateful_set_rules() {
        let rolling = |partition: Option<i32>| match partition {
            Some(p) => json!({"type": "RollingUpdate", "rollingUpdate": {"partition": p}}),
            None => json!({"type": "RollingUpdate"}),
        };
        let cases: Vec<(i64, Value, Value, Option<&str>)> = vec![
            // observedGeneration 0 waits even when generation is 0 too
            (
                0,
                json!({"replicas": 1}),
                json!({"replicas": 1, "readyReplicas": 1}),
                Some("observed"),
            ),
            (
                3,
                json!({"replicas": 1}),
                json!({"observedGeneration": 2, "replicas": 1, "readyReplicas": 1}),
                Some("observed"),
            ),
            (
                1,
                json!({"replicas": 3, "updateStrategy": rolling(Some(0))}),
                json!({"observedGeneration": 1, "replicas": 3, "readyReplicas": 1}),
                Some("waiting for 2 pods to be ready"),
            ),
            // replicas default 1
            (
                1,
                json!({}),
                json!({"observedGeneration": 1, "replicas": 1, "readyReplicas": 0}),
                Some("waiting for 1 pods"),
            ),
            // partition 2 of 5: 3 must be updated
            (
                1,
                json!({"replicas": 5, "updateStrategy": rolling(Some(2))}),
                json!({"observedGeneration": 1, "replicas": 5, "readyReplicas": 5, "updatedReplicas": 2}),
                Some("2 out of 3 new pods have been updated"),
            ),
            (
                1,
                json!({"replicas": 5, "updateStrategy": rolling(Some(2))}),
                json!({"observedGeneration": 1, "replicas": 5, "readyReplicas": 5, "updatedReplicas": 3,
                    "currentRevision": "db-1", "updateRevision": "db-2"}),
                None,
            ),
            // rollingUpdate present: kubectl does not compare revisions
            (
                1,
                json!({"replicas": 2, "updateStrategy": rolling(Some(0))}),
                json!({"observedGeneration": 1, "replicas": 2, "readyReplicas": 2, "updatedReplicas": 2,
                    "currentRevision": "db-1", "updateRevision": "db-2"}),
                None,
            ),
            // rollingUpdate absent: revisions must agree
            (
                1,
                json!({"replicas": 2, "updateStrategy": rolling(None)}),
                json!({"observedGeneration": 1, "replicas": 2, "readyReplicas": 2, "updatedReplicas": 1,
                    "currentRevision": "db-1", "updateRevision": "db-2"}),
                Some("1 pods at revision db-2"),
            ),
            (
                1,
                json!({"replicas": 2}),
                json!({"observedGeneration": 1, "replicas": 2, "readyReplicas": 2, "updatedReplicas": 2,
                    "currentRevision": "db-2", "updateRevision": "db-2"}),
                None,
            ),
            // OnDelete: ready is enough, revisions and updated counts ignored
            (
                1,
                json!({"replicas": 2, "updateStrategy": {"type": "OnDelete"}}),
                json!({"observedGeneration": 1, "replicas": 2, "readyReplicas": 2, "updatedReplicas": 0,
                    "currentRevision": "db-1", "updateRevision": "db-2"}),
                None,
            ),
            (
                1,
                json!({"replicas": 2, "updateStrategy": {"type": "OnDelete"}}),
                json!({"observedGeneration": 1, "replicas": 2, "readyReplicas": 1}),
                Some("1 of 2 ready"),
            ),
        ];
        for (generation, spec, status, want) in cases {
            let got = stateful_set_status(&stateful_set(generation, spec.clone(), status.clone()));
            match want {
                None => assert_eq!(got, Rollout::Complete, "{spec} {status}"),
                Some(text) => assert!(progressing_with(&got, text), "{spec} {status}: {got:?}"),
            }
        }
    }

    fn daemon_set(generation: i64, strategy: &str, status: Value) -> DaemonSet {
        from(
            json!({"metadata": {"name": "agent", "generation": generation},
            "spec": {"updateStrategy": {"type": strategy}}, "status": status}),
        )
    }

    #[test]
    fn daemon_set_rules() {
        let cases: Vec<(i64, &str, Value, Option<&str>)> = vec![
            (
                2,
                "RollingUpdate",
                json!({"observedGeneration": 1, "desiredNumberScheduled": 1, "updatedNumberScheduled": 1, "numberAvailable": 1}),
                Some("observed"),
            ),
            // generation 0 and observed 0 is not "waiting" for a DaemonSet (unlike a StatefulSet)
            (
                0,
                "RollingUpdate",
                json!({"desiredNumberScheduled": 0}),
                None,
            ),
            (
                1,
                "RollingUpdate",
                json!({"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 1, "numberAvailable": 3}),
                Some("1 out of 3 new pods have been updated"),
            ),
            (
                1,
                "RollingUpdate",
                json!({"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 2}),
                Some("2 of 3 updated pods are available"),
            ),
            (
                1,
                "RollingUpdate",
                json!({"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3}),
                Some("0 of 3"),
            ),
            (
                1,
                "RollingUpdate",
                json!({"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 3}),
                None,
            ),
            (
                1,
                "OnDelete",
                json!({"observedGeneration": 1, "desiredNumberScheduled": 2, "updatedNumberScheduled": 0, "numberAvailable": 2}),
                None,
            ),
            (
                1,
                "OnDelete",
                json!({"observedGeneration": 1, "desiredNumberScheduled": 2, "numberAvailable": 1}),
                Some("1 of 2"),
            ),
        ];
        for (generation, strategy, status, want) in cases {
            let got = daemon_set_status(&daemon_set(generation, strategy, status.clone()));
            match want {
                None => assert_eq!(got, Rollout::Complete, "{strategy} {status}"),
                Some(text) => assert!(progressing_with(&got, text), "{strategy} {status}: {got:?}"),
            }
        }
    }

    #[test]
    fn replica_set_rules() {
        let rs = |generation: i64, replicas: Option<i32>, status: Value| -> ReplicaSet {
            let spec = replicas.map_or(json!({}), |r| json!({"replicas": r}));
            from(
                json!({"metadata": {"name": "rs", "generation": generation}, "spec": spec, "status": status}),
            )
        };
        let cases: Vec<(ReplicaSet, Option<&str>)> = vec![
            (
                rs(
                    2,
                    Some(1),
                    json!({"observedGeneration": 1, "replicas": 1, "readyReplicas": 1, "availableReplicas": 1}),
                ),
                Some("observed"),
            ),
            (
                rs(
                    1,
                    Some(3),
                    json!({"observedGeneration": 1, "replicas": 3, "readyReplicas": 2, "availableReplicas": 2}),
                ),
                Some("2 of 3 replicas are ready"),
            ),
            (
                rs(
                    1,
                    Some(3),
                    json!({"observedGeneration": 1, "replicas": 3, "readyReplicas": 3, "availableReplicas": 1}),
                ),
                Some("1 of 3 replicas are available"),
            ),
            (
                rs(
                    1,
                    Some(1),
                    json!({"observedGeneration": 1, "replicas": 2, "readyReplicas": 1, "availableReplicas": 1}),
                ),
                Some("1 surplus"),
            ),
            (
                rs(1, None, json!({"observedGeneration": 1, "replicas": 0})),
                Some("0 of 1"),
            ),
            (
                rs(
                    1,
                    Some(3),
                    json!({"observedGeneration": 1, "replicas": 3, "readyReplicas": 3, "availableReplicas": 3}),
                ),
                None,
            ),
        ];
        for (object, want) in cases {
            let got = replica_set_status(&object);
            match want {
                None => assert_eq!(got, Rollout::Complete),
                Some(text) => assert!(progressing_with(&got, text), "{got:?}"),
            }
        }
    }

    fn job(spec: Value, status: Value) -> Job {
        from(json!({"metadata": {"name": "migrate"}, "spec": spec, "status": status}))
    }

    #[test]
    fn job_rules() {
        let cond = |type_: &str, status: &str, reason: &str| json!({"type": type_, "status": status, "reason": reason, "message": format!("{reason} happened")});
        assert_eq!(
            job_status(&job(
                json!({}),
                json!({"conditions": [cond("Complete", "True", "CompletionsReached")]})
            )),
            Rollout::Complete
        );
        let cases = [
            ("BackoffLimitExceeded", FailureReason::BackoffLimitExceeded),
            ("DeadlineExceeded", FailureReason::DeadlineExceeded),
            ("PodFailurePolicy", FailureReason::PodFailurePolicy),
            (
                "MaxFailedIndexesExceeded",
                FailureReason::MaxFailedIndexesExceeded,
            ),
            ("SomethingNew", FailureReason::JobFailed),
        ];
        for (raw, want) in cases {
            let got = job_status(&job(
                json!({}),
                json!({"conditions": [cond("Failed", "True", raw)]}),
            ));
            match got {
                Rollout::Failed { reason, message } => {
                    assert_eq!(reason, want);
                    assert!(message.contains(&format!("{raw} happened")), "{message}");
                    if want == FailureReason::JobFailed {
                        assert!(message.starts_with("SomethingNew: "), "{message}");
                    }
                }
                other => panic!("{raw}: {other:?}"),
            }
        }
        // FailureTarget comes before Failed: fail as early as the controller knows.
        assert!(matches!(
            job_status(&job(
                json!({}),
                json!({"conditions": [cond("FailureTarget", "True", "BackoffLimitExceeded")]})
            )),
            Rollout::Failed {
                reason: FailureReason::BackoffLimitExceeded,
                ..
            }
        ));
        // A condition that is not True does not count.
        assert!(matches!(
            job_status(&job(
                json!({}),
                json!({"conditions": [cond("Failed", "False", "BackoffLimitExceeded")], "active": 1})
            )),
            Rollout::Progressing(_)
        ));
        assert_eq!(
            job_status(&job(json!({"suspend": true}), json!({}))),
            Rollout::Progressing("suspended".into())
        );
        assert_eq!(
            job_status(&job(
                json!({"completions": 3}),
                json!({"active": 1, "succeeded": 2})
            )),
            Rollout::Progressing("1 active, 2 succeeded, 0 failed (of 3 completions)".into())
        );
    }

    #[test]
    fn pod_rules() {
        let pod =
            |status: Value| -> Pod { from(json!({"metadata": {"name": "p"}, "status": status})) };
        assert_eq!(
            pod_status(&pod(
                json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]})
            )),
            Rollout::Complete
        );
        assert_eq!(
            pod_status(&pod(json!({"phase": "Succeeded"}))),
            Rollout::Complete
        );
        assert_eq!(
            pod_status(&pod(
                json!({"phase": "Failed", "reason": "Evicted", "message": "low on memory"})
            )),
            Rollout::Failed {
                reason: FailureReason::PodFailed,
                message: "phase Failed: Evicted: low on memory".into()
            }
        );
        let got = pod_status(&pod(
            json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "False",
            "reason": "ContainersNotReady", "message": "containers with unready status: [app]"}]}),
        ));
        assert_eq!(
            got,
            Rollout::Progressing("phase Running, not ready: ContainersNotReady: containers with unready status: [app]".into())
        );
        assert_eq!(
            pod_status(&pod(json!({}))),
            Rollout::Progressing("phase Pending, not ready".into())
        );
    }
}
