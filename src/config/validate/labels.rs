//! Node labels: Kubernetes label syntax, and the reserved namespaces.

use std::collections::BTreeMap;

use super::super::error::{Problem, sanitize};

const MAX_NAME_LEN: usize = 63;
const MAX_PREFIX_LEN: usize = 253;

/// Prefixes in the reserved namespaces that node labels may still use.
const ALLOWED_RESERVED_PREFIXES: [&str; 2] = ["node-role.kubernetes.io", "node.kubernetes.io"];

pub(super) fn check(labels: &BTreeMap<String, String>, at: &str, problems: &mut Vec<Problem>) {
    for (key, value) in labels {
        let path = format!("{at}.{}", sanitize(key));
        if let Err(message) = validate_label_key(key) {
            problems.push(Problem::new(&path, message));
        } else if let Err(message) = validate_label_value(value) {
            problems.push(Problem::new(&path, message));
        }
    }
}

/// A label key: `[prefix/]name`, the prefix a DNS subdomain, the name at
/// most 63 characters; keys in the `kubernetes.io` and `k8s.io` namespaces
/// are reserved except `node-role.kubernetes.io/` and `node.kubernetes.io/`.
pub fn validate_label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        if prefix.is_empty() || prefix.len() > MAX_PREFIX_LEN || !is_dns_subdomain(prefix) {
            return Err(format!(
                "label key prefix {prefix:?} must be a DNS subdomain (lowercase letters, digits, '-' and '.', \
                 at most {MAX_PREFIX_LEN} characters), such as example.com"
            ));
        }
        if is_reserved(prefix) && !ALLOWED_RESERVED_PREFIXES.contains(&prefix) {
            return Err(format!(
                "the {prefix}/ prefix is reserved for Kubernetes itself; node labels may use \
                 node-role.kubernetes.io/ and node.kubernetes.io/ there, otherwise use your own prefix such as example.com/"
            ));
        }
    }
    if name.contains('/') {
        return Err("a label key has at most one '/': prefix/name".to_string());
    }
    if name.is_empty() {
        return Err("the label name (after the prefix) must not be empty".to_string());
    }
    if name.len() > MAX_NAME_LEN || !is_label_token(name) {
        return Err(format!(
            "label name {name:?} must be at most {MAX_NAME_LEN} characters of letters, digits, '-', '_' and '.', \
             starting and ending with a letter or digit"
        ));
    }
    Ok(())
}

/// A label value: empty, or at most 63 characters of letters, digits, `-`,
/// `_` and `.`, starting and ending with a letter or digit.
pub fn validate_label_value(value: &str) -> Result<(), String> {
    if value.is_empty() || (value.len() <= MAX_NAME_LEN && is_label_token(value)) {
        return Ok(());
    }
    Err(format!(
        "label value {value:?} must be empty or at most {MAX_NAME_LEN} characters of letters, digits, '-', '_' \
         and '.', starting and ending with a letter or digit"
    ))
}

fn is_reserved(prefix: &str) -> bool {
    ["kubernetes.io", "k8s.io"]
        .iter()
        .any(|domain| prefix == *domain || prefix.ends_with(&format!(".{domain}")))
}

fn is_label_token(text: &str) -> bool {
    let bytes = text.as_bytes();
    let edge_ok = |b: &u8| b.is_ascii_alphanumeric();
    bytes.first().is_some_and(edge_ok)
        && bytes.last().is_some_and(edge_ok)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn is_dns_subdomain(text: &str) -> bool {
    text.split('.').all(|label| {
        let bytes = label.as_bytes();
        let edge_ok = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        !bytes.is_empty()
            && bytes.len() <= 63
            && bytes.first().is_some_and(edge_ok)
            && bytes.last().is_some_and(edge_ok)
            && bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_keys_table() {
        let long_name = "a".repeat(64);
        let cases: &[(&str, Option<&str>)] = &[
            ("tier", None),
            ("example.com/tier", None),
            ("node-role.kubernetes.io/ingress", None),
            (
                "node.kubernetes.io/exclude-from-external-load-balancers",
                None,
            ),
            ("ingress-ready", None),
            ("kubernetes.io/hostname", Some("reserved for Kubernetes")),
            (
                "topology.kubernetes.io/zone",
                Some("reserved for Kubernetes"),
            ),
            ("k8s.io/x", Some("reserved for Kubernetes")),
            ("sub.k8s.io/x", Some("reserved for Kubernetes")),
            ("Example.com/tier", Some("DNS subdomain")),
            ("/tier", Some("DNS subdomain")),
            ("a/b/c", Some("at most one '/'")),
            ("example.com/", Some("must not be empty")),
            ("-tier", Some("starting and ending")),
            ("ti er", Some("starting and ending")),
            (&long_name, Some("at most 63")),
        ];
        for (key, expected) in cases {
            match (validate_label_key(key), expected) {
                (Ok(()), None) => {}
                (Err(message), Some(needle)) => {
                    assert!(message.contains(needle), "{key}: {message}")
                }
                (result, expected) => panic!("{key}: got {result:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn label_values_table() {
        let long_value = "v".repeat(64);
        for (value, ok) in [
            ("", true),
            ("true", true),
            ("a.b-c_d", true),
            ("-x", false),
            ("a b", false),
            (long_value.as_str(), false),
        ] {
            assert_eq!(validate_label_value(value).is_ok(), ok, "{value:?}");
        }
    }

    #[test]
    fn check_reports_the_label_path() {
        let labels = BTreeMap::from([
            ("kubernetes.io/os".to_string(), "linux".to_string()),
            ("ok".to_string(), "-bad".to_string()),
        ]);
        let mut problems = Vec::new();
        check(&labels, "nodes[1].labels", &mut problems);
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            ["nodes[1].labels.kubernetes.io/os", "nodes[1].labels.ok"]
        );
    }
}
