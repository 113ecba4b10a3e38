//! Fail fast: read a workload's pods for the states that will not resolve on
//! their own (a bad image, a missing ConfigMap, a crash loop, no node that
//! fits), so that a test fails in seconds with the reason instead of at the
//! timeout with "1 of 3 updated replicas are available".

use std::time::{Duration, SystemTime};

use k8s_openapi::api::core::v1::{ContainerStatus, Pod, PodCondition};

use super::{FailureReason, Rollout};

/// How long a pod must stay Unschedulable before it counts as failing. Right
/// after a node turns Ready its `not-ready` taint lingers a moment, and a
/// pod scheduled then is briefly Unschedulable; a pod that fits no node at
/// all stays so.
pub const UNSCHEDULABLE_GRACE: Duration = Duration::from_secs(10);

/// Restarts after which a container in CrashLoopBackOff counts as failing:
/// one crash can be a race with a dependency, two in a row rarely is.
pub const DEFAULT_CRASHLOOP_RESTART_THRESHOLD: i32 = 2;

/// The first unrecoverable state of `pod`, with a message that names the
/// pod, the container, the reason and the kubelet's or scheduler's message.
///
/// Checked in this order: the pod's phase Failed, the scheduler's
/// Unschedulable, then init containers and containers (in spec order) waiting
/// on an image or config error, or in CrashLoopBackOff with at least
/// `crashloop_restart_threshold` restarts.
pub fn pod_failure(pod: &Pod, crashloop_restart_threshold: i32) -> Option<(FailureReason, String)> {
    pod_failure_at(pod, crashloop_restart_threshold, None)
}

/// [`pod_failure`] as of `now`: an Unschedulable pod counts only once it
/// has been so for [`UNSCHEDULABLE_GRACE`]. `None` applies no grace.
pub fn pod_failure_at(
    pod: &Pod,
    crashloop_restart_threshold: i32,
    now: Option<SystemTime>,
) -> Option<(FailureReason, String)> {
    let name = pod.metadata.name.as_deref().unwrap_or("<unnamed>");
    let status = pod.status.as_ref()?;

    if status.phase.as_deref() == Some("Failed") {
        let mut message = format!("pod {name} failed");
        if let Some(reason) = &status.reason {
            message.push_str(&format!(": {reason}"));
        }
        if let Some(detail) = &status.message {
            message.push_str(&format!(": {detail}"));
        }
        for container in containers(status) {
            if let Some(t) = container.state.as_ref().and_then(|s| s.terminated.as_ref())
                && t.exit_code != 0
            {
                message.push_str(&format!(
                    "; container {} exited with code {}{}",
                    container.name,
                    t.exit_code,
                    t.reason
                        .as_deref()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default()
                ));
            }
        }
        return Some((FailureReason::PodFailed, message));
    }

    let unschedulable = unschedulable_condition(pod)
        .filter(|c| now.is_none_or(|now| grace_ends(c).is_none_or(|end| end <= now)));
    if let Some(condition) = unschedulable {
        let detail = condition
            .message
            .as_deref()
            .unwrap_or("no node fits the pod");
        return Some((
            FailureReason::Unschedulable,
            format!("pod {name} cannot be scheduled: {detail}"),
        ));
    }

    for container in containers(status) {
        if let Some(terminated) = container.state.as_ref().and_then(|s| s.terminated.as_ref())
            && container.restart_count >= crashloop_restart_threshold
            && will_restart(pod, &container.name, terminated.exit_code)
        {
            // Kubelets report the crashed instance as terminated for much of
            // the back-off, and switch to waiting/CrashLoopBackOff only at a
            // later sync (a minute or more on v1.36); restarted this often and
            // dead again, it is crash-looping either way.
            return Some((
                FailureReason::CrashLoopBackOff,
                format!(
                    "pod {name}: container {}: CrashLoopBackOff (restarted {} times): exited with code {}{}, waiting to be restarted",
                    container.name,
                    container.restart_count,
                    terminated.exit_code,
                    terminated
                        .reason
                        .as_deref()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default()
                ),
            ));
        }
        let Some(waiting) = container.state.as_ref().and_then(|s| s.waiting.as_ref()) else {
            continue;
        };
        let Some(raw_reason) = waiting.reason.as_deref() else {
            continue;
        };
        let reason = match raw_reason {
            "ErrImagePull" => FailureReason::ErrImagePull,
            "ImagePullBackOff" => FailureReason::ImagePullBackOff,
            "InvalidImageName" => FailureReason::InvalidImageName,
            "ErrImageNeverPull" => FailureReason::ErrImageNeverPull,
            "CreateContainerConfigError" => FailureReason::CreateContainerConfigError,
            "CreateContainerError" => FailureReason::CreateContainerError,
            "CrashLoopBackOff" if container.restart_count >= crashloop_restart_threshold => {
                FailureReason::CrashLoopBackOff
            }
            _ => continue,
        };
        let mut message = format!("pod {name}: container {}: {reason}", container.name);
        if reason == FailureReason::CrashLoopBackOff {
            message.push_str(&format!(" (restarted {} times)", container.restart_count));
        }
        if let Some(detail) = &waiting.message {
            message.push_str(&format!(": {detail}"));
        }
        if reason == FailureReason::CrashLoopBackOff
            && let Some(last) = container
                .last_state
                .as_ref()
                .and_then(|s| s.terminated.as_ref())
        {
            message.push_str(&format!(
                "; last exit code {}{}",
                last.exit_code,
                last.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ));
        }
        return Some((reason, message));
    }
    None
}

