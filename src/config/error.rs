//! What can go wrong loading a cluster config, each error naming the file
//! (or `<stdin>`), the field path and what is allowed.

use std::fmt;
use std::io;
use std::path::PathBuf;

use serde::Serialize;

/// Where to read more about every field; the path is relative to the repository.
const DOCS: &str = "docs/config.md";

/// One thing wrong with a config that parsed: which field and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The field path as written in the file, e.g. `nodes[2].extraPortMappings[0].hostPort`.
    pub path: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the cluster config {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },

    /// Not YAML, or a value of the wrong type. `line`/`column` are 1-based;
    /// 0 when unknown. `path` is the field path when known.
    #[error("{}{}", location_prefix(source_name, *line, *column), path_prefixed(path.as_deref(), message))]
    Syntax {
        source_name: String,
        line: u64,
        column: u64,
        path: Option<String>,
        message: String,
    },

    /// A field that the format does not have (every struct is strict).
    /// `path` ends with the unknown field; `expected` are the names allowed there.
    #[error(
        "{}{path}: unknown field `{field}`; allowed {}: {}",
        location_prefix(source_name, *line, *column),
        allowed_where(path),
        expected.join(", ")
    )]
    UnknownField {
        source_name: String,
        line: u64,
        column: u64,
        path: String,
        field: String,
        expected: Vec<&'static str>,
    },

    /// `apiVersion`/`kind` missing or not one devk reads.
    #[error("{}", version_message(source_name, api_version, kind))]
    Version {
        source_name: String,
        api_version: String,
        kind: String,
    },

    /// A kind config uses fields devk cannot honour; each is named.
    #[error("{}", unsupported_message(source_name, problems))]
    Unsupported {
        source_name: String,
        problems: Vec<Problem>,
    },

    /// The config parsed but breaks rules; every problem found, at once.
    #[error("{}", invalid_message(source_name, problems))]
    Invalid {
        source_name: String,
        problems: Vec<Problem>,
    },
}

/// The apiVersion/kind pairs devk reads, for messages.
pub(crate) const SUPPORTED_VERSIONS: &str = "apiVersion: devk.dev/v1alpha1 with kind: Cluster, \
     or a kind config (apiVersion: kind.x-k8s.io/v1alpha4, kind: Cluster)";

impl ConfigError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            ConfigError::Read { source, .. } => match source.kind() {
                io::ErrorKind::NotFound => {
                    Some("check the path given to --config (it is relative to the current directory)".into())
                }
                io::ErrorKind::PermissionDenied => Some("check the file's permissions".into()),
                _ => None,
            },
            ConfigError::Syntax { path: None, line, .. } if *line > 0 => Some(format!(
                "check the YAML around line {line}: indentation, a missing `:` or an unclosed quote or bracket"
            )),
            ConfigError::Syntax { .. } => {
                Some(format!("see {DOCS} for every field, its type and its allowed values"))
            }
            ConfigError::UnknownField { field, expected, .. } => Some(
                match closest_name(field, expected) {
                    Some(name) => format!("did you mean `{name}`? Field names are camelCase; see {DOCS}"),
                    None => format!("field names are camelCase; see {DOCS} for every field"),
                },
            ),
            ConfigError::Version { api_version, .. } if api_version.starts_with("kind.x-k8s.io/") => Some(
                "devk reads kind's v1alpha4 format only; change apiVersion to kind.x-k8s.io/v1alpha4".into(),
            ),
            ConfigError::Version { .. } => Some(format!(
                "start the file with `apiVersion: devk.dev/v1alpha1` and `kind: Cluster`; see {DOCS}"
            )),
            ConfigError::Unsupported { .. } => Some(format!(
                "remove those fields, or write a devk config instead; see {DOCS} (section \"kind configs\")"
            )),
            ConfigError::Invalid { .. } => {
                Some(format!("see {DOCS} for every field and its allowed values"))
            }
        }
    }

    /// The problems of an `Invalid` or `Unsupported` error; empty for the others.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Invalid { problems, .. } | ConfigError::Unsupported { problems, .. } => {
                problems
            }
            _ => &[],
        }
    }
}

fn location_prefix(source_name: &str, line: u64, column: u64) -> String {
    match (line, column) {
        (0, _) => format!("{source_name}: "),
        (line, 0) => format!("{source_name}:{line}: "),
        (line, column) => format!("{source_name}:{line}:{column}: "),
    }
}

fn path_prefixed(path: Option<&str>, message: &str) -> String {
    match path {
        Some(path) => format!("{path}: {message}"),
        None => message.to_string(),
    }
}

/// "fields of nodes[0]" or "top-level fields", from the unknown field's path.
fn allowed_where(path: &str) -> String {
    match parent_path(path) {
        Some(parent) => format!("fields of {parent}"),
        None => "top-level fields".to_string(),
    }
}

/// `nodes[0].extraMount` -> `nodes[0]`; `foo` -> None.
fn parent_path(path: &str) -> Option<&str> {
    path.rfind('.').map(|dot| &path[..dot])
}

