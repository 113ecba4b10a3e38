//! `devk test`: the pure parts of the test runner. Discovery turns paths
//! into suites, tests and ordered steps ([`discovery`], [`suite_file`],
//! [`kuttl`]); [`manifest`] reads YAML into located JSON documents;
//! [`matcher`] compares expected partial objects with live ones; [`report`]
//! holds results and renders them (text, JSON, JUnit). Rollout rules are in
//! [`crate::kube::readiness`]. [`runner`] talks to a cluster and builds on
//! these; nothing else here does I/O beyond reading test files.

pub mod discovery;
pub mod duration;
pub mod error;
pub mod kuttl;
pub mod manifest;
pub mod matcher;
pub mod namespace;
pub mod report;
pub mod runner;
pub mod suite_file;

pub use error::TestingError;
