//! The results of a run, as plain data: what the runner fills in and every
//! renderer reads. Serialized as-is for `--output json` (camelCase names, durations
//! in seconds as floats, times as RFC 3339 strings).

use std::time::{Duration, SystemTime};

use k8s_openapi::api::core::v1::{Event, Pod};
use serde::{Deserialize, Serialize};

use crate::testing::matcher::Difference;

/// Exit code when every test passed (skipped tests allowed).
pub const EXIT_PASSED: i32 = 0;
/// Exit code when a test failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit code for a usage error or infrastructure failure (bad flags, broken
/// test files, no cluster): nothing could be judged.
pub const EXIT_ERROR: i32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuiteResult {
    pub tests: Vec<TestResult>,
    #[serde(with = "seconds")]
    pub duration: Duration,
    /// When the run started (the JUnit timestamp).
    #[serde(default, with = "rfc3339")]
    pub started: Option<SystemTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestResult {
    pub name: String,
    /// The JUnit classname: the directory holding the test.
    pub classname: String,
    /// Empty for a test that never got one (skipped).
    pub namespace: String,
    pub outcome: Outcome,
    #[serde(with = "seconds")]
    pub duration: Duration,
    pub steps: Vec<StepResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "status")]
pub enum Outcome {
    Passed,
    Failed,
    Skipped { reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepResult {
    pub index: u64,
    /// `00-install`, or `apply` for a plain test.
    pub name: String,
    pub outcome: Outcome,
    #[serde(with = "seconds")]
    pub duration: Duration,
    pub failure: Option<Failure>,
}

/// Why a step failed: what was expected, what was seen, and the cluster's
/// side of the story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    /// One line: which step, which object, what went wrong.
    pub summary: String,
    pub expected: String,
    pub seen: String,
    pub differences: Vec<Difference>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostics {
    /// In time order (see [`Diagnostics::sort_events`]).
    pub events: Vec<EventLine>,
    pub pods: Vec<PodState>,
    pub logs: Vec<LogTail>,
}

impl Diagnostics {
    /// Events oldest first; events without a time last, in arrival order.
    pub fn sort_events(&mut self) {
        self.events.sort_by_key(|e| (e.time.is_none(), e.time));
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventLine {
    #[serde(default, with = "rfc3339")]
    pub time: Option<SystemTime>,
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub type_: String,
    pub reason: String,
    /// `Pod/web-5d9c-abcde`.
    pub object: String,
    pub message: String,
}

impl EventLine {
    /// From a core/v1 Event: the latest of its times, its involved object as
    /// `Kind/name`.
    pub fn from_event(event: &Event) -> EventLine {
        let time = event
            .last_timestamp
            .as_ref()
            .map(k8s_time)
            .or_else(|| event.event_time.as_ref().map(|t| micro_time(&t.0)))
            .or_else(|| event.first_timestamp.as_ref().map(k8s_time))
            .or_else(|| event.metadata.creation_timestamp.as_ref().map(k8s_time));
        let object = &event.involved_object;
        EventLine {
            time,
            type_: event.type_.clone().unwrap_or_default(),
            reason: event.reason.clone().unwrap_or_default(),
            object: format!(
                "{}/{}",
                object.kind.as_deref().unwrap_or("?"),
                object.name.as_deref().unwrap_or("?")
            ),
            message: event.message.clone().unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodState {
    pub name: String,
    pub phase: String,
    pub conditions: Vec<ConditionState>,
    pub containers: Vec<ContainerState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionState {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerState {
    pub name: String,
    /// `waiting`, `running`, `terminated` or `unknown`.
    pub state: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub restarts: i32,
    /// An init container.
    #[serde(default)]
    pub init: bool,
}

impl PodState {
    /// A pod's phase, conditions and container states (init containers first).
    pub fn from_pod(pod: &Pod) -> PodState {
        let status = pod.status.clone().unwrap_or_default();
        let conditions = status
            .conditions
            .iter()
            .flatten()
            .map(|c| ConditionState {
                type_: c.type_.clone(),
                status: c.status.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
            })
            .collect();
        let describe = |c: &k8s_openapi::api::core::v1::ContainerStatus, init: bool| {
            let state = c.state.clone().unwrap_or_default();
            let (name, reason, message) = if let Some(w) = state.waiting {
                ("waiting", w.reason, w.message)
            } else if let Some(t) = state.terminated {
                let reason = Some(format!(
                    "{} (exit code {})",
                    t.reason.unwrap_or_else(|| "Terminated".into()),
                    t.exit_code
                ));
                ("terminated", reason, t.message)
            } else if state.running.is_some() {
                ("running", None, None)
            } else {
                ("unknown", None, None)
            };
            ContainerState {
                name: c.name.clone(),
                state: name.to_string(),
                reason,
                message,
                restarts: c.restart_count,
                init,
            }
        };
        let containers = status
            .init_container_statuses
            .iter()
            .flatten()
            .map(|c| describe(c, true))
            .chain(
                status
                    .container_statuses
                    .iter()
                    .flatten()
                    .map(|c| describe(c, false)),
            )
            .collect();
        PodState {
            name: pod.metadata.name.clone().unwrap_or_default(),
            phase: status.phase.unwrap_or_else(|| "Unknown".into()),
            conditions,
            containers,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogTail {
    pub pod: String,
    pub container: String,
    /// From the previous (crashed) instance of the container.
    pub previous: bool,
    pub lines: Vec<String>,
}

/// How many tests ended each way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl SuiteResult {
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for test in &self.tests {
            match test.outcome {
                Outcome::Passed => counts.passed += 1,
                Outcome::Failed => counts.failed += 1,
                Outcome::Skipped { .. } => counts.skipped += 1,
            }
        }
        counts
    }

    /// 0 when nothing failed (skips allowed), 1 when a test failed.
    pub fn exit_code(&self) -> i32 {
        if self.counts().failed > 0 {
            EXIT_FAILED
        } else {
            EXIT_PASSED
        }
    }
}

/// The exit code of `devk test`: the results' code, or [`EXIT_ERROR`] when
/// the run could not produce results (usage or infrastructure error).
pub fn exit_code<E>(run: &Result<SuiteResult, E>) -> i32 {
    match run {
        Ok(result) => result.exit_code(),
        Err(_) => EXIT_ERROR,
    }
}

/// A Kubernetes timestamp as a `SystemTime`.
pub fn k8s_time(time: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> SystemTime {
    timestamp_to_system_time(&time.0)
}

fn micro_time(time: &k8s_openapi::jiff::Timestamp) -> SystemTime {
    timestamp_to_system_time(time)
}

fn timestamp_to_system_time(time: &k8s_openapi::jiff::Timestamp) -> SystemTime {
    let nanos = time.as_nanosecond();
    let magnitude = Duration::new(
        u64::try_from((nanos / 1_000_000_000).unsigned_abs()).unwrap_or(u64::MAX),
        u32::try_from((nanos % 1_000_000_000).unsigned_abs()).unwrap_or(0),
    );
    if nanos >= 0 {
        SystemTime::UNIX_EPOCH + magnitude
    } else {
        SystemTime::UNIX_EPOCH - magnitude
    }
}

/// RFC 3339 in UTC, to the millisecond: `2026-05-01T12:00:01.250Z`.
pub fn format_time(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Durations as seconds (f64).
mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(duration.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let seconds = f64::deserialize(deserializer)?;
        Duration::try_from_secs_f64(seconds).map_err(serde::de::Error::custom)
    }
}

/// Optional times as RFC 3339 strings.
mod rfc3339 {
    use std::time::SystemTime;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        time: &Option<SystemTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match time {
            Some(t) => serializer.serialize_str(&super::format_time(*t)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<SystemTime>, D::Error> {
        let Some(text) = Option::<String>::deserialize(deserializer)? else {
            return Ok(None);
        };
        let parsed =
            chrono::DateTime::parse_from_rfc3339(&text).map_err(serde::de::Error::custom)?;
        Ok(Some(SystemTime::from(parsed.with_timezone(&chrono::Utc))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn result(outcomes: &[Outcome]) -> SuiteResult {
        SuiteResult {
            tests: outcomes
                .iter()
                .enumerate()
                .map(|(i, o)| TestResult {
                    name: format!("t{i}"),
                    classname: "suite".into(),
                    namespace: String::new(),
                    outcome: o.clone(),
                    duration: Duration::ZERO,
                    steps: vec![],
                })
                .collect(),
            duration: Duration::ZERO,
            started: None,
        }
    }

    #[test]
    fn exit_codes() {
        let skipped = Outcome::Skipped {
            reason: "filtered".into(),
        };
        assert_eq!(
            result(&[Outcome::Passed, skipped.clone()]).exit_code(),
            EXIT_PASSED
        );
        assert_eq!(result(&[]).exit_code(), EXIT_PASSED);
        assert_eq!(
            result(&[Outcome::Passed, Outcome::Failed, skipped]).exit_code(),
            EXIT_FAILED
        );
        assert_eq!(exit_code::<()>(&Ok(result(&[Outcome::Failed]))), 1);
        assert_eq!(exit_code(&Err::<SuiteResult, _>("no cluster")), EXIT_ERROR);
        assert_eq!((EXIT_PASSED, EXIT_FAILED, EXIT_ERROR), (0, 1, 2));
    }

    #[test]
    fn counts() {
        let r = result(&[
            Outcome::Passed,
            Outcome::Failed,
            Outcome::Passed,
            Outcome::Skipped { reason: "x".into() },
        ]);
        assert_eq!(
            r.counts(),
            Counts {
                passed: 2,
                failed: 1,
                skipped: 1
            }
        );
    }

    #[test]
    fn pod_state_from_pod() {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "web-1"},
            "status": {
                "phase": "Pending",
                "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}],
                "initContainerStatuses": [{"name": "init", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
                    "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
                "containerStatuses": [{"name": "app", "image": "x", "imageID": "", "ready": false, "restartCount": 4,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}}}]
            }
        }))
        .unwrap();
        let state = PodState::from_pod(&pod);
        assert_eq!(state.name, "web-1");
        assert_eq!(state.phase, "Pending");
        assert_eq!(
            state.conditions[0].reason.as_deref(),
            Some("ContainersNotReady")
        );
        assert_eq!(state.containers.len(), 2);
        assert_eq!(
            state.containers[0].reason.as_deref(),
            Some("Completed (exit code 0)")
        );
        assert!(state.containers[0].init);
        assert_eq!(
            (
                state.containers[1].state.as_str(),
                state.containers[1].reason.as_deref(),
                state.containers[1].restarts
            ),
            ("waiting", Some("CrashLoopBackOff"), 4)
        );
    }

    #[test]
    fn event_line_from_event_and_sorting() {
        let event = |name: &str, last: Option<&str>, event_time: Option<&str>| -> Event {
            let mut value = json!({"metadata": {"name": name}, "involvedObject": {"kind": "Pod", "name": "web-1"},
                "reason": "BackOff", "message": "Back-off pulling image", "type": "Warning"});
            if let Some(t) = last {
                value["lastTimestamp"] = json!(t);
            }
            if let Some(t) = event_time {
                value["eventTime"] = json!(t);
            }
            serde_json::from_value(value).unwrap()
        };
        let a = EventLine::from_event(&event("a", Some("2026-01-01T00:00:05Z"), None));
        let b = EventLine::from_event(&event("b", None, Some("2026-01-01T00:00:01.500000Z")));
        let c = EventLine::from_event(&event("c", None, None));
        assert_eq!(a.object, "Pod/web-1");
        assert_eq!(a.type_, "Warning");
        assert_eq!(format_time(a.time.unwrap()), "2026-01-01T00:00:05.000Z");
        assert_eq!(format_time(b.time.unwrap()), "2026-01-01T00:00:01.500Z");
        assert_eq!(c.time, None);
        let mut diagnostics = Diagnostics {
            events: vec![c.clone(), a.clone(), b.clone()],
            ..Default::default()
        };
        diagnostics.sort_events();
        assert_eq!(diagnostics.events, vec![b, a, c]);
    }
}
