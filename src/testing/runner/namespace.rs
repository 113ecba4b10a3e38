//! Each test's namespace: created with a fresh random suffix and the label
//! `app.kubernetes.io/managed-by=devk-test` (so leftovers can be found with
//! `kubectl get ns -l app.kubernetes.io/managed-by=devk-test`), ready once
//! its `default` ServiceAccount exists (pods are refused before that), and
//! deleted in the foreground afterwards — without waiting for it to go.

use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, PostParams};
use kube::runtime::watcher;
use serde_json::json;

use super::problem::Problem;
use crate::kube::Applier;
use crate::kube::watch::{wait_for, watch_objects};
use crate::testing::namespace::{namespace_name, random_suffix};

pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY_VALUE: &str = "devk-test";
/// Annotation holding the test's name (names need not be label values).
pub const TEST_NAME_ANNOTATION: &str = "devk.dev/test";

/// Tries at a free name before giving up (a clash needs the same test name
/// and the same 5 random characters).
const NAME_ATTEMPTS: usize = 3;
/// How long the delete request may take (not the deletion: that is not
/// waited for).
const DELETE_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the ServiceAccount controller gets to create `default`.
const SERVICE_ACCOUNT_WAIT: Duration = Duration::from_secs(30);

/// Create the namespace for `test`; its name.
pub async fn create(applier: &Applier, test: &str) -> Result<String, Problem> {
    let api: Api<Namespace> = Api::all(applier.client().clone());
    let mut last_error = String::new();
    for _ in 0..NAME_ATTEMPTS {
        let name = namespace_name(test, &random_suffix());
        let namespace: Namespace = match serde_json::from_value(json!({
            "metadata": {
                "name": name,
                "labels": {MANAGED_BY_LABEL: MANAGED_BY_VALUE},
                "annotations": {TEST_NAME_ANNOTATION: test},
            }
        })) {
            Ok(ns) => ns,
            Err(e) => return Err(failed(&name, e.to_string())),
        };
        match api.create(&PostParams::default(), &namespace).await {
            Ok(_) => {
                wait_for_default_service_account(applier, &name).await;
                return Ok(name);
            }
            Err(kube::Error::Api(status)) if status.code == 409 => {
                last_error = status.message;
            }
            Err(e) => return Err(failed(&name, e.to_string())),
        }
    }
    Err(failed(test, last_error))
}

fn failed(namespace: &str, message: String) -> Problem {
    Problem::new(
        format!("creating namespace {namespace} failed"),
        "a namespace for the test",
        message,
    )
}

/// Wait (watching) for the `default` ServiceAccount. If it does not come,
/// go on: the first pod will then say why it was refused.
async fn wait_for_default_service_account(applier: &Applier, namespace: &str) {
    let Ok((api, _, _)) = applier
        .api_for("v1", "ServiceAccount", Some(namespace))
        .await
    else {
        return;
    };
    let stream = watch_objects(
        api,
        watcher::Config::default().fields("metadata.name=default"),
    );
    let deadline = tokio::time::Instant::now() + SERVICE_ACCOUNT_WAIT;
    let found = wait_for(stream, "v1", "ServiceAccount", deadline, |live| {
        !live.is_empty()
    })
    .await;
    if found.is_err() {
        tracing::warn!("namespace {namespace}: no default ServiceAccount after 30s");
    }
}

/// Delete the namespace in the foreground, without waiting for it to go.
pub async fn delete(applier: &Applier, namespace: &str) -> Result<(), String> {
    let api: Api<Namespace> = Api::all(applier.client().clone());
    let params = DeleteParams::foreground();
    let request = api.delete(namespace, &params);
    match tokio::time::timeout(DELETE_REQUEST_TIMEOUT, request).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(kube::Error::Api(status))) if status.code == 404 => Ok(()),
        Ok(Err(e)) => Err(format!("deleting namespace {namespace}: {e}")),
        Err(_) => Err(format!(
            "deleting namespace {namespace}: no answer within {}s",
            DELETE_REQUEST_TIMEOUT.as_secs()
        )),
    }
}
