use clap::{Args as ClapArgs, CommandFactory};
use clap_complete::Shell;

#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Examples:\n  devk completion bash > /etc/bash_completion.d/devk\n  \
                        devk completion zsh > \"${fpath[1]}/_devk\"\n  \
                        devk completion fish > ~/.config/fish/completions/devk.fish"
)]
pub struct Args {
    /// The shell: bash, zsh or fish.
    #[arg(value_parser = ["bash", "zsh", "fish"])]
    pub shell: String,
}

pub fn run(args: Args) -> crate::Result<u8> {
    let shell = match args.shell.as_str() {
        "bash" => Shell::Bash,
        "zsh" => Shell::Zsh,
        _ => Shell::Fish,
    };
    let mut cmd = super::Cli::command();
    clap_complete::generate(shell, &mut cmd, "devk", &mut std::io::stdout());
    Ok(0)
}
