//! Check 7: is the default node image there, and what does it carry? Its
//! absence is only a warning: `devk create` builds it the first time, but
//! that needs internet (or local binaries), which a workshop room may lack.

use super::Finding;
use crate::engine::Engine;
use crate::nodeimage::ImageContents;

pub const NAME: &str = "node-image";

#[derive(Clone, Debug, PartialEq)]
pub enum ImageState {
    EngineDown,
    Absent,
    /// Present; `None` when it carries no devk metadata label.
    Present(Option<ImageContents>),
    Error(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct NodeImageFacts {
    pub image: String,
    pub state: ImageState,
}

impl NodeImageFacts {
    pub fn present(&self) -> bool {
        matches!(self.state, ImageState::Present(_))
    }

    /// The Kubernetes version inside, when known.
    pub fn kubernetes(&self) -> Option<&str> {
        match &self.state {
            ImageState::Present(Some(c)) => Some(c.kubernetes.as_str()),
            _ => None,
        }
    }
}

pub fn check(facts: &NodeImageFacts) -> Finding {
    let image = &facts.image;
    match &facts.state {
        ImageState::EngineDown => Finding::engine_needed(NAME),
        ImageState::Absent => Finding::warn(
            NAME,
            format!("the default node image {image} is not built yet"),
            format!(
                "devk create builds it the first time (needs internet), or devk build node-image \
                 --kube-binaries DIR offline (add --image {image} if DEVK_NODE_IMAGE names it)"
            ),
        ),
        ImageState::Present(Some(c)) => Finding::ok(
            NAME,
            format!(
                "{image}: Kubernetes {}, etcd {}, CoreDNS {} (from {}, devk {})",
                c.kubernetes, c.etcd, c.coredns, c.source, c.devk
            ),
        ),
        ImageState::Present(None) => Finding::fail(
            NAME,
            format!("{image} exists but carries no devk metadata: devk create cannot use it"),
            format!(
                "rebuild it: `docker rmi {image}` then `devk build node-image --image {image}`"
            ),
        ),
        ImageState::Error(e) => Finding::fail(
            NAME,
            format!("cannot inspect {image}: {e}"),
            format!("check the engine with `docker image inspect {image}`"),
        ),
    }
}

pub async fn gather(engine: Option<&Engine>, image: &str) -> NodeImageFacts {
    let state = match engine {
        None => ImageState::EngineDown,
        Some(engine) => match engine.image(image).await {
            Ok(None) => ImageState::Absent,
            Ok(Some(_)) => match crate::nodeimage::image_contents(engine, image).await {
                Ok(contents) => ImageState::Present(contents),
                Err(e) => ImageState::Error(e.to_string()),
            },
            Err(e) => ImageState::Error(e.to_string()),
        },
    };
    NodeImageFacts {
        image: image.to_string(),
        state,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    fn contents() -> ImageContents {
        ImageContents {
            kubernetes: "v1.36.2".to_string(),
            etcd: "3.6.8".to_string(),
            coredns: "1.14.2".to_string(),
            pause: "3.10.2".to_string(),
            source: "directory".to_string(),
            devk: "0.1.0".to_string(),
        }
    }

    #[test]
    fn node_image_rules() {
        let f = |state| NodeImageFacts {
            image: "devk/node:v1.36.2".to_string(),
            state,
        };
        // (facts, status, message contains, fix contains)
        let cases = [
            (
                f(ImageState::Present(Some(contents()))),
                Status::Ok,
                "devk/node:v1.36.2: Kubernetes v1.36.2, etcd 3.6.8",
                "",
            ),
            (
                f(ImageState::Absent),
                Status::Warn,
                "not built yet",
                "devk create builds it the first time (needs internet), or devk build node-image --kube-binaries DIR offline",
            ),
            (
                f(ImageState::Present(None)),
                Status::Fail,
                "no devk metadata",
                "devk build node-image --image devk/node:v1.36.2",
            ),
            (
                f(ImageState::EngineDown),
                Status::Warn,
                "not checked",
                "engine check",
            ),
            (
                f(ImageState::Error("boom".into())),
                Status::Fail,
                "boom",
                "docker image inspect",
            ),
        ];
        for (facts, status, message, fix) in cases {
            crate::doctor::assert_finding(
                &format!("{facts:?}"),
                &check(&facts),
                status,
                message,
                fix,
            );
        }
        assert_eq!(
            f(ImageState::Present(Some(contents()))).kubernetes(),
            Some("v1.36.2")
        );
        assert_eq!(f(ImageState::Absent).kubernetes(), None);
    }
}