/// Combine a workload's own rollout state with what its pods show: a rollout
/// still progressing fails as soon as one pod has failed (a complete or an
/// already failed rollout is left as it is).
///
/// For a `Job`, pods that failed or crash-loop are the Job controller's to
/// judge (it retries them up to `backoffLimit`, and the Job's own condition
/// says when it gives up), so only image, config and scheduling failures
/// fail a Job early.
pub fn fail_fast(
    kind: &str,
    rollout: Rollout,
    pods: &[Pod],
    crashloop_restart_threshold: i32,
) -> Rollout {
    fail_fast_at(kind, rollout, pods, crashloop_restart_threshold, None)
}

fn unschedulable_condition(pod: &Pod) -> Option<&PodCondition> {
    pod.status.as_ref()?.conditions.iter().flatten().find(|c| {
        c.type_ == "PodScheduled"
            && c.status == "False"
            && c.reason.as_deref() == Some("Unschedulable")
    })
}

/// When an Unschedulable condition's grace ends (None: no time recorded).
fn grace_ends(condition: &PodCondition) -> Option<SystemTime> {
    let since = condition.last_transition_time.as_ref()?;
    let since = SystemTime::UNIX_EPOCH + Duration::from_secs(since.0.as_second().max(0) as u64);
    Some(since + UNSCHEDULABLE_GRACE)
}

/// The earliest moment a pod now within its Unschedulable grace would count
/// as failing: when a watcher with no new events should look again.
pub fn next_recheck(pods: &[Pod], now: SystemTime) -> Option<SystemTime> {
    pods.iter()
        .filter_map(|p| unschedulable_condition(p).and_then(grace_ends))
        .filter(|end| *end > now)
        .min()
}

/// [`fail_fast`] as of `now` (see [`pod_failure_at`]).
pub fn fail_fast_at(
    kind: &str,
    rollout: Rollout,
    pods: &[Pod],
    crashloop_restart_threshold: i32,
    now: Option<SystemTime>,
) -> Rollout {
    if !matches!(rollout, Rollout::Progressing(_)) {
        return rollout;
    }
    let retried_by_controller = |reason: FailureReason| {
        kind == "Job"
            && matches!(
                reason,
                FailureReason::PodFailed | FailureReason::CrashLoopBackOff
            )
    };
    pods.iter()
        .filter_map(|pod| pod_failure_at(pod, crashloop_restart_threshold, now))
        .find(|(reason, _)| !retried_by_controller(*reason))
        .map_or(rollout, |(reason, message)| Rollout::Failed {
            reason,
            message,
        })
}

/// Whether the kubelet restarts this container after it exited with
/// `exit_code`: the container's own restartPolicy (sidecars, restart rules)
/// or else the pod's (default Always).
fn will_restart(pod: &Pod, container: &str, exit_code: i32) -> bool {
    let spec = pod.spec.as_ref();
    let own = spec.and_then(|s| {
        s.init_containers
            .iter()
            .flatten()
            .chain(s.containers.iter())
            .find(|c| c.name == container)
            .and_then(|c| c.restart_policy.clone())
    });
    let policy = own
        .or_else(|| spec.and_then(|s| s.restart_policy.clone()))
        .unwrap_or_else(|| "Always".to_string());
    match policy.as_str() {
        "Never" => false,
        "OnFailure" => exit_code != 0,
        _ => true,
    }
}

