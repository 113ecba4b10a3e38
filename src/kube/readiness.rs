//! Rollout readiness: has a workload rolled out, is it still progressing, or
//! has it failed? The rules are `kubectl rollout status`'s, quirks included
//! (see [`workloads`]), plus fail-fast detection from the workload's pods
//! ([`pods`]) and the `devk.dev/expect-rollout` annotation that turns an
//! expected failure into a pass ([`expectation`]).
//!
//! Everything here is pure: the runner fetches or watches the objects and
//! feeds them in; nothing here talks to a cluster.

mod expectation;
mod pods;
mod workloads;

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

pub use expectation::{
    EXPECT_ROLLOUT_ANNOTATION, Expectation, Verdict, expectation, is_settled, judge,
    parse_expectation,
};
pub use pods::{
    DEFAULT_CRASHLOOP_RESTART_THRESHOLD, UNSCHEDULABLE_GRACE, fail_fast, fail_fast_at,
    next_recheck, pod_failure, pod_failure_at,
};
pub use workloads::{
    daemon_set_status, deployment_status, job_status, pod_status, replica_set_status,
    stateful_set_status,
};

/// Where a rollout stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollout {
    /// Done: what `kubectl rollout status` reports as "successfully rolled out".
    Complete,
    /// Not done yet; the text says what it is waiting for.
    Progressing(String),
    /// Will not complete without a change (bad image, crash loop, deadline...).
    Failed {
        reason: FailureReason,
        message: String,
    },
}

impl Rollout {
    fn failed(reason: FailureReason, message: impl Into<String>) -> Self {
        Rollout::Failed {
            reason,
            message: message.into(),
        }
    }

    fn progressing(message: impl Into<String>) -> Self {
        Rollout::Progressing(message.into())
    }
}

impl fmt::Display for Rollout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rollout::Complete => f.write_str("rolled out"),
            Rollout::Progressing(message) => write!(f, "progressing: {message}"),
            Rollout::Failed { reason, message } => write!(f, "failed ({reason}): {message}"),
        }
    }
}

/// Why a rollout failed. The names are the ones Kubernetes itself uses (the
/// kubelet's container waiting reasons, the Job controller's condition
/// reasons), so that a test can name the failure it expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureReason {
    ErrImagePull,
    ImagePullBackOff,
    InvalidImageName,
    ErrImageNeverPull,
    CreateContainerConfigError,
    CreateContainerError,
    CrashLoopBackOff,
    Unschedulable,
    PodFailed,
    ProgressDeadlineExceeded,
    BackoffLimitExceeded,
    DeadlineExceeded,
    PodFailurePolicy,
    MaxFailedIndexesExceeded,
    /// A Job failed for a reason not listed above; as an expectation it
    /// accepts any Job failure.
    JobFailed,
}

impl FailureReason {
    /// Every reason, in the order the docs list them.
    pub const ALL: [FailureReason; 15] = [
        FailureReason::ErrImagePull,
        FailureReason::ImagePullBackOff,
        FailureReason::InvalidImageName,
        FailureReason::ErrImageNeverPull,
        FailureReason::CreateContainerConfigError,
        FailureReason::CreateContainerError,
        FailureReason::CrashLoopBackOff,
        FailureReason::Unschedulable,
        FailureReason::PodFailed,
        FailureReason::ProgressDeadlineExceeded,
        FailureReason::BackoffLimitExceeded,
        FailureReason::DeadlineExceeded,
        FailureReason::PodFailurePolicy,
        FailureReason::MaxFailedIndexesExceeded,
        FailureReason::JobFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FailureReason::ErrImagePull => "ErrImagePull",
            FailureReason::ImagePullBackOff => "ImagePullBackOff",
            FailureReason::InvalidImageName => "InvalidImageName",
            FailureReason::ErrImageNeverPull => "ErrImageNeverPull",
            FailureReason::CreateContainerConfigError => "CreateContainerConfigError",
            FailureReason::CreateContainerError => "CreateContainerError",
            FailureReason::CrashLoopBackOff => "CrashLoopBackOff",
            FailureReason::Unschedulable => "Unschedulable",
            FailureReason::PodFailed => "PodFailed",
            FailureReason::ProgressDeadlineExceeded => "ProgressDeadlineExceeded",
            FailureReason::BackoffLimitExceeded => "BackoffLimitExceeded",
            FailureReason::DeadlineExceeded => "DeadlineExceeded",
            FailureReason::PodFailurePolicy => "PodFailurePolicy",
            FailureReason::MaxFailedIndexesExceeded => "MaxFailedIndexesExceeded",
            FailureReason::JobFailed => "JobFailed",
        }
    }

    /// A failure the Job controller reports in the Job's conditions.
    pub fn is_job_failure(self) -> bool {
        matches!(
            self,
            FailureReason::BackoffLimitExceeded
                | FailureReason::DeadlineExceeded
                | FailureReason::PodFailurePolicy
                | FailureReason::MaxFailedIndexesExceeded
                | FailureReason::JobFailed
        )
    }

    /// Whether this observed failure is the one `expected` names.
    /// ErrImagePull and ImagePullBackOff count as the same failure: the
    /// kubelet alternates between them for one bad image, so which one a
    /// watcher sees first is luck. `JobFailed` accepts any Job failure.
    pub fn satisfies(self, expected: FailureReason) -> bool {
        let image_pull = |r| {
            matches!(
                r,
                FailureReason::ErrImagePull | FailureReason::ImagePullBackOff
            )
        };
        self == expected
            || (image_pull(self) && image_pull(expected))
            || (expected == FailureReason::JobFailed && self.is_job_failure())
    }

    /// The reason for a Job's `Failed` (or `FailureTarget`) condition reason.
    pub fn from_job_condition_reason(reason: Option<&str>) -> FailureReason {
        match reason {
            Some("BackoffLimitExceeded") => FailureReason::BackoffLimitExceeded,
            Some("DeadlineExceeded") => FailureReason::DeadlineExceeded,
            Some("PodFailurePolicy") => FailureReason::PodFailurePolicy,
            Some("MaxFailedIndexesExceeded") => FailureReason::MaxFailedIndexesExceeded,
            _ => FailureReason::JobFailed,
        }
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FailureReason {
    type Err = String;

    /// Case-insensitive, so `imagepullbackoff` works in an annotation too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        FailureReason::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                let known: Vec<&str> = FailureReason::ALL.iter().map(|r| r.as_str()).collect();
                format!(
                    "unknown failure reason {wanted:?}; known reasons: {}",
                    known.join(", ")
                )
            })
    }
}

