//! Loading host images into a devk cluster's nodes, for `--load` and a
//! suite's `loadImages`.
//!
//! REPLACED BY THE SHARED LOADER: this is a stop-gap until `devk load
//! image` (src/images/) lands; switch [`load_images`] to it then. It streams
//! `docker save` of each image into every node's `ctr -n k8s.io images
//! import -`, with no temporary file.

use crate::cluster;
use crate::engine::{Engine, ExecStdin};
use crate::ui::Ui;

use super::RunnerError;

/// Load `images` into every node of cluster `name`.
pub async fn load_images(
    engine: &Engine,
    ui: &Ui,
    name: &str,
    images: &[String],
) -> Result<(), RunnerError> {
    if images.is_empty() {
        return Ok(());
    }
    let nodes: Vec<String> = cluster::nodes(engine, Some(name))
        .await?
        .into_iter()
        .filter(|n| n.role != "balancer")
        .map(|n| n.name)
        .collect();
    if nodes.is_empty() {
        return Err(RunnerError::usage(
            format!("--load: there is no devk cluster {name} to load images into"),
            Some("images can only be loaded into devk clusters: see `devk list`"),
        ));
    }
    for image in images {
        engine.require_image(image).await?;
        let step = ui.step(format!("Loading image {image} into {name}"));
        let loads = nodes.iter().map(|node| load_into(engine, image, node));
        futures::future::try_join_all(loads).await?;
        step.done();
    }
    Ok(())
}

async fn load_into(engine: &Engine, image: &str, node: &str) -> Result<(), RunnerError> {
    let archive = ExecStdin::Stream(Box::pin(engine.export_image(image)));
    let output = engine
        .exec_with_stdin(
            node,
            &["ctr", "-n", "k8s.io", "images", "import", "-"],
            archive,
        )
        .await?;
    if output.success() {
        Ok(())
    } else {
        Err(RunnerError::LoadImage {
            image: image.to_string(),
            node: node.to_string(),
            message: format!(
                "ctr images import exited with {}: {}",
                output.exit_code,
                output.stderr_str().trim()
            ),
        })
    }
}
