//! End-to-end tests: real clusters of real Kubernetes binaries. They need a
//! node image (`DEVK_E2E_NODE_IMAGE`, or Kubernetes binaries in
//! `DEVK_KUBE_BINARIES`, default /opt/devk-kube/bin, to build one); without
//! one each test skips with a loud line.

#[path = "../support/mod.rs"]
mod support;

mod bootstrap;
mod day_two;
mod ha;
mod test_runner;
mod workshop;
