//! The devk binary: parse, run, render the error, exit.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = devk::cli::Cli::parse();
    init_tracing(cli.verbose);
    devk::tls::ensure_crypto_provider();

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    match runtime.block_on(devk::cli::run(cli)) {
        Ok(code) => std::process::ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err}");
            if let Some(hint) = err.hint() {
                eprintln!("hint: {hint}");
            }
            std::process::ExitCode::from(err.exit_code())
        }
    }
}

/// Library logs go to stderr: warnings by default, debug with -v, or
/// whatever RUST_LOG says.
fn init_tracing(verbose: bool) {
    let default = if verbose { "devk=debug" } else { "devk=warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
