//! `--output json`: the result model as JSON (camelCase field names, durations in
//! seconds as floats, times as RFC 3339 strings).

use super::model::SuiteResult;
use crate::testing::error::TestingError;

pub fn render_json(result: &SuiteResult) -> Result<String, TestingError> {
    serde_json::to_string_pretty(result).map_err(|e| TestingError::Report {
        format: "JSON",
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::report::fixtures::sample;
    use serde_json::{Value, json};

    #[test]
    fn round_trips() {
        let result = sample();
        let text = render_json(&result).unwrap();
        let back: SuiteResult = serde_json::from_str(&text).unwrap();
        assert_eq!(back, result);
    }

    #[test]
    fn field_names_are_stable() {
        let value: Value = serde_json::from_str(&render_json(&sample()).unwrap()).unwrap();
        assert_eq!(value["duration"], json!(14.0));
        assert_eq!(value["started"], json!("2026-01-01T00:00:00.000Z"));
        let ok = &value["tests"][0];
        assert_eq!(ok["outcome"], json!({"status": "passed"}));
        assert_eq!(ok["duration"], json!(1.5));
        assert_eq!(ok["classname"], json!("suite"));
        let skipped = &value["tests"][2];
        assert_eq!(
            skipped["outcome"],
            json!({"status": "skipped", "reason": "filtered out by --filter '^w'"})
        );
        let step = &value["tests"][1]["steps"][0];
        assert_eq!(step["name"], json!("00-install"));
        assert_eq!(step["outcome"]["status"], json!("failed"));
        let failure = &step["failure"];
        let keys: Vec<&str> = failure
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["summary", "expected", "seen", "differences", "diagnostics"]
        );
        assert_eq!(
            failure["differences"][0],
            json!({"path": "status.readyReplicas", "expected": 3, "seen": 1})
        );
        let diagnostics = &failure["diagnostics"];
        assert_eq!(diagnostics["events"][0]["type"], json!("Warning"));
        assert_eq!(
            diagnostics["events"][0]["time"],
            json!("2026-01-01T00:00:09.000Z")
        );
        assert_eq!(
            diagnostics["pods"][0]["containers"][0]["restarts"],
            json!(0)
        );
        assert_eq!(diagnostics["logs"][0]["previous"], json!(true));
    }
}
