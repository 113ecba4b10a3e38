//! YAML to raw types with errors that name the source, the line and column
//! (from serde-saphyr) and the field path (from serde_path_to_error).

use serde::de::DeserializeOwned;
use serde_saphyr::{MessageFormatter, UserMessageFormatter};

use super::error::{ConfigError, sanitize};

/// Deserialize one YAML document of `text`; `source_name` is only for messages.
pub(crate) fn from_str<T: DeserializeOwned>(
    source_name: &str,
    text: &str,
) -> Result<T, ConfigError> {
    let mut field_path: Option<String> = None;
    // Snippets are off: devk renders its own one-line messages.
    let options = serde_saphyr::options! { with_snippet: false };
    let result = serde_saphyr::with_deserializer_from_str_with_options(text, options, |de| {
        serde_path_to_error::deserialize(de).map_err(|err| {
            field_path = Some(err.path().to_string());
            err.into_inner()
        })
    });
    result.map_err(|err| to_config_error(source_name, text, field_path, &err))
}

fn to_config_error(
    source_name: &str,
    text: &str,
    field_path: Option<String>,
    err: &serde_saphyr::Error,
) -> ConfigError {
    let err = err.without_snippet();
    // serde_path_to_error writes "." for the root and "?" for unknown
    // segments. A YAML syntax error is about the text, not a field: no path.
    // Paths hold map keys from the file: sanitized like messages.
    let path = field_path
        .filter(|path| path != "." && path != "?" && !is_yaml_syntax(err))
        .map(|path| sanitize(&path));
    let (line, mut column) = err
        .location()
        .map(|location| (location.line(), location.column()))
        .unwrap_or((0, 0));

    match err {
        serde_saphyr::Error::SerdeUnknownField {
            field, expected, ..
        } => {
            return ConfigError::UnknownField {
                source_name: source_name.to_string(),
                line,
                column,
                path: path.unwrap_or_else(|| sanitize(field)),
                field: sanitize(field),
                expected: expected.clone(),
            };
        }
        serde_saphyr::Error::SerdeInvalidType { .. }
        | serde_saphyr::Error::SerdeInvalidValue { .. }
        | serde_saphyr::Error::SerdeUnknownVariant { .. } => {
            // Errors raised by a visitor carry the location of the key they
            // belong to; point at the value instead when it is on that line.
            if let Some(key) = path.as_deref().and_then(leaf_key)
                && let Some(value_column) = value_column_after_key(text, line, column, key)
            {
                column = value_column;
            }
        }
        _ => {}
    }

    let message = match err {
        serde_saphyr::Error::SerdeMissingField { field, .. } => {
            format!("missing required field `{field}`")
        }
        serde_saphyr::Error::MultipleDocuments { .. } => {
            "the config has more than one YAML document; devk reads one Cluster per file"
                .to_string()
        }
        serde_saphyr::Error::Unexpected { .. } if path.is_none() => {
            "the cluster config must be a YAML mapping (apiVersion: ..., kind: Cluster, ...)"
                .to_string()
        }
        serde_saphyr::Error::Unexpected { expected, .. } => match *expected {
            "mapping start" => "expected a mapping (`field: value` lines)".to_string(),
            "sequence start" => "expected a list (one `- ` item per entry)".to_string(),
            "string scalar" => "expected a string".to_string(),
            other => format!("expected {other}"),
        },
        other => sanitize(&UserMessageFormatter.format_message(other)),
    };
    ConfigError::Syntax {
        source_name: source_name.to_string(),
        line,
        column,
        path,
        message,
    }
}

fn is_yaml_syntax(err: &serde_saphyr::Error) -> bool {
    matches!(
        err,
        serde_saphyr::Error::ExternalMessage { source, .. }
            if matches!(**source, serde_saphyr::ExternalMessageSource::Parser(_))
    )
}

/// The last segment of a field path when it is a map key (`a.b` -> `b`,
/// `a[0]` -> None).
fn leaf_key(path: &str) -> Option<&str> {
    if path.ends_with(']') {
        return None;
    }
    Some(path.rsplit('.').next().unwrap_or(path))
}

/// The 1-based column of the value in `key: value` when `line`/`column` point
/// at `key` and the value follows on the same line.
fn value_column_after_key(text: &str, line: u64, column: u64, key: &str) -> Option<u64> {
    let line_text = text
        .lines()
        .nth(usize::try_from(line.checked_sub(1)?).ok()?)?;
    let start = usize::try_from(column.checked_sub(1)?).ok()?;
    let chars: Vec<char> = line_text.chars().collect();
    let rest: String = chars.get(start..)?.iter().collect();
    let after_key = ["", "\"", "'"].iter().find_map(|quote| {
        let quoted = format!("{quote}{key}{quote}");
        rest.strip_prefix(&quoted)
    })?;
    let after_colon = after_key.trim_start().strip_prefix(':')?;
    let value = after_colon.trim_start();
    if value.is_empty() || value.starts_with('#') {
        return None;
    }
    let offset = rest.chars().count() - value.chars().count();
    Some(column + u64::try_from(offset).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_column_found_after_plain_and_quoted_keys() {
        let text = "a:\n  containerPort: abc\n  \"hostPort\" :  x\n  image: # comment\n";
        assert_eq!(
            value_column_after_key(text, 2, 3, "containerPort"),
            Some(18)
        );
        assert_eq!(value_column_after_key(text, 3, 3, "hostPort"), Some(17));
        assert_eq!(value_column_after_key(text, 4, 3, "image"), None);
        assert_eq!(value_column_after_key(text, 2, 3, "other"), None);
        assert_eq!(value_column_after_key(text, 9, 3, "a"), None);
    }

    #[test]
    fn leaf_key_of_paths() {
        assert_eq!(
            leaf_key("nodes[0].extraPortMappings[1].hostPort"),
            Some("hostPort")
        );
        assert_eq!(leaf_key("name"), Some("name"));
        assert_eq!(leaf_key("nodes[0]"), None);
    }
}
