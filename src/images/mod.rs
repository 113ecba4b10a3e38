//! Loading host images into a cluster's nodes (`devk load image`, `devk
//! load archive`): the engine's `docker save` stream, or an archive file,
//! piped into each node's containerd (`ctr images import`, namespace
//! `k8s.io`, the one the kubelet uses), every node at once, no temporary
//! files. A node that already holds the image (same image ID) is skipped;
//! one that holds it under another name gets the new name as a tag.
//!
//! Parts: [`reference`] (docker names as containerd spells them),
//! [`node_store`] (what a node holds, and what to do about it),
//! [`archive_file`] (which images an archive file carries), [`fanout`]
//! (one stream read once, fed to every node), [`load`] (the commands).

pub mod archive_file;
mod error;
pub mod fanout;
mod load;
pub mod node_store;
pub mod reference;

pub use error::ImagesError;
pub use load::{
    LoadReport, NodeReport, Outcome, SourceReport, load_archive, load_images, select_nodes,
};

/// The containerd namespace the kubelet's CRI uses.
pub const NAMESPACE: &str = "k8s.io";
