use clap::Args as ClapArgs;

use crate::nodeimage::DEFAULT_KUBERNETES_VERSION;

#[derive(Debug, ClapArgs)]
#[command(after_help = "Examples:\n  devk version\n  devk version -o json")]
pub struct Args {
    /// Output format: text or json.
    #[arg(short, long, default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
}

pub fn run(args: Args) -> crate::Result<u8> {
    let version = env!("CARGO_PKG_VERSION");
    if args.output == "json" {
        let doc = serde_json::json!({
            "devk": version,
            "defaultKubernetesVersion": DEFAULT_KUBERNETES_VERSION,
        });
        println!("{doc}");
    } else {
        println!("devk {version} (default Kubernetes {DEFAULT_KUBERNETES_VERSION})");
    }
    Ok(0)
}
