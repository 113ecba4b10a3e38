//! The container engine: the Docker Engine API through bollard (Podman
//! through its Docker-compatible socket). Networks, containers, exec, file
//! upload and download, images. Nothing here knows about Kubernetes; the
//! cluster module decides what to create, this module creates it.

mod archive;
mod connect;
mod container;
mod error;
mod exec;
mod image;
pub mod labels;
mod network;
mod security;

pub use archive::{FileEntry, append_file, tar_of};
pub use connect::Engine;
pub use container::{
    ContainerInfo, ContainerSpec, ContainerState, MountSpec, PortSpec, VolumeSpec,
};
pub use error::EngineError;
pub use exec::{ExecOutput, ExecStdin};
pub use image::{BuildContext, BuildRequest, ImageInfo};
pub use network::NetworkInfo;
pub use security::SecurityMode;
