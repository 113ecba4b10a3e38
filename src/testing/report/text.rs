//! The plain-text report for a terminal or a CI log: one line per test, a
//! block per failure (step, expected vs seen, differences, events in time
//! order, pod states, log tails), and last the summary line
//! `N passed, N failed[, N skipped]` — the last line `devk test` prints.

use std::fmt::Write;
use std::time::Duration;

use super::model::{
    Counts, Diagnostics, Failure, Outcome, StepResult, SuiteResult, TestResult, format_time,
};
use crate::testing::matcher::render_differences;

/// The whole report, ending with the summary line and a newline.
pub fn render_text(result: &SuiteResult) -> String {
    let mut out = String::new();
    for test in &result.tests {
        out.push_str(&test_line(test));
        out.push('\n');
    }
    for test in result.tests.iter().filter(|t| t.outcome == Outcome::Failed) {
        out.push('\n');
        out.push_str(&render_failure(test));
    }
    out.push('\n');
    out.push_str(&summary_line(result.counts()));
    out.push('\n');
    out
}

/// `PASS  web  devk-web-ab1cd  12.3s`, `SKIP  slow  (filtered out ...)`.
pub fn test_line(test: &TestResult) -> String {
    match &test.outcome {
        Outcome::Passed => format!(
            "PASS  {}  {}  {}",
            test.name,
            test.namespace,
            seconds(test.duration)
        ),
        Outcome::Failed => format!(
            "FAIL  {}  {}  {}",
            test.name,
            test.namespace,
            seconds(test.duration)
        ),
        Outcome::Skipped { reason } => format!("SKIP  {}  ({reason})", test.name),
    }
}

/// `N passed, N failed`, with `, N skipped` only when some were.
pub fn summary_line(counts: Counts) -> String {
    let mut line = format!("{} passed, {} failed", counts.passed, counts.failed);
    if counts.skipped > 0 {
        line.push_str(&format!(", {} skipped", counts.skipped));
    }
    line
}

/// The failure block of one failed test: its steps, then each failed step's
/// details.
pub fn render_failure(test: &TestResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "--- FAIL: {} (namespace {}, {})",
        test.name,
        test.namespace,
        seconds(test.duration)
    );
    for step in &test.steps {
        let _ = writeln!(out, "  step {}: {}", step.name, step_outcome(step));
    }
    for step in &test.steps {
        if let Some(failure) = &step.failure {
            out.push_str(&render_step_failure(step, failure));
        }
    }
    out
}

/// One failed step: summary, expected/seen, differences and diagnostics.
pub fn render_step_failure(step: &StepResult, failure: &Failure) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  step {} failed: {}", step.name, failure.summary);
    if !failure.expected.is_empty() {
        let _ = writeln!(out, "    expected: {}", failure.expected);
    }
    if !failure.seen.is_empty() {
        let _ = writeln!(out, "    seen:     {}", failure.seen);
    }
    if !failure.differences.is_empty() {
        out.push_str("    differences:\n");
        for line in render_differences(&failure.differences).lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    out.push_str(&render_diagnostics(&failure.diagnostics));
    out
}

