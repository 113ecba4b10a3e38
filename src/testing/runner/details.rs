//! What the runner knows about a step beyond the report model: the rollouts
//! it saw complete (with the API's completion time and devk's notice and
//! report times, for the benchmark's report delay) and notes on a passed
//! step (which expected failure was seen). `--output json` adds them to each
//! step as `rollouts` (each with `observedCompleteAt`, `noticedAt`,
//! `reportedAt` — the step's — and `reportDelay`, seconds from
//! `observedCompleteAt` to `noticedAt`), `notes` and `reportedAt`.

use std::time::SystemTime;

use serde_json::Value;

use super::timing::RolloutTiming;
use crate::testing::error::TestingError;
use crate::testing::report::SuiteResult;
use crate::testing::report::model::format_time;

#[derive(Debug, Clone, PartialEq)]
pub struct StepDetails {
    /// The test's position in the run's results.
    pub test_index: usize,
    pub step_index: u64,
    pub rollouts: Vec<RolloutTiming>,
    pub notes: Vec<String>,
    /// When the step's outcome was decided.
    pub reported_at: SystemTime,
}

impl StepDetails {
    /// Seconds from the API's completion time to devk noticing it, for each
    /// rollout whose completion time is known (see [`RolloutTiming`]).
    pub fn report_delays(&self) -> Vec<f64> {
        self.rollouts
            .iter()
            .filter_map(RolloutTiming::report_delay)
            .collect()
    }
}

/// The JSON report: the result model, with each step's details added.
pub fn render_json(result: &SuiteResult, details: &[StepDetails]) -> Result<String, TestingError> {
    let error = |e: serde_json::Error| TestingError::Report {
        format: "JSON",
        message: e.to_string(),
    };
    let mut value = serde_json::to_value(result).map_err(error)?;
    for detail in details {
        let Some(steps) = value
            .pointer_mut(&format!("/tests/{}/steps", detail.test_index))
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        let Some(step) = steps
            .iter_mut()
            .find(|s| s.get("index").and_then(Value::as_u64) == Some(detail.step_index))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let reported_at = format_time(detail.reported_at);
        let mut rollouts = Vec::new();
        for rollout in &detail.rollouts {
            let mut entry = serde_json::to_value(rollout).map_err(error)?;
            if let Some(map) = entry.as_object_mut() {
                map.insert("reportedAt".into(), Value::String(reported_at.clone()));
                let delay = rollout.report_delay();
                map.insert(
                    "reportDelay".into(),
                    delay
                        .and_then(serde_json::Number::from_f64)
                        .map_or(Value::Null, Value::Number),
                );
            }
            rollouts.push(entry);
        }
        step.insert("rollouts".into(), Value::Array(rollouts));
        step.insert(
            "notes".into(),
            Value::Array(detail.notes.iter().cloned().map(Value::String).collect()),
        );
        step.insert("reportedAt".into(), Value::String(reported_at));
    }
    serde_json::to_string_pretty(&value).map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::report::{Outcome, StepResult, TestResult};
    use std::time::Duration;

    #[test]
    fn details_land_on_their_step() {
        let observed = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_610);
        let step = |index: u64| StepResult {
            index,
            name: format!("0{index}-x"),
            outcome: Outcome::Passed,
            duration: Duration::from_secs(1),
            failure: None,
        };
        let result = SuiteResult {
            tests: vec![TestResult {
                name: "t".into(),
                classname: "s".into(),
                namespace: "devk-t-aaaaa".into(),
                outcome: Outcome::Passed,
                duration: Duration::from_secs(2),
                steps: vec![step(1), step(2)],
            }],
            duration: Duration::from_secs(2),
            started: None,
        };
        let details = StepDetails {
            test_index: 0,
            step_index: 2,
            rollouts: vec![RolloutTiming {
                kind: "Deployment".into(),
                name: "web".into(),
                namespace: Some("devk-t-aaaaa".into()),
                observed_complete_at: Some(observed),
                noticed_at: observed + Duration::from_millis(200),
            }],
            notes: vec!["Deployment bad: failed as expected".into()],
            reported_at: observed + Duration::from_millis(250),
        };
        assert_eq!(details.report_delays(), vec![0.2]);
        let text = render_json(&result, &[details]).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        let steps = &value["tests"][0]["steps"];
        assert!(steps[0].get("rollouts").is_none());
        let rollout = &steps[1]["rollouts"][0];
        assert_eq!(rollout["observedCompleteAt"], "2026-01-01T00:00:10.000Z");
        assert_eq!(rollout["noticedAt"], "2026-01-01T00:00:10.200Z");
        assert_eq!(rollout["reportedAt"], "2026-01-01T00:00:10.250Z");
        assert_eq!(rollout["reportDelay"], 0.2);
        assert_eq!(steps[1]["notes"][0], "Deployment bad: failed as expected");
        // The model still reads it back.
        let back: SuiteResult = serde_json::from_str(&text).unwrap();
        assert_eq!(back, result);
    }
}
