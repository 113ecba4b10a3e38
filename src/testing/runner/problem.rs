//! What went wrong in a step, before it becomes the report's one
//! [`Failure`] per step: the first problem leads, the others follow it.

use crate::testing::matcher::Difference;
use crate::testing::report::{Diagnostics, Failure};

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub summary: String,
    pub expected: String,
    pub seen: String,
    pub differences: Vec<Difference>,
}

impl Problem {
    pub fn new(
        summary: impl Into<String>,
        expected: impl Into<String>,
        seen: impl Into<String>,
    ) -> Problem {
        Problem {
            summary: summary.into(),
            expected: expected.into(),
            seen: seen.into(),
            differences: Vec::new(),
        }
    }
}

/// The text report indents `seen:` continuation lines by this much.
const CONTINUATION: &str = "\n              ";

/// One failure from several problems: the first one's summary, expected and
/// seen, then one `also:` line per other problem; every difference.
pub fn into_failure(problems: Vec<Problem>, diagnostics: Diagnostics) -> Failure {
    let mut problems = problems.into_iter();
    let Some(first) = problems.next() else {
        return Failure {
            summary: "the step failed".to_string(),
            diagnostics,
            ..Default::default()
        };
    };
    let mut failure = Failure {
        summary: first.summary,
        expected: first.expected,
        seen: first.seen,
        differences: first.differences,
        diagnostics,
    };
    let mut others = 0;
    for problem in problems {
        others += 1;
        failure.seen.push_str(CONTINUATION);
        failure
            .seen
            .push_str(&format!("also: {}: {}", problem.summary, problem.seen));
        failure.differences.extend(problem.differences);
    }
    if others > 0 {
        failure.summary.push_str(&format!(
            " (and {others} more problem{})",
            if others == 1 { "" } else { "s" }
        ));
    }
    failure
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_problem_leads() {
        let failure = into_failure(
            vec![
                Problem::new("Deployment web did not roll out", "rolled out", "failed"),
                Problem::new("assert Pod x did not match", "Pod x", "no such Pod"),
            ],
            Diagnostics::default(),
        );
        assert_eq!(
            failure.summary,
            "Deployment web did not roll out (and 1 more problem)"
        );
        assert_eq!(failure.expected, "rolled out");
        assert_eq!(
            failure.seen,
            "failed\n              also: assert Pod x did not match: no such Pod"
        );
        let single = into_failure(vec![Problem::new("a", "b", "c")], Diagnostics::default());
        assert_eq!((single.summary.as_str(), single.seen.as_str()), ("a", "c"));
        assert_eq!(
            into_failure(vec![], Diagnostics::default()).summary,
            "the step failed"
        );
    }
}
