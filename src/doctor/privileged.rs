//! Check 3: may the engine start privileged containers? Asked the only way
//! that is certain, by starting one (`Engine::probe_security_mode`), which
//! needs an image: the default node image, when present.

use super::Finding;
use crate::engine::{Engine, SecurityMode};

pub const NAME: &str = "privileged";

#[derive(Clone, Debug, PartialEq)]
pub enum PrivilegedFacts {
    EngineDown,
    /// The probe needs the node image, which is not built yet.
    NoImage {
        image: String,
    },
    Probed(SecurityMode),
    ProbeFailed {
        error: String,
        hint: Option<String>,
    },
}

pub fn check(facts: &PrivilegedFacts) -> Finding {
    match facts {
        PrivilegedFacts::EngineDown => Finding::engine_needed(NAME),
        PrivilegedFacts::NoImage { image } => Finding::warn(
            NAME,
            format!("not checked: the probe starts a container from the node image {image}, which is not built yet"),
            "build the node image (`devk create` does it the first time), then run `devk doctor` again to check",
        ),
        PrivilegedFacts::Probed(SecurityMode::Privileged) => Finding::ok(
            NAME,
            "privileged containers are allowed: nodes run --privileged (as kind, k3d and minikube would)",
        ),
        PrivilegedFacts::Probed(SecurityMode::Restricted) => Finding::warn(
            NAME,
            "the engine refuses privileged containers (its root lacks a capability): devk uses its \
             restricted mode (every capability but CAP_SYS_RESOURCE, nothing masked); kind, k3d \
             and minikube would not run here",
            "nothing to do for devk: `devk create` picks the restricted mode itself (or say so with \
             --node-security restricted); to allow privileged containers, run the engine where \
             root has every capability (a VM rather than a restricted container)",
        ),
        PrivilegedFacts::ProbeFailed { error, hint } => Finding::fail(
            NAME,
            format!("the probe container could not run: {error}"),
            hint.clone().unwrap_or_else(|| {
                "check that the engine can start containers: `docker run --rm --privileged <node image> /bin/true` shows the engine's own error".to_string()
            }),
        ),
    }
}

/// Start a probe container from `image` (removed again).
pub async fn gather(engine: &Engine, image: &str) -> PrivilegedFacts {
    let probe = format!("devk-doctor-probe-{}", std::process::id());
    match engine.probe_security_mode(image, &probe).await {
        Ok(mode) => PrivilegedFacts::Probed(mode),
        Err(e) => PrivilegedFacts::ProbeFailed {
            error: e.to_string(),
            hint: e.hint(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    #[test]
    fn privileged_rules() {
        // (facts, status, message contains, fix contains)
        let cases = [
            (
                PrivilegedFacts::Probed(SecurityMode::Privileged),
                Status::Ok,
                "privileged containers are allowed",
                "",
            ),
            (
                PrivilegedFacts::Probed(SecurityMode::Restricted),
                Status::Warn,
                "devk uses its restricted mode",
                "--node-security restricted",
            ),
            (
                PrivilegedFacts::Probed(SecurityMode::Restricted),
                Status::Warn,
                "kind, k3d and minikube would not run here",
                "picks the restricted mode itself",
            ),
            (
                PrivilegedFacts::NoImage {
                    image: "devk/node:v1.36.2".to_string(),
                },
                Status::Warn,
                "devk/node:v1.36.2",
                "run `devk doctor` again",
            ),
            (
                PrivilegedFacts::EngineDown,
                Status::Warn,
                "engine is unreachable",
                "engine check first",
            ),
            (
                PrivilegedFacts::ProbeFailed {
                    error: "starting container x: no space left".to_string(),
                    hint: None,
                },
                Status::Fail,
                "no space left",
                "docker run --rm --privileged",
            ),
            (
                PrivilegedFacts::ProbeFailed {
                    error: "image missing".to_string(),
                    hint: Some("build it".to_string()),
                },
                Status::Fail,
                "image missing",
                "build it",
            ),
        ];
        for (facts, status, message, fix) in cases {
            let f = check(&facts);
            crate::doctor::assert_finding(&format!("{facts:?}"), &f, status, message, fix);
        }
    }
}
