use std::time::{Duration, Instant};

use super::{Mode, Ui, format_duration};

/// One named step of a longer operation. Dropped without `done`, it is
/// shown as failed (the error that follows says why).
pub struct Step {
    ui: Ui,
    message: String,
    started: Instant,
    spinner: Option<indicatif::ProgressBar>,
    finished: bool,
}

impl Step {
    pub(super) fn start(ui: Ui, message: String) -> Step {
        let spinner = (ui.mode == Mode::Interactive).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template(" {spinner} {msg} {elapsed:.dim}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar.set_message(message.clone());
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        if ui.verbose && ui.mode == Mode::Plain {
            eprintln!(" • {message} ...");
        }
        Step {
            ui,
            message,
            started: Instant::now(),
            spinner,
            finished: false,
        }
    }

    /// Change the text shown while the step runs (e.g. what it waits for).
    pub fn set_message(&mut self, message: impl Into<String>) {
        self.message = message.into();
        if let Some(s) = &self.spinner {
            s.set_message(self.message.clone());
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Mark the step done; returns how long it took.
    pub fn done(mut self) -> Duration {
        self.finish(true);
        self.started.elapsed()
    }

    /// Mark the step done with a note, e.g. "(skipped)".
    pub fn done_with(mut self, note: &str) -> Duration {
        self.message = format!("{} {note}", self.message);
        self.finish(true);
        self.started.elapsed()
    }

    fn finish(&mut self, ok: bool) {
        if self.finished {
            return;
        }
        self.finished = true;
        let elapsed = format_duration(self.started.elapsed());
        let mark = if ok {
            self.ui.paint("✓", "32")
        } else {
            self.ui.paint("✗", "31")
        };
        let line = format!(" {mark} {} {}", self.message, self.ui.paint(&elapsed, "2"));
        match (&self.spinner, self.ui.mode) {
            (Some(s), _) => s.finish_and_clear(),
            (None, Mode::Quiet) => return,
            (None, _) => {}
        }
        eprintln!("{line}");
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        self.finish(false);
    }
}
