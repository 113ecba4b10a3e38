//! What a failed step's report shows of the cluster: the namespace's events
//! in time order, the state of each pod that is not Ready, and the last log
//! lines of their containers — of the previous instance for a container
//! waiting in CrashLoopBackOff, whose current instance has no output yet.

use k8s_openapi::api::core::v1::{ContainerStatus, Event, Pod};
use kube::api::{Api, ListParams, LogParams};

use crate::testing::report::{Diagnostics, EventLine, LogTail, PodState};

/// Log lines kept per container.
pub const LOG_TAIL_LINES: i64 = 20;
/// Events kept per namespace (the latest).
const MAX_EVENTS: usize = 50;
/// Failing pods shown per namespace.
const MAX_PODS: usize = 10;

/// Collect diagnostics from `namespaces`. Best effort: what cannot be read
/// is left out (the failure itself is already known).
pub async fn collect(client: &kube::Client, namespaces: &[String]) -> Diagnostics {
    let mut diagnostics = Diagnostics::default();
    for namespace in namespaces {
        let events: Api<Event> = Api::namespaced(client.clone(), namespace);
        if let Ok(list) = events.list(&ListParams::default()).await {
            let mut lines: Vec<EventLine> = list.items.iter().map(EventLine::from_event).collect();
            let mut sorted = Diagnostics {
                events: std::mem::take(&mut lines),
                ..Default::default()
            };
            sorted.sort_events();
            let skip = sorted.events.len().saturating_sub(MAX_EVENTS);
            diagnostics
                .events
                .extend(sorted.events.into_iter().skip(skip));
        }
        let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
        let Ok(list) = pods.list(&ListParams::default()).await else {
            continue;
        };
        for pod in list.items.iter().filter(|p| is_failing(p)).take(MAX_PODS) {
            diagnostics.pods.push(PodState::from_pod(pod));
            let name = pod.metadata.name.clone().unwrap_or_default();
            for (status, previous) in log_sources(pod) {
                if let Some(tail) = log_tail(&pods, &name, &status.name, previous).await {
                    diagnostics.logs.push(tail);
                }
            }
        }
    }
    diagnostics.sort_events();
    diagnostics
}

/// Not Ready and not finished successfully.
pub fn is_failing(pod: &Pod) -> bool {
    let Some(status) = &pod.status else {
        return true;
    };
    if status.phase.as_deref() == Some("Succeeded") {
        return false;
    }
    !status
        .conditions
        .iter()
        .flatten()
        .any(|c| c.type_ == "Ready" && c.status == "True")
}

/// The containers of a failing pod worth reading logs from, and whether to
/// read the previous instance: those that are not ready and have run (a
/// container that never started, like one with a bad image, has no logs).
pub fn log_sources(pod: &Pod) -> Vec<(&ContainerStatus, bool)> {
    let Some(status) = &pod.status else {
        return Vec::new();
    };
    status
        .init_container_statuses
        .iter()
        .flatten()
        .chain(status.container_statuses.iter().flatten())
        .filter(|c| !c.ready)
        .filter_map(|c| {
            let state = c.state.clone().unwrap_or_default();
            let crash_looping = c.restart_count > 0
                && state
                    .waiting
                    .as_ref()
                    .and_then(|w| w.reason.as_deref())
                    .is_some_and(|r| r == "CrashLoopBackOff");
            let has_run = state.running.is_some()
                || state
                    .terminated
                    .as_ref()
                    .is_some_and(|t| t.exit_code != 0 || c.restart_count > 0)
                || crash_looping;
            has_run.then_some((c, crash_looping))
        })
        .collect()
}

async fn log_tail(pods: &Api<Pod>, pod: &str, container: &str, previous: bool) -> Option<LogTail> {
    let read = |previous: bool| {
        let params = LogParams {
            container: Some(container.to_string()),
            tail_lines: Some(LOG_TAIL_LINES),
            previous,
            ..Default::default()
        };
        async move { pods.logs(pod, &params).await }
    };
    // The kubelet may already have replaced the instance asked for; the
    // other one is the next best.
    let (text, previous) = match read(previous).await {
        Ok(text) => (text, previous),
        Err(_) => (read(!previous).await.ok()?, !previous),
    };
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    Some(LogTail {
        pod: pod.to_string(),
        container: container.to_string(),
        previous,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn pod(phase: &str, ready: bool, containers: Value) -> Pod {
        serde_json::from_value(json!({"metadata": {"name": "p"}, "status": {
            "phase": phase,
            "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}],
            "containerStatuses": containers}}))
        .unwrap()
    }

    fn container(name: &str, ready: bool, restarts: i32, state: Value) -> Value {
        json!({"name": name, "image": "x", "imageID": "", "ready": ready, "restartCount": restarts, "state": state})
    }

    #[test]
    fn failing_pods_are_the_unready_unfinished_ones() {
        assert!(!is_failing(&pod("Running", true, json!([]))));
        assert!(!is_failing(&pod("Succeeded", false, json!([]))));
        assert!(is_failing(&pod("Pending", false, json!([]))));
        assert!(is_failing(&pod("Failed", false, json!([]))));
    }

    #[test]
    fn logs_come_from_containers_that_ran_previous_for_crash_loops() {
        let p = pod(
            "Running",
            false,
            json!([
                container(
                    "crash",
                    false,
                    3,
                    json!({"waiting": {"reason": "CrashLoopBackOff"}})
                ),
                container("died", false, 2, json!({"terminated": {"exitCode": 1}})),
                container("slow", false, 0, json!({"running": {}})),
                container(
                    "image",
                    false,
                    0,
                    json!({"waiting": {"reason": "ErrImageNeverPull"}})
                ),
                container("fine", true, 0, json!({"running": {}})),
            ]),
        );
        let sources: Vec<(&str, bool)> = log_sources(&p)
            .into_iter()
            .map(|(c, previous)| (c.name.as_str(), previous))
            .collect();
        assert_eq!(sources, [("crash", true), ("died", false), ("slow", false)]);
    }
}