fn containers(
    status: &k8s_openapi::api::core::v1::PodStatus,
) -> impl Iterator<Item = &ContainerStatus> {
    status
        .init_container_statuses
        .iter()
        .flatten()
        .chain(status.container_statuses.iter().flatten())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn pod(status: Value) -> Pod {
        serde_json::from_value(json!({"metadata": {"name": "web-1"}, "status": status}))
            .expect("test pod deserializes")
    }

    fn waiting(container: &str, reason: &str, message: &str, restarts: i32) -> Value {
        json!({"name": container, "image": "x", "imageID": "", "ready": false, "restartCount": restarts,
               "state": {"waiting": {"reason": reason, "message": message}}})
    }

    #[test]
    fn waiting_reasons_that_fail_fast() {
        use FailureReason::*;
        let cases = [
            ("ErrImagePull", ErrImagePull),
            ("ImagePullBackOff", ImagePullBackOff),
            ("InvalidImageName", InvalidImageName),
            ("ErrImageNeverPull", ErrImageNeverPull),
            ("CreateContainerConfigError", CreateContainerConfigError),
            ("CreateContainerError", CreateContainerError),
        ];
        for (raw, want) in cases {
            let p = pod(
                json!({"phase": "Pending", "containerStatuses": [waiting("app", raw, "the detail", 0)]}),
            );
            let (reason, message) = pod_failure(&p, 2).expect(raw);
            assert_eq!(reason, want);
            assert_eq!(
                message,
                format!("pod web-1: container app: {raw}: the detail")
            );
        }
    }

    #[test]
    fn init_containers_are_checked_first() {
        let p = pod(json!({"phase": "Pending",
            "initContainerStatuses": [waiting("migrate", "ErrImagePull", "not found", 0)],
            "containerStatuses": [waiting("app", "CreateContainerConfigError", "configmap \"x\" not found", 0)]}));
        let (reason, message) = pod_failure(&p, 2).unwrap();
        assert_eq!(reason, FailureReason::ErrImagePull);
        assert!(message.contains("container migrate"), "{message}");
    }

    #[test]
    fn crash_loop_needs_the_restart_threshold() {
        let mut status = waiting(
            "app",
            "CrashLoopBackOff",
            "back-off 10s restarting failed container",
            1,
        );
        status["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error"}});
        let p = pod(json!({"phase": "Running", "containerStatuses": [status.clone()]}));
        assert_eq!(pod_failure(&p, 2), None);
        assert!(pod_failure(&p, 1).is_some());

        status["restartCount"] = json!(2);
        let p = pod(json!({"phase": "Running", "containerStatuses": [status]}));
        let (reason, message) = pod_failure(&p, DEFAULT_CRASHLOOP_RESTART_THRESHOLD).unwrap();
        assert_eq!(reason, FailureReason::CrashLoopBackOff);
        assert_eq!(
            message,
            "pod web-1: container app: CrashLoopBackOff (restarted 2 times): back-off 10s restarting failed container; last exit code 1 (Error)"
        );
    }

    #[test]
    fn terminated_again_after_restarts_is_a_crash_loop_if_it_will_restart() {
        let status = |restarts: i32, exit_code: i32| {
            json!({"phase": "Running", "containerStatuses": [{"name": "app", "image": "x", "imageID": "",
                "ready": false, "restartCount": restarts,
                "state": {"terminated": {"exitCode": exit_code, "reason": "Error"}}}]})
        };
        let with_policy = |policy: Option<&str>, restarts: i32, exit_code: i32| -> Pod {
            let mut spec = json!({"containers": [{"name": "app"}]});
            if let Some(p) = policy {
                spec["restartPolicy"] = json!(p);
            }
            serde_json::from_value(
                json!({"metadata": {"name": "web-1"}, "spec": spec, "status": status(restarts, exit_code)}),
            )
            .unwrap()
        };
        // (restartPolicy, restarts, exit code, crash loop?)
        let cases = [
            (None, 2, 1, true),
            (Some("Always"), 2, 0, true),
            (Some("Always"), 1, 1, false),
            (Some("OnFailure"), 3, 1, true),
            (Some("OnFailure"), 3, 0, false),
            (Some("Never"), 3, 1, false),
        ];
        for (policy, restarts, exit_code, want) in cases {
            let found = pod_failure(&with_policy(policy, restarts, exit_code), 2);
            assert_eq!(
                found.as_ref().map(|(r, _)| *r),
                want.then_some(FailureReason::CrashLoopBackOff),
                "{policy:?} restarts {restarts} exit {exit_code}"
            );
        }
        let (_, message) = pod_failure(&with_policy(None, 2, 1), 2).unwrap();
        assert_eq!(
            message,
            "pod web-1: container app: CrashLoopBackOff (restarted 2 times): exited with code 1 (Error), waiting to be restarted"
        );
        // A sidecar (init container with restartPolicy Always) restarts even
        // in a pod that never restarts.
        let sidecar: Pod = serde_json::from_value(json!({"metadata": {"name": "web-1"},
            "spec": {"restartPolicy": "Never", "containers": [{"name": "app"}],
                     "initContainers": [{"name": "proxy", "restartPolicy": "Always"}]},
            "status": {"phase": "Running", "initContainerStatuses": [{"name": "proxy", "image": "x", "imageID": "",
                "ready": false, "restartCount": 2, "state": {"terminated": {"exitCode": 1}}}]}}))
        .unwrap();
        assert!(pod_failure(&sidecar, 2).is_some());
    }

    #[test]
    fn unschedulable_counts_only_after_its_grace() {
        let since = "2026-01-01T00:00:00Z";
        let p = pod(
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
            "reason": "Unschedulable", "lastTransitionTime": since,
            "message": "0/1 nodes are available: 1 node(s) had untolerated taint(s)."}]}),
        );
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        assert_eq!(
            pod_failure_at(&p, 2, Some(t0 + Duration::from_secs(3))),
            None
        );
        assert_eq!(
            next_recheck(std::slice::from_ref(&p), t0 + Duration::from_secs(3)),
            Some(t0 + UNSCHEDULABLE_GRACE)
        );
        let (reason, _) = pod_failure_at(&p, 2, Some(t0 + UNSCHEDULABLE_GRACE)).unwrap();
        assert_eq!(reason, FailureReason::Unschedulable);
        assert_eq!(
            next_recheck(std::slice::from_ref(&p), t0 + UNSCHEDULABLE_GRACE),
            None
        );
        // Without a time there is no grace.
        assert!(pod_failure(&p, 2).is_some());
    }

    #[test]
    fn unschedulable_carries_the_scheduler_message() {
        let p = pod(
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
            "reason": "Unschedulable", "message": "0/1 nodes are available: 1 Insufficient cpu."}]}),
        );
        assert_eq!(
            pod_failure(&p, 2),
            Some((
                FailureReason::Unschedulable,
                "pod web-1 cannot be scheduled: 0/1 nodes are available: 1 Insufficient cpu."
                    .into()
            ))
        );
        // PodScheduled=False for another reason (e.g. a scheduling gate) is not a failure.
        let gated = pod(
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
            "reason": "SchedulingGated"}]}),
        );
        assert_eq!(pod_failure(&gated, 2), None);
    }

    #[test]
    fn failed_phase_names_the_exit_code() {
        let p = pod(
            json!({"phase": "Failed", "containerStatuses": [{"name": "app", "image": "x", "imageID": "",
            "ready": false, "restartCount": 0, "state": {"terminated": {"exitCode": 3, "reason": "Error"}}}]}),
        );
        let (reason, message) = pod_failure(&p, 2).unwrap();
        assert_eq!(reason, FailureReason::PodFailed);
        assert_eq!(
            message,
            "pod web-1 failed; container app exited with code 3 (Error)"
        );
    }

    #[test]
    fn healthy_or_transient_states_are_not_failures() {
        let cases = [
            json!({"phase": "Running", "containerStatuses": [{"name": "app", "image": "x", "imageID": "", "ready": true,
                "restartCount": 0, "state": {"running": {}}}]}),
            json!({"phase": "Pending", "containerStatuses": [waiting("app", "ContainerCreating", "", 0)]}),
            json!({"phase": "Pending", "containerStatuses": [waiting("app", "PodInitializing", "", 0)]}),
            json!({}),
        ];
        for status in cases {
            assert_eq!(pod_failure(&pod(status.clone()), 2), None, "{status}");
        }
        let no_status: Pod = serde_json::from_value(json!({"metadata": {"name": "x"}})).unwrap();
        assert_eq!(pod_failure(&no_status, 2), None);
    }

    #[test]
    fn fail_fast_turns_progress_into_failure_except_what_a_job_retries() {
        let bad_image = pod(
            json!({"phase": "Pending", "containerStatuses": [waiting("app", "ImagePullBackOff", "", 0)]}),
        );
        let failed = pod(json!({"phase": "Failed"}));
        let progressing = Rollout::Progressing("0 of 1 updated replicas are available".into());

        assert!(matches!(
            fail_fast(
                "Deployment",
                progressing.clone(),
                std::slice::from_ref(&bad_image),
                2
            ),
            Rollout::Failed {
                reason: FailureReason::ImagePullBackOff,
                ..
            }
        ));
        // Complete stays complete, whatever an old pod shows.
        assert_eq!(
            fail_fast(
                "Deployment",
                Rollout::Complete,
                std::slice::from_ref(&bad_image),
                2
            ),
            Rollout::Complete
        );
        // Job pods that failed are retried by the Job controller.
        assert_eq!(
            fail_fast("Job", progressing.clone(), std::slice::from_ref(&failed), 2),
            progressing
        );
        // ...but a bad image fails a Job too, even after a failed pod.
        assert!(matches!(
            fail_fast("Job", progressing.clone(), &[failed.clone(), bad_image], 2),
            Rollout::Failed {
                reason: FailureReason::ImagePullBackOff,
                ..
            }
        ));
        assert!(matches!(
            fail_fast("ReplicaSet", progressing.clone(), &[failed], 2),
            Rollout::Failed {
                reason: FailureReason::PodFailed,
                ..
            }
        ));
        assert_eq!(
            fail_fast("Deployment", progressing.clone(), &[], 2),
            progressing
        );
    }
}
