//! `--junit FILE`: standard JUnit XML (quick-junit) — `testsuites` >
//! one `testsuite` named `devk` > one `testcase` per test (classname: the
//! directory holding it), with the steps in `system-out`, a `failure`
//! whose message is the failure summary and whose body is the full text
//! report of the test, and `skipped` for skipped tests.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::model::{Outcome, SuiteResult, TestResult};
use super::text::render_failure;
use crate::testing::error::TestingError;

/// The name of the report and of its one test suite.
pub const JUNIT_SUITE_NAME: &str = "devk";

pub fn junit_report(result: &SuiteResult) -> Report {
    let mut suite = TestSuite::new(JUNIT_SUITE_NAME);
    suite.set_time(result.duration);
    let mut report = Report::new(JUNIT_SUITE_NAME);
    report.set_time(result.duration);
    // The timestamp goes on the testsuite only: most JUnit schemas do not
    // declare one on testsuites.
    if let Some(started) = result.started {
        suite.set_timestamp(chrono::DateTime::<chrono::Utc>::from(started));
    }
    for test in &result.tests {
        suite.add_test_case(test_case(test));
    }
    report.add_test_suite(suite);
    report
}

pub fn render_junit(result: &SuiteResult) -> Result<String, TestingError> {
    junit_report(result)
        .to_string()
        .map_err(|e| TestingError::Report {
            format: "JUnit",
            message: e.to_string(),
        })
}

fn test_case(test: &TestResult) -> TestCase {
    let status = match &test.outcome {
        Outcome::Passed => TestCaseStatus::success(),
        Outcome::Failed => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let failed_step = test
                .steps
                .iter()
                .find_map(|s| s.failure.as_ref().map(|f| (s, f)));
            let message = match failed_step {
                Some((step, failure)) => format!("step {}: {}", step.name, failure.summary),
                None => "the test failed".to_string(),
            };
            status.set_message(message);
            status.set_type("rollout or assert failure");
            status.set_description(render_failure(test));
            status
        }
        Outcome::Skipped { reason } => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(reason.clone());
            status
        }
    };
    let mut case = TestCase::new(test.name.clone(), status);
    case.set_classname(test.classname.clone());
    case.set_time(test.duration);
    if !test.steps.is_empty() || !test.namespace.is_empty() {
        let mut out = String::new();
        if !test.namespace.is_empty() {
            out.push_str(&format!("namespace {}\n", test.namespace));
        }
        for step in &test.steps {
            let outcome = match &step.outcome {
                Outcome::Passed => "passed".to_string(),
                Outcome::Failed => "failed".to_string(),
                Outcome::Skipped { reason } => format!("not run: {reason}"),
            };
            out.push_str(&format!(
                "step {}: {outcome} ({:.1}s)\n",
                step.name,
                step.duration.as_secs_f64()
            ));
        }
        case.set_system_out(out);
    }
    case
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::report::fixtures::sample;

    #[test]
    fn parses_back_with_the_right_counts() {
        let xml = render_junit(&sample()).unwrap();
        let report = Report::deserialize_from_str(&xml).expect("well-formed JUnit");
        assert_eq!(
            (report.tests, report.failures, report.skipped, report.errors),
            (3, 1, 1, 0)
        );
        assert_eq!(report.test_suites.len(), 1);
        let suite = &report.test_suites[0];
        assert_eq!(suite.name.as_str(), "devk");
        assert_eq!(
            (suite.tests, suite.failures, suite.skipped, suite.errors),
            (3, 1, 1, 0)
        );
        assert!(suite.timestamp.is_some() && suite.time.is_some());
        assert!(report.timestamp.is_none());
        let cases: Vec<(&str, Option<&str>)> = suite
            .test_cases
            .iter()
            .map(|c| (c.name.as_str(), c.classname.as_ref().map(|n| n.as_str())))
            .collect();
        assert_eq!(
            cases,
            [
                ("ok", Some("suite")),
                ("web", Some("suite")),
                ("slow", Some("suite"))
            ]
        );
        match &suite.test_cases[1].status {
            TestCaseStatus::NonSuccess {
                kind,
                message,
                description,
                ..
            } => {
                assert_eq!(*kind, NonSuccessKind::Failure);
                assert_eq!(
                    message.as_ref().unwrap().as_str(),
                    "step 00-install: Deployment web did not roll out"
                );
                let body = description.as_ref().unwrap().as_str();
                assert!(
                    body.contains("--- FAIL: web") && body.contains("panic: boom"),
                    "{body}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            suite.test_cases[2].status,
            TestCaseStatus::Skipped { .. }
        ));
        let out = suite.test_cases[1].system_out.as_ref().unwrap().as_str();
        assert!(
            out.contains("step 00-install: failed (12.0s)")
                && out.contains("step 01-upgrade: not run"),
            "{out}"
        );
    }

    #[test]
    fn xml_has_the_standard_elements_and_attributes() {
        let xml = render_junit(&sample()).unwrap();
        for needle in [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<testsuites name=\"devk\" tests=\"3\" skipped=\"1\" failures=\"1\" errors=\"0\"",
            "<testsuite name=\"devk\" tests=\"3\" skipped=\"1\" errors=\"0\" failures=\"1\" timestamp=\"2026-01-01T00:00:00",
            "<testcase name=\"web\" classname=\"suite\" time=\"12",
            "<failure message=\"step 00-install: Deployment web did not roll out\" type=\"rollout or assert failure\">",
            "<skipped message=\"filtered out by --filter &apos;^w&apos;\"/>",
            "<system-out>",
        ] {
            assert!(xml.contains(needle), "missing {needle:?} in\n{xml}");
        }
    }

    #[test]
    fn empty_run_is_valid() {
        let result = SuiteResult {
            tests: vec![],
            duration: std::time::Duration::ZERO,
            started: None,
        };
        let report = Report::deserialize_from_str(&render_junit(&result).unwrap()).unwrap();
        assert_eq!(report.tests, 0);
    }
}