fn render_diagnostics(diagnostics: &Diagnostics) -> String {
    let mut out = String::new();
    if !diagnostics.events.is_empty() {
        let mut sorted = diagnostics.clone();
        sorted.sort_events();
        out.push_str("    events:\n");
        for e in &sorted.events {
            let time = e.time.map_or_else(|| "-".to_string(), format_time);
            let _ = writeln!(
                out,
                "      {time}  {:<7}  {}  {}  {}",
                e.type_, e.reason, e.object, e.message
            );
        }
    }
    if !diagnostics.pods.is_empty() {
        out.push_str("    pods:\n");
        for pod in &diagnostics.pods {
            let conditions: Vec<String> = pod
                .conditions
                .iter()
                .map(|c| match &c.reason {
                    Some(r) => format!("{}={} ({r})", c.type_, c.status),
                    None => format!("{}={}", c.type_, c.status),
                })
                .collect();
            let _ = writeln!(
                out,
                "      {}  {}  {}",
                pod.name,
                pod.phase,
                conditions.join(" ")
            );
            for c in &pod.containers {
                let kind = if c.init {
                    "init container"
                } else {
                    "container"
                };
                let mut line = format!("        {kind} {}: {}", c.name, c.state);
                if let Some(reason) = &c.reason {
                    let _ = write!(line, " ({reason})");
                }
                if let Some(message) = &c.message {
                    let _ = write!(line, ": {message}");
                }
                let _ = write!(line, ", restarts {}", c.restarts);
                let _ = writeln!(out, "{line}");
            }
        }
    }
    for log in &diagnostics.logs {
        let previous = if log.previous {
            ", previous instance"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "    logs of {}/{}{previous} (last {} lines):",
            log.pod,
            log.container,
            log.lines.len()
        );
        for line in &log.lines {
            let _ = writeln!(out, "      | {line}");
        }
    }
    out
}

fn step_outcome(step: &StepResult) -> String {
    match &step.outcome {
        Outcome::Passed => format!("passed ({})", seconds(step.duration)),
        Outcome::Failed => format!("FAILED ({})", seconds(step.duration)),
        Outcome::Skipped { reason } => format!("not run ({reason})"),
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::report::fixtures::sample;

    #[test]
    fn summary_line_format() {
        assert_eq!(
            summary_line(Counts {
                passed: 3,
                failed: 0,
                skipped: 0
            }),
            "3 passed, 0 failed"
        );
        assert_eq!(
            summary_line(Counts {
                passed: 1,
                failed: 2,
                skipped: 4
            }),
            "1 passed, 2 failed, 4 skipped"
        );
    }

    #[test]
    fn report_ends_with_the_summary_line() {
        let text = render_text(&sample());
        assert_eq!(text.lines().last(), Some("1 passed, 1 failed, 1 skipped"));
        assert!(text.ends_with('\n'));
        let lines: Vec<&str> = text.lines().take(3).collect();
        assert_eq!(
            lines,
            [
                "PASS  ok  devk-ok-aaaaa  1.5s",
                "FAIL  web  devk-web-bbbbb  12.0s",
                "SKIP  slow  (filtered out by --filter '^w')"
            ]
        );
    }

    #[test]
    fn failure_block_has_every_section_in_order() {
        let text = render_text(&sample());
        let sections = [
            "--- FAIL: web (namespace devk-web-bbbbb, 12.0s)",
            "  step 00-install: FAILED (12.0s)",
            "  step 01-upgrade: not run (an earlier step failed)",
            "  step 00-install failed: Deployment web did not roll out",
            "    expected: rolled out",
            "    seen:     failed (ImagePullBackOff)",
            "    differences:\n      status.readyReplicas: expected 3, seen 1",
            "    events:",
            "Normal   Scheduled  Pod/web-1",
            "Warning  Failed  Pod/web-1  Failed to pull image",
            "    pods:\n      web-1  Pending  Ready=False (ContainersNotReady)",
            "        container app: waiting (ImagePullBackOff): Back-off pulling image, restarts 0",
            "    logs of web-1/app, previous instance (last 2 lines):\n      | starting\n      | panic: boom",
        ];
        let mut from = 0;
        for section in sections {
            let at = text[from..]
                .find(section)
                .unwrap_or_else(|| panic!("missing or out of order: {section:?}\n{text}"));
            from += at + section.len();
        }
        // Events are in time order even though they were given newest first.
        assert!(text.contains("2026-01-01T00:00:02.000Z  Normal "), "{text}");
        // A passing test has no failure block.
        assert!(!text.contains("--- FAIL: ok"));
    }

    #[test]
    fn all_passed_report_has_no_skipped_count() {
        let mut result = sample();
        result.tests.retain(|t| t.outcome == Outcome::Passed);
        assert_eq!(
            render_text(&result),
            "PASS  ok  devk-ok-aaaaa  1.5s\n\n1 passed, 0 failed\n"
        );
    }
}
