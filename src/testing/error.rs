//! Errors from reading tests: files, YAML, suite files, step layout. Each
//! names the file (and where it helps the document, line, field) and
//! [`TestingError::hint`] says what to change.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum TestingError {
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}:{line}:{column}: invalid YAML: {message}", path.display())]
    Yaml {
        path: PathBuf,
        line: u64,
        column: u64,
        message: String,
    },

    /// A document that parsed but is not a usable object. `document` is
    /// 1-based among the file's non-empty documents; `line` is where it starts.
    #[error("{}: document {document} (line {line}){}: {problem}", path.display(), item.map(|i| format!(", item {i}")).unwrap_or_default())]
    Document {
        path: PathBuf,
        document: usize,
        line: u64,
        item: Option<usize>,
        problem: String,
    },

    #[error("{}: {message}", path.display())]
    SuiteFile {
        path: PathBuf,
        /// The offending field's path, when there is one (`timeout`, `setup[1]`).
        field: Option<String>,
        message: String,
        hint: Option<String>,
    },

    /// A kuttl feature devk does not implement (commands, scripts, ...).
    #[error("{}: {feature} is not supported by devk test", path.display())]
    Unsupported {
        path: PathBuf,
        feature: String,
        hint: String,
    },

    #[error("{}: {message}", path.display())]
    Layout { path: PathBuf, message: String },

    #[error("{}: no tests found: no YAML files here or in its subdirectories", path.display())]
    NoTests { path: PathBuf },

    #[error("invalid --filter pattern {pattern:?}: {message}")]
    Filter { pattern: String, message: String },

    #[error("cannot write the {format} report: {message}")]
    Report {
        format: &'static str,
        message: String,
    },

    #[error("invalid duration {value:?}: {message}")]
    Duration { value: String, message: String },
}

impl TestingError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            TestingError::Read { .. } => {
                Some("check that the path exists and is readable".to_string())
            }
            TestingError::Yaml { .. } => Some(
                "fix the YAML at that line; `---` on its own line separates documents".to_string(),
            ),
            TestingError::Document { .. } => Some(
                "every object needs apiVersion, kind and metadata.name (or metadata.generateName)"
                    .to_string(),
            ),
            TestingError::SuiteFile { hint, .. } => hint.clone(),
            TestingError::Unsupported { hint, .. } => Some(hint.clone()),
            TestingError::Layout { .. } => Some(
                "see docs/test-runner.md for how test directories and steps are laid out"
                    .to_string(),
            ),
            TestingError::NoTests { .. } => Some(
                "point devk test at a directory of manifests (*.yaml, *.yml) or of test directories"
                    .to_string(),
            ),
            TestingError::Filter { .. } => Some(
                "--filter takes a regular expression matched against test names, e.g. '^smoke-'"
                    .to_string(),
            ),
            TestingError::Report { .. } => None,
            TestingError::Duration { .. } => {
                Some("write a duration with a unit, like 90s, 2m or 1h30m".to_string())
            }
        }
    }
}
