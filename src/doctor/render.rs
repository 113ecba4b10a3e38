//! The text form of a doctor run: one line per check with a ✓ / ! / ✗ mark,
//! the fix indented under it, and a summary line. Colour only through
//! [`Ui`], so NO_COLOR and pipes get plain text.

use super::{Finding, Status};
use crate::ui::Ui;

fn mark(ui: &Ui, status: Status) -> String {
    match status {
        Status::Ok => ui.paint("✓", "32"),
        Status::Warn => ui.paint("!", "33"),
        Status::Fail => ui.paint("✗", "31"),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn render_text(findings: &[Finding], ui: &Ui) -> String {
    let width = findings.iter().map(|f| f.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!(
            " {} {:<width$}  {}\n",
            mark(ui, f.status),
            f.name,
            f.message
        ));
        if let Some(fix) = &f.fix {
            let indent = " ".repeat(width + 5);
            for (i, line) in fix.lines().enumerate() {
                let label = if i == 0 { "fix: " } else { "     " };
                out.push_str(&format!("{indent}{}{line}\n", ui.paint(label, "1")));
            }
        }
    }
    let count = |s: Status| findings.iter().filter(|f| f.status == s).count();
    out.push_str(&format!(
        "\n{}: {} ok, {}, {}\n",
        plural(findings.len(), "check", "checks"),
        count(Status::Ok),
        plural(count(Status::Warn), "warning", "warnings"),
        plural(count(Status::Fail), "failure", "failures"),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::Mode;

    fn findings() -> Vec<Finding> {
        vec![
            Finding::ok("engine", "Docker 28.0.0"),
            Finding::warn("inotify", "too low", "sudo sysctl x=1"),
            Finding::fail("kubeconfig", "not writable", "chown it"),
        ]
    }

    #[test]
    fn plain_text_lines_up_marks_names_and_fixes() {
        let text = render_text(&findings(), &Ui::new(Mode::Plain, false, false));
        let want = " ✓ engine      Docker 28.0.0\n \
                    ! inotify     too low\n               fix: sudo sysctl x=1\n \
                    ✗ kubeconfig  not writable\n               fix: chown it\n\
                    \n3 checks: 1 ok, 1 warning, 1 failure\n";
        assert_eq!(text, want);
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn colour_only_when_the_ui_allows_it() {
        let text = render_text(&findings(), &Ui::new(Mode::Plain, true, false));
        assert!(text.contains("\x1b[32m✓\x1b[0m"));
        assert!(text.contains("\x1b[31m✗\x1b[0m"));
    }

    #[test]
    fn multi_line_fixes_stay_indented() {
        let f = vec![Finding::warn("x", "m", "first\nsecond")];
        let text = render_text(&f, &Ui::new(Mode::Plain, false, false));
        assert!(
            text.contains("      fix: first\n           second\n"),
            "{text:?}"
        );
        assert!(text.contains("1 check: 0 ok, 1 warning, 0 failures"));
    }
}
