//! Progress output: spinners on a terminal, one plain line per step
//! elsewhere (CI logs), nothing with --quiet. NO_COLOR is honoured. All
//! progress goes to stderr, so stdout stays for data (`-o json`, kubeconfigs).

mod step;

pub use step::Step;

use std::io::IsTerminal;

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Spinners that redraw in place.
    Interactive,
    /// One line per finished step.
    Plain,
    /// Errors only.
    Quiet,
}

/// The progress reporter handed down to long operations.
#[derive(Clone, Debug)]
pub struct Ui {
    mode: Mode,
    color: bool,
    verbose: bool,
}

impl Ui {
    /// Decide from the environment: a terminal on stderr and no CI gives
    /// spinners; `NO_COLOR` (any value) turns colour off.
    pub fn detect(quiet: bool, verbose: bool) -> Ui {
        let stderr_tty = std::io::stderr().is_terminal();
        let ci = std::env::var_os("CI").is_some();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Ui::new(
            mode_for(quiet, stderr_tty, ci),
            stderr_tty && !no_color,
            verbose,
        )
    }

    pub fn new(mode: Mode, color: bool, verbose: bool) -> Ui {
        Ui {
            mode,
            color,
            verbose,
        }
    }

    /// Nothing shown: for library callers (tests, the benchmark harness).
    pub fn silent() -> Ui {
        Ui::new(Mode::Quiet, false, false)
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn verbose(&self) -> bool {
        self.verbose
    }

    /// Start a named step; finish it with [`Step::done`].
    pub fn step(&self, message: impl Into<String>) -> Step {
        Step::start(self.clone(), message.into())
    }

    /// A line of information (not in quiet mode).
    pub fn info(&self, message: impl AsRef<str>) {
        if self.mode != Mode::Quiet {
            eprintln!("{}", message.as_ref());
        }
    }

    /// A warning: shown unless quiet.
    pub fn warn(&self, message: impl AsRef<str>) {
        if self.mode != Mode::Quiet {
            eprintln!("{} {}", self.paint("warning:", "33"), message.as_ref());
        }
    }

    /// Detail shown only with --verbose.
    pub fn detail(&self, message: impl AsRef<str>) {
        if self.verbose && self.mode != Mode::Quiet {
            eprintln!("  {}", message.as_ref());
        }
    }

    pub(crate) fn paint(&self, text: &str, ansi: &str) -> String {
        if self.color {
            format!("\x1b[{ansi}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// A progress bar for a transfer of `total` bytes (None: unknown).
    pub fn transfer(&self, label: &str, total: Option<u64>) -> indicatif::ProgressBar {
        if self.mode != Mode::Interactive {
            return indicatif::ProgressBar::hidden();
        }
        let bar = match total {
            Some(t) => indicatif::ProgressBar::new(t),
            None => indicatif::ProgressBar::new_spinner(),
        };
        let style = indicatif::ProgressStyle::with_template(
            "  {msg:24} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(label.to_string());
        bar
    }
}

/// Spinners only for a person at a terminal; CI logs get plain lines.
pub fn mode_for(quiet: bool, stderr_tty: bool, ci: bool) -> Mode {
    if quiet {
        Mode::Quiet
    } else if stderr_tty && !ci {
        Mode::Interactive
    } else {
        Mode::Plain
    }
}

/// `1.234s` style durations for step lines.
pub fn format_duration(d: std::time::Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 10.0 {
        format!("{secs:.1}s")
    } else if secs < 120.0 {
        format!("{secs:.0}s")
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn mode_follows_terminal_ci_and_quiet() {
        assert_eq!(mode_for(false, true, false), Mode::Interactive);
        assert_eq!(mode_for(false, true, true), Mode::Plain);
        assert_eq!(mode_for(false, false, false), Mode::Plain);
        assert_eq!(mode_for(true, true, false), Mode::Quiet);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_millis(1234)), "1.2s");
        assert_eq!(format_duration(Duration::from_secs(42)), "42s");
        assert_eq!(format_duration(Duration::from_secs(185)), "3m05s");
    }

    #[test]
    fn no_color_means_plain_text() {
        let ui = Ui::new(Mode::Plain, false, false);
        assert_eq!(ui.paint("ok", "32"), "ok");
        let ui = Ui::new(Mode::Plain, true, false);
        assert_eq!(ui.paint("ok", "32"), "\x1b[32mok\x1b[0m");
    }
}
