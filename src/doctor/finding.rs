//! One check's verdict: a status, a one-line finding and, when something
//! is wrong, the exact fix.

use serde::Serialize;

/// How a check came out. Only `Fail` makes `devk doctor` exit 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// The result of one check, as `-o json` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable check name (`engine`, `cgroups`, ...): scripts key on it.
    pub name: &'static str,
    pub status: Status,
    /// What was found, one line.
    pub message: String,
    /// What to do about it: a command to run or a setting to change. Always
    /// set for warn and fail, never for ok.
    pub fix: Option<String>,
}

impl Finding {
    pub fn ok(name: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            name,
            status: Status::Ok,
            message: message.into(),
            fix: None,
        }
    }

    pub fn warn(name: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            name,
            status: Status::Warn,
            message: message.into(),
            fix: Some(fix.into()),
        }
    }

    pub fn fail(name: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            name,
            status: Status::Fail,
            message: message.into(),
            fix: Some(fix.into()),
        }
    }

    /// A check that needs the engine, when the engine is unreachable: a
    /// warning, not a second failure, so the engine failure stands out.
    pub fn engine_needed(name: &'static str) -> Finding {
        Finding::warn(
            name,
            "not checked: the container engine is unreachable",
            "fix the engine check first, then run `devk doctor` again",
        )
    }

    /// A check of the engine's host, when the engine runs elsewhere (a VM,
    /// a remote DOCKER_HOST): this machine's kernel says nothing about it.
    pub fn remote_engine(name: &'static str, host: &str) -> Finding {
        Finding::warn(
            name,
            format!("not checked: the engine at {host} does not run on this machine"),
            "run `devk doctor` on the engine's host (or inside its VM) to check this",
        )
    }
}

/// The exit code for a set of findings: 1 when any check failed.
pub fn exit_code(findings: &[Finding]) -> u8 {
    u8::from(findings.iter().any(|f| f.status == Status::Fail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_fail_the_run() {
        let ok = Finding::ok("a", "fine");
        let warn = Finding::warn("b", "meh", "do x");
        let fail = Finding::fail("c", "bad", "do y");
        let cases: &[(&[Finding], u8)] = &[
            (&[], 0),
            (std::slice::from_ref(&ok), 0),
            (&[ok.clone(), warn.clone()], 0),
            (&[ok.clone(), warn.clone(), fail.clone()], 1),
            (std::slice::from_ref(&fail), 1),
        ];
        for (findings, want) in cases {
            assert_eq!(exit_code(findings), *want, "{findings:?}");
        }
    }

    #[test]
    fn json_has_name_status_message_fix() {
        let json = serde_json::to_value(Finding::warn("inotify", "low", "sysctl")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"name": "inotify", "status": "warn", "message": "low", "fix": "sysctl"})
        );
        let json = serde_json::to_value(Finding::ok("engine", "up")).unwrap();
        assert_eq!(json["fix"], serde_json::Value::Null);
    }
}
