//! When a rollout completed according to the API, next to when devk noticed
//! and reported it: the benchmark's "report delay".
//!
//! The API's side is the latest transition it records for the workload and
//! its pods — a True condition's `lastTransitionTime`/`lastUpdateTime` (a
//! Deployment's `Progressing`/`NewReplicaSetAvailable`, a Job's `Complete`),
//! a Job's `completionTime`, the time of the last write to the workload's
//! status (its `managedFields` entry for the status subresource: when the
//! controller wrote the counts that say "rolled out"), the `Ready`
//! transition of each ready pod, the finish time of a succeeded pod's
//! containers. Kubernetes writes these to
//! the second, so `observedCompleteAt` is truncated and a report delay
//! computed from it reads up to a second high.

use std::time::SystemTime;

use serde::Serialize;
use serde_json::Value;

use crate::testing::report::model::format_time;

/// One workload's rollout, for the JSON report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutTiming {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// The latest completion-related timestamp the API shows (second precision).
    #[serde(serialize_with = "optional_time")]
    pub observed_complete_at: Option<SystemTime>,
    /// When the watch event that showed the completion reached devk.
    #[serde(serialize_with = "time")]
    pub noticed_at: SystemTime,
}

impl RolloutTiming {
    /// Seconds from the API's completion time to devk noticing it; None when
    /// the API shows no completion time. Reads up to a second high (the API
    /// keeps whole seconds).
    pub fn report_delay(&self) -> Option<f64> {
        self.observed_complete_at
            .map(|observed| seconds_between(observed, self.noticed_at))
    }
}

/// `later - earlier` in seconds, negative when `later` is earlier.
pub fn seconds_between(earlier: SystemTime, later: SystemTime) -> f64 {
    match later.duration_since(earlier) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

/// The latest completion-related time the API records for `workload` and
/// its `pods` (see the module docs); None when it records none.
pub fn observed_complete_at(workload: &Value, pods: &[&Value]) -> Option<SystemTime> {
    let mut times: Vec<SystemTime> = Vec::new();
    for condition in conditions(workload) {
        if condition.get("status").and_then(Value::as_str) == Some("True") {
            for field in ["lastTransitionTime", "lastUpdateTime"] {
                times.extend(condition.get(field).and_then(parse_time));
            }
        }
    }
    times.extend(
        workload
            .pointer("/status/completionTime")
            .and_then(parse_time),
    );
    let managed = workload
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    times.extend(
        managed
            .iter()
            .filter(|entry| entry.get("subresource").and_then(Value::as_str) == Some("status"))
            .filter_map(|entry| entry.get("time").and_then(parse_time)),
    );
    for pod in pods {
        for condition in conditions(pod) {
            if condition.get("type").and_then(Value::as_str) == Some("Ready")
                && condition.get("status").and_then(Value::as_str) == Some("True")
            {
                times.extend(condition.get("lastTransitionTime").and_then(parse_time));
            }
        }
        if pod.pointer("/status/phase").and_then(Value::as_str) == Some("Succeeded") {
            let statuses = pod
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            times.extend(statuses.iter().filter_map(|s| {
                s.pointer("/state/terminated/finishedAt")
                    .and_then(parse_time)
            }));
        }
    }
    times.into_iter().max()
}

fn conditions(object: &Value) -> &[Value] {
    object
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn parse_time(value: &Value) -> Option<SystemTime> {
    let text = value.as_str()?;
    let parsed = chrono::DateTime::parse_from_rfc3339(text).ok()?;
    Some(SystemTime::from(parsed.with_timezone(&chrono::Utc)))
}

fn time<S: serde::Serializer>(time: &SystemTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_time(*time))
}

fn optional_time<S: serde::Serializer>(
    time: &Option<SystemTime>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(t) => serializer.serialize_str(&format_time(*t)),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn at(text: &str) -> SystemTime {
        parse_time(&json!(text)).unwrap()
    }

    #[test]
    fn latest_true_condition_or_ready_pod_wins() {
        let deployment = json!({"status": {"conditions": [
            {"type": "Available", "status": "True", "lastTransitionTime": "2026-01-01T00:00:05Z", "lastUpdateTime": "2026-01-01T00:00:05Z"},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
             "lastTransitionTime": "2026-01-01T00:00:01Z", "lastUpdateTime": "2026-01-01T00:00:09Z"},
            {"type": "ReplicaFailure", "status": "False", "lastTransitionTime": "2026-01-01T00:01:00Z"}]}});
        let ready = json!({"status": {"conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:08Z"}]}});
        let late_unready = json!({"status": {"conditions": [
            {"type": "Ready", "status": "False", "lastTransitionTime": "2026-01-01T00:02:00Z"}]}});
        assert_eq!(
            observed_complete_at(&deployment, &[&ready, &late_unready]),
            Some(at("2026-01-01T00:00:09Z")),
            "False conditions and unready pods do not count"
        );
        // A StatefulSet has no conditions: its pods' Ready times decide.
        let stateful_set = json!({"status": {"readyReplicas": 1}});
        assert_eq!(
            observed_complete_at(&stateful_set, &[&ready]),
            Some(at("2026-01-01T00:00:08Z"))
        );
        assert_eq!(observed_complete_at(&stateful_set, &[]), None);
        // The controller's last status write counts; spec writes do not.
        let written = json!({"metadata": {"managedFields": [
            {"manager": "kubectl", "operation": "Apply", "time": "2026-01-01T00:05:00Z"},
            {"manager": "kube-controller-manager", "operation": "Update", "subresource": "status",
             "time": "2026-01-01T00:00:09Z"}]},
            "status": {"readyReplicas": 1}});
        assert_eq!(
            observed_complete_at(&written, &[&ready]),
            Some(at("2026-01-01T00:00:09Z"))
        );
    }

    #[test]
    fn jobs_and_succeeded_pods() {
        let job = json!({"status": {"completionTime": "2026-01-01T00:00:12Z",
            "conditions": [{"type": "Complete", "status": "True", "lastTransitionTime": "2026-01-01T00:00:12Z"}]}});
        let pod = json!({"status": {"phase": "Succeeded", "containerStatuses": [
            {"state": {"terminated": {"finishedAt": "2026-01-01T00:00:11Z"}}}]}});
        assert_eq!(
            observed_complete_at(&job, &[&pod]),
            Some(at("2026-01-01T00:00:12Z"))
        );
        assert_eq!(
            observed_complete_at(&json!({}), &[&pod]),
            Some(at("2026-01-01T00:00:11Z"))
        );
    }

    #[test]
    fn json_field_names() {
        let observed = at("2026-01-01T00:00:10Z");
        let timing = RolloutTiming {
            kind: "Deployment".into(),
            name: "web".into(),
            namespace: Some("t".into()),
            observed_complete_at: Some(observed),
            noticed_at: observed + Duration::from_millis(300),
        };
        assert!(seconds_between(observed + Duration::from_secs(1), observed) < 0.0);
        assert!((timing.report_delay().unwrap() - 0.3).abs() < 1e-9);
        let value = serde_json::to_value(&timing).unwrap();
        assert_eq!(
            value,
            json!({"kind": "Deployment", "name": "web", "namespace": "t",
                   "observedCompleteAt": "2026-01-01T00:00:10.000Z",
                   "noticedAt": "2026-01-01T00:00:10.300Z"})
        );
    }
}
