//! Command-line flags for a component: devk's own, then the user's
//! `extraArgs` on top, rendered as the environment file its unit reads.

use std::collections::BTreeMap;

/// Ordered flags, each set once (a later set replaces an earlier one).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Flags {
    entries: Vec<(String, String)>,
}

impl Flags {
    pub fn new() -> Flags {
        Flags::default()
    }

    pub fn set(&mut self, name: &str, value: impl ToString) -> &mut Flags {
        let value = value.to_string();
        match self.entries.iter_mut().find(|(n, _)| n == name) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((name.to_string(), value)),
        }
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The user's extra arguments win over devk's defaults for the same flag.
    pub fn extend_from(&mut self, extra: &BTreeMap<String, String>) -> &mut Flags {
        for (name, value) in extra {
            self.set(name, value);
        }
        self
    }

    /// `--feature-gates=A=true,B=false`, merged with any the user passed
    /// as an extra argument.
    pub fn feature_gates(&mut self, gates: &BTreeMap<String, bool>) -> &mut Flags {
        if gates.is_empty() {
            return self;
        }
        let mut all: Vec<String> = gates.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if let Some(existing) = self.get("feature-gates") {
            all.extend(
                existing
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
        }
        self.set("feature-gates", all.join(","))
    }

    pub fn args(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|(n, v)| format!("--{n}={v}"))
            .collect()
    }

    /// The unit's environment file: `DEVK_ARGS=--a=1 --b=2`. systemd splits
    /// an unquoted `$DEVK_ARGS` on whitespace, which is why config
    /// validation refuses whitespace in flag values.
    pub fn env_file(&self) -> String {
        format!(
            "# Written by devk at cluster creation; the unit passes these flags.\nDEVK_ARGS={}\n",
            self.args().join(" ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_values_replace_earlier_ones_in_place() {
        let mut f = Flags::new();
        f.set("a", 1).set("b", 2).set("a", 3);
        assert_eq!(f.args(), vec!["--a=3", "--b=2"]);
    }

    #[test]
    fn extra_args_override_and_append() {
        let mut f = Flags::new();
        f.set("v", 2);
        f.extend_from(&BTreeMap::from([
            ("v".to_string(), "5".to_string()),
            ("audit-log-path".to_string(), "-".to_string()),
        ]));
        assert_eq!(f.args(), vec!["--v=5", "--audit-log-path=-"]);
    }

    #[test]
    fn feature_gates_merge_with_an_extra_arg() {
        let mut f = Flags::new();
        f.set("feature-gates", "Old=true");
        f.feature_gates(&BTreeMap::from([("New".to_string(), false)]));
        assert_eq!(f.get("feature-gates"), Some("New=false,Old=true"));
    }

    #[test]
    fn env_file_holds_one_args_line() {
        let mut f = Flags::new();
        f.set("a", "x");
        let text = f.env_file();
        assert!(text.lines().any(|l| l == "DEVK_ARGS=--a=x"));
    }
}
