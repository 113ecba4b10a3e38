use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args as ClapArgs;

use super::common::{NameArg, OutputArg, print_json};
use crate::doctor::{self, Options};
use crate::ui::{Mode, Ui};

#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Each check prints ok (✓), warn (!) or fail (✗) with the fix to apply. \
    Exit code 1 when a check fails; warnings do not fail.\n\n\
    Examples:\n  \
    devk doctor                       is this machine ready for devk create?\n  \
    devk doctor --config dev.yaml     and are the ports dev.yaml publishes free?\n  \
    devk doctor -o json               for scripts: [{name, status, message, fix}]\n\n\
    docs/troubleshooting.md explains every check."
)]
pub struct Args {
    #[command(flatten)]
    pub name: NameArg,
    /// A cluster config file: also check that the host ports it fixes are free.
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArg,
}

pub async fn run(args: Args, ui: &Ui) -> crate::Result<u8> {
    // Validate --name as create would; with --config it overrides the file's.
    let name = match (&args.name.name, &args.config) {
        (Some(_), _) | (None, None) => Some(args.name.resolve()?),
        (None, Some(_)) => None,
    };
    let step = (ui.mode() == Mode::Interactive).then(|| ui.step("Checking this machine"));
    let findings = doctor::diagnose(&Options {
        name,
        config: args.config,
    })
    .await;
    if let Some(step) = step {
        step.done();
    }
    if args.output.json() {
        print_json(&findings)?;
    } else {
        // The table goes to stdout: colour follows stdout, not stderr.
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = std::io::stdout().is_terminal() && !no_color;
        print!(
            "{}",
            doctor::render_text(&findings, &Ui::new(Mode::Plain, color, false))
        );
    }
    Ok(doctor::exit_code(&findings))
}