fn version_message(source_name: &str, api_version: &str, kind: &str) -> String {
    if api_version.is_empty() && kind.is_empty() {
        return format!(
            "{source_name}: not a cluster config: apiVersion and kind are missing; devk reads {SUPPORTED_VERSIONS}"
        );
    }
    let shown = |value: &str| {
        if value.is_empty() {
            "(missing)".to_string()
        } else {
            format!("{value:?}")
        }
    };
    format!(
        "{source_name}: apiVersion {} with kind {} is not supported; devk reads {SUPPORTED_VERSIONS}",
        shown(api_version),
        shown(kind)
    )
}

fn unsupported_message(source_name: &str, problems: &[Problem]) -> String {
    match problems {
        [one] => format!("{source_name}: {one}"),
        _ => {
            let mut text = format!(
                "{source_name}: {} kind config fields devk cannot honour",
                problems.len()
            );
            for problem in problems {
                text.push_str(&format!("\n  {problem}"));
            }
            text
        }
    }
}

fn invalid_message(source_name: &str, problems: &[Problem]) -> String {
    let mut text = format!(
        "{source_name}: {} problem(s) in the cluster config",
        problems.len()
    );
    for problem in problems {
        text.push_str(&format!("\n  {problem}"));
    }
    text
}

/// The allowed name closest to a misspelt one, when it is close enough to be
/// a likely typo (case-insensitive equal, or at most 2 edits away).
fn closest_name(field: &str, expected: &[&'static str]) -> Option<&'static str> {
    let lower = field.to_ascii_lowercase();
    expected
        .iter()
        .map(|name| (edit_distance(&lower, &name.to_ascii_lowercase()), *name))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// Control characters from the input must not reach a terminal raw.
pub(crate) fn sanitize(message: &str) -> String {
    message
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_debug().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_escapes_control_characters() {
        assert_eq!(sanitize("a\u{1b}[31mb\n"), "a\\u{1b}[31mb\\n");
    }

    #[test]
    fn invalid_lists_every_problem_under_a_count_line() {
        let err = ConfigError::Invalid {
            source_name: "dev.yaml".into(),
            problems: vec![
                Problem::new("name", "too long"),
                Problem::new("nodes[1].role", "bad"),
            ],
        };
        assert_eq!(
            err.to_string(),
            "dev.yaml: 2 problem(s) in the cluster config\n  name: too long\n  nodes[1].role: bad"
        );
        assert!(err.hint().unwrap().contains("docs/config.md"));
        assert_eq!(err.problems().len(), 2);
    }

    #[test]
    fn syntax_shows_location_and_path_when_known() {
        let cases = [
            (
                7,
                21,
                Some("nodes[0].image"),
                "dev.yaml:7:21: nodes[0].image: bad",
            ),
            (7, 0, None, "dev.yaml:7: bad"),
            (0, 0, None, "dev.yaml: bad"),
        ];
        for (line, column, path, expected) in cases {
            let err = ConfigError::Syntax {
                source_name: "dev.yaml".into(),
                line,
                column,
                path: path.map(String::from),
                message: "bad".into(),
            };
            assert_eq!(err.to_string(), expected);
        }
    }

    #[test]
    fn unknown_field_names_the_parent_and_suggests_a_close_name() {
        let err = ConfigError::UnknownField {
            source_name: "<stdin>".into(),
            line: 3,
            column: 3,
            path: "nodes[0].extraMount".into(),
            field: "extraMount".into(),
            expected: vec!["role", "extraMounts"],
        };
        assert_eq!(
            err.to_string(),
            "<stdin>:3:3: nodes[0].extraMount: unknown field `extraMount`; allowed fields of nodes[0]: role, extraMounts"
        );
        assert!(err.hint().unwrap().contains("did you mean `extraMounts`?"));
    }

    #[test]
    fn closest_name_ignores_far_names_and_case() {
        let expected = ["podSubnet", "serviceSubnet", "disableDefaultCNI"];
        assert_eq!(closest_name("podsubnet", &expected), Some("podSubnet"));
        assert_eq!(
            closest_name("disableDefaultCni", &expected),
            Some("disableDefaultCNI")
        );
        assert_eq!(
            closest_name("servceSubnet", &expected),
            Some("serviceSubnet")
        );
        assert_eq!(closest_name("mtu", &expected), None);
    }

    #[test]
    fn version_message_distinguishes_missing_from_wrong() {
        let missing = ConfigError::Version {
            source_name: "a.yaml".into(),
            api_version: String::new(),
            kind: String::new(),
        };
        assert!(
            missing
                .to_string()
                .contains("apiVersion and kind are missing")
        );
        let wrong = ConfigError::Version {
            source_name: "a.yaml".into(),
            api_version: "kind.x-k8s.io/v1alpha3".into(),
            kind: "Cluster".into(),
        };
        let text = wrong.to_string();
        assert!(text.contains("\"kind.x-k8s.io/v1alpha3\""), "{text}");
        assert!(text.contains("devk.dev/v1alpha1"), "{text}");
        assert!(wrong.hint().unwrap().contains("v1alpha4"));
    }

    #[test]
    fn unsupported_single_problem_is_one_line() {
        let err = ConfigError::Unsupported {
            source_name: "dev.yaml".into(),
            problems: vec![Problem::new(
                "kubeadmConfigPatches",
                "devk does not use kubeadm",
            )],
        };
        assert_eq!(
            err.to_string(),
            "dev.yaml: kubeadmConfigPatches: devk does not use kubeadm"
        );
    }
}