/// The rollout state of a dynamic object, for the kinds that have one
/// (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Pod); `None` for any
/// other kind, or for an object of that kind in another API group (a custom
/// resource that happens to be called `Deployment`). `Err` when the object
/// does not deserialize into its typed form.
pub fn rollout_of(kind: &str, obj: &Value) -> Option<Result<Rollout, String>> {
    use k8s_openapi::api::{apps::v1 as apps, batch::v1 as batch, core::v1 as core};

    let group = match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => "apps",
        "Job" => "batch",
        "Pod" => "",
        _ => return None,
    };
    // An object without apiVersion is taken at its kind's word.
    if let Some(api_version) = obj.get("apiVersion").and_then(Value::as_str) {
        let object_group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        if object_group != group {
            return None;
        }
    }

    fn typed<T: serde::de::DeserializeOwned>(kind: &str, obj: &Value) -> Result<T, String> {
        serde_json::from_value(obj.clone()).map_err(|e| {
            let name = obj
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("<unnamed>");
            format!("cannot read {kind} {name}: {e}")
        })
    }

    Some(match kind {
        "Deployment" => typed::<apps::Deployment>(kind, obj).map(|d| deployment_status(&d)),
        "StatefulSet" => typed::<apps::StatefulSet>(kind, obj).map(|s| stateful_set_status(&s)),
        "DaemonSet" => typed::<apps::DaemonSet>(kind, obj).map(|d| daemon_set_status(&d)),
        "ReplicaSet" => typed::<apps::ReplicaSet>(kind, obj).map(|r| replica_set_status(&r)),
        "Job" => typed::<batch::Job>(kind, obj).map(|j| job_status(&j)),
        // Only the kinds matched above reach here.
        _ => typed::<core::Pod>(kind, obj).map(|p| pod_status(&p)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failure_reason_round_trips_through_its_name() {
        for reason in FailureReason::ALL {
            assert_eq!(reason.to_string().parse::<FailureReason>(), Ok(reason));
        }
        assert_eq!(
            "imagepullbackoff".parse::<FailureReason>(),
            Ok(FailureReason::ImagePullBackOff)
        );
        let err = "NoSuchThing".parse::<FailureReason>().unwrap_err();
        assert!(err.contains("NoSuchThing") && err.contains("CrashLoopBackOff"));
    }

    #[test]
    fn satisfies_treats_image_pull_reasons_alike_and_job_failed_as_any_job_failure() {
        use FailureReason::*;
        let cases = [
            (ErrImagePull, ImagePullBackOff, true),
            (ImagePullBackOff, ErrImagePull, true),
            (InvalidImageName, ImagePullBackOff, false),
            (CrashLoopBackOff, ImagePullBackOff, false),
            (BackoffLimitExceeded, JobFailed, true),
            (DeadlineExceeded, JobFailed, true),
            (JobFailed, BackoffLimitExceeded, false),
            (PodFailed, JobFailed, false),
            (Unschedulable, Unschedulable, true),
        ];
        for (seen, expected, want) in cases {
            assert_eq!(seen.satisfies(expected), want, "{seen} vs {expected}");
        }
    }

    #[test]
    fn rollout_of_dispatches_by_kind_and_group() {
        let deployment = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "generation": 1},
            "spec": {"replicas": 2},
            "status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2}
        });
        assert_eq!(
            rollout_of("Deployment", &deployment),
            Some(Ok(Rollout::Complete))
        );

        let custom = json!({"apiVersion": "example.com/v1", "kind": "Deployment", "metadata": {"name": "x"}});
        assert_eq!(rollout_of("Deployment", &custom), None);
        assert_eq!(rollout_of("ConfigMap", &json!({"apiVersion": "v1"})), None);

        let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
            "status": {"conditions": [{"type": "Complete", "status": "True"}]}});
        assert_eq!(rollout_of("Job", &job), Some(Ok(Rollout::Complete)));

        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "status": {"phase": "Failed", "reason": "Evicted"}});
        assert!(matches!(
            rollout_of("Pod", &pod),
            Some(Ok(Rollout::Failed {
                reason: FailureReason::PodFailed,
                ..
            }))
        ));
    }

    #[test]
    fn rollout_of_reports_objects_that_do_not_deserialize() {
        let broken = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "db"}, "spec": {"replicas": "three"}});
        let err = rollout_of("StatefulSet", &broken).unwrap().unwrap_err();
        assert!(err.contains("StatefulSet db"), "{err}");
    }
}
