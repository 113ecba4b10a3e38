//! Arguments shared by several commands.

use clap::Args;

use crate::config::DEFAULT_CLUSTER_NAME;

/// `--name`, defaulting to `DEVK_CLUSTER_NAME`, then `devk`.
#[derive(Debug, Args, Clone)]
pub struct NameArg {
    /// The cluster's name [env: DEVK_CLUSTER_NAME, default: devk]
    #[arg(short = 'n', long, env = "DEVK_CLUSTER_NAME", hide_env = true)]
    pub name: Option<String>,
}

impl NameArg {
    pub fn resolve(&self) -> crate::Result<String> {
        let name = self
            .name
            .clone()
            .unwrap_or_else(|| DEFAULT_CLUSTER_NAME.to_string());
        crate::config::validate_name(&name)
            .map_err(|m| crate::Error::usage(format!("--name {name:?}: {m}"), None))?;
        Ok(name)
    }
}

/// `-o/--output text|json`.
#[derive(Debug, Args, Clone)]
pub struct OutputArg {
    /// Output format: text or json.
    #[arg(short, long, default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
}

impl OutputArg {
    pub fn json(&self) -> bool {
        self.output == "json"
    }
}

/// Print a serializable value as pretty JSON on stdout.
pub fn print_json(value: &impl serde::Serialize) -> crate::Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| crate::Error::usage(format!("cannot render JSON: {e}"), None))?;
    println!("{text}");
    Ok(())
}

/// Parse `5m`, `90s`, `0`.
pub fn parse_wait(text: &str) -> Result<std::time::Duration, String> {
    if text.trim() == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    humantime::parse_duration(text)
        .map_err(|e| format!("{text:?} is not a duration like 5m or 90s: {e}"))
}
