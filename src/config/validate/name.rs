//! The cluster name: it becomes part of container, network and host names.

/// `<name>-control-plane99` (16 more characters) must stay within the
/// 63-character limit of a DNS label and of the hostname Docker sets; 40
/// leaves room for the suffixes devk adds.
pub const MAX_NAME_LEN: usize = 40;

/// Whether `name` can name a cluster; the error says why not and what is
/// allowed. Used for the config's `name` and for `--name`.
pub fn validate_name(name: &str) -> Result<(), String> {
    let allowed = "use lowercase letters, digits, '-' and '.', starting with a letter or digit";
    let Some(first) = name.chars().next() else {
        return Err(format!("the cluster name must not be empty; {allowed}"));
    };
    if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
        return Err(format!(
            "the cluster name must start with a lowercase letter or digit; {allowed}"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        return Err(format!(
            "the cluster name has {bad:?}, which is not allowed; {allowed}"
        ));
    }
    let len = name.chars().count();
    if len > MAX_NAME_LEN {
        return Err(format!(
            "the cluster name has {len} characters, at most {MAX_NAME_LEN} are allowed: node names such as \
             `<name>-control-plane99` must fit the 63-character limit of DNS and Docker hostnames"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_table() {
        let forty = "a".repeat(40);
        let forty_one = "a".repeat(41);
        let cases: &[(&str, Option<&str>)] = &[
            ("devk", None),
            ("0dev.team-1", None),
            (&forty, None),
            (&forty_one, Some("41 characters, at most 40")),
            ("", Some("must not be empty")),
            ("-dev", Some("must start with")),
            ("Dev", Some("must start with")),
            ("dev_1", Some("'_'")),
            ("dév", Some("'é'")),
        ];
        for (name, expected) in cases {
            match (validate_name(name), expected) {
                (Ok(()), None) => {}
                (Err(message), Some(needle)) => {
                    assert!(message.contains(needle), "{name}: {message}")
                }
                (result, expected) => panic!("{name}: got {result:?}, expected {expected:?}"),
            }
        }
    }
}
