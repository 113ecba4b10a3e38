//! The namespace each test runs in: `devk-<test name>-<5 random chars>`,
//! a valid DNS label (lowercase alphanumerics and `-`, at most 63 chars).

use rand::Rng;

const PREFIX: &str = "devk-";
const MAX_LABEL: usize = 63;
const SUFFIX_LEN: usize = 5;
const SUFFIX_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// The namespace for `test_name`, with `suffix` (see [`random_suffix`]) to
/// keep parallel and repeated runs apart. The name part is lowercased, every
/// run of other characters becomes one `-`, and it is cut to fit 63 chars.
pub fn namespace_name(test_name: &str, suffix: &str) -> String {
    let suffix = sanitize(suffix);
    let budget = MAX_LABEL - PREFIX.len() - usize::from(!suffix.is_empty());
    let suffix: String = suffix.chars().take(budget).collect();
    let name_budget = budget - suffix.len();
    let mut name: String = sanitize(test_name).chars().take(name_budget).collect();
    // Cutting can leave a trailing '-', and a label must not end with one.
    while name.ends_with('-') {
        name.pop();
    }
    let parts: Vec<&str> = [name.as_str(), suffix.as_str()]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return "devk-test".to_string();
    }
    format!("{PREFIX}{}", parts.join("-"))
}

/// Five random lowercase alphanumerics.
pub fn random_suffix() -> String {
    let mut rng = rand::rng();
    (0..SUFFIX_LEN)
        .map(|_| char::from(SUFFIX_ALPHABET[rng.random_range(0..SUFFIX_ALPHABET.len())]))
        .collect()
}

fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_dns_label(s: &str) -> bool {
        !s.is_empty()
            && s.len() <= 63
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.starts_with('-')
            && !s.ends_with('-')
    }

    #[test]
    fn names_are_sanitized() {
        let cases = [
            ("web", "devk-web-ab1cd"),
            ("My_Test.v2", "devk-my-test-v2-ab1cd"),
            ("--odd--name--", "devk-odd-name-ab1cd"),
            ("ünïcode tëst", "devk-n-code-t-st-ab1cd"),
            ("___", "devk-ab1cd"),
        ];
        for (name, want) in cases {
            let got = namespace_name(name, "ab1cd");
            assert_eq!(got, want, "{name}");
            assert!(is_dns_label(&got), "{got}");
        }
    }

    #[test]
    fn long_names_are_cut_to_63_without_a_trailing_dash() {
        let got = namespace_name(&"a".repeat(100), "xyz12");
        assert_eq!(got.len(), 63, "{got}");
        assert_eq!(got, format!("devk-{}-xyz12", "a".repeat(52)));
        // The cut lands right after a '-': it must be dropped.
        let got = namespace_name(&("a".repeat(51) + "-tail"), "xyz12");
        assert_eq!(got, format!("devk-{}-xyz12", "a".repeat(51)));
        assert!(is_dns_label(&got), "{got}");
    }

    #[test]
    fn random_suffixes_are_lowercase_alphanumerics() {
        let a = random_suffix();
        assert_eq!(a.len(), 5);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        // 36^5 possibilities: ten draws colliding all at once means it is not random.
        let draws: std::collections::HashSet<String> = (0..10).map(|_| random_suffix()).collect();
        assert!(draws.len() > 1);
        assert!(is_dns_label(&namespace_name("t", &a)));
    }
}
