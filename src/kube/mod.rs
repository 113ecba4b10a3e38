//! Kubernetes API use: applying manifests, watching objects, and deciding when
//! a workload has rolled out. The pure rules live in [`readiness`]; the parts
//! that talk to a cluster build on them.

pub mod readiness;
