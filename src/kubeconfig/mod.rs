//! devk's entry in the user's kubeconfig, merged the way kubectl would:
//! written to the file kubectl would write a new context to ([`target`]),
//! under a lock that waits ([`lock`]), atomically and without disturbing
//! anything else in the file ([`document`], [`file`]).
//!
//! An entry is a cluster, a user and a context that share one name,
//! `devk-<cluster>`, with the CA and the admin client certificate embedded.
//! Edits go through `serde_json::Value` (order-preserving), so every other
//! entry and every unknown field keeps its meaning; YAML comments and
//! anchors do not survive (kubectl drops them too).

pub mod document;
mod error;
pub mod file;
pub mod lock;
pub mod target;

use std::fmt;

pub use document::{merge_entry, read_entry, remove_entry};
pub use error::KubeconfigError;
pub use file::{merge_into_file, read_entry_from_file, remove_from_file};
pub use target::{default_precedence, default_target, loading_precedence, resolve_target};

/// The name devk uses for a cluster's context, cluster and user.
pub fn entry_name(cluster: &str) -> String {
    format!("devk-{cluster}")
}

/// One cluster's kubeconfig entry.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    /// Used for the context, the cluster and the user: `devk-<cluster>`.
    pub name: String,
    /// `https://127.0.0.1:<port>`
    pub server: String,
    pub ca_pem: String,
    pub client_cert_pem: String,
    pub client_key_pem: String,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("name", &self.name)
            .field("server", &self.server)
            .field("ca_pem", &self.ca_pem)
            .field("client_cert_pem", &self.client_cert_pem)
            .field("client_key_pem", &"<redacted>")
            .finish()
    }
}

/// A standalone kubeconfig holding only `entry`, current (for
/// `devk kubeconfig`), formatted exactly as merged entries are.
pub fn render(entry: &Entry) -> Result<String, KubeconfigError> {
    let mut doc = serde_json::Value::Null;
    let as_render_error = |message: String| KubeconfigError::Render {
        path: std::path::PathBuf::from("(standalone kubeconfig)"),
        message,
    };
    document::merge_entry(&mut doc, entry, true)
        .map_err(|e| as_render_error(format!("{}: {}", e.field, e.expected)))?;
    document::to_yaml(&doc).map_err(as_render_error)
}

#[cfg(test)]
mod tests;
