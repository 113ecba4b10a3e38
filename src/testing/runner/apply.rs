//! Applying a step's (or the suite setup's) objects, and deleting what a
//! kuttl TestStep lists under `delete`.
//!
//! Apply order: CustomResourceDefinitions first, then the runner waits for
//! each to be `Established` and forgets what discovery said (so that the new
//! kinds resolve), then Namespaces, then the rest in file order. Namespaced
//! objects without a namespace go into the default namespace given (the
//! test's); cluster-scoped ones are applied as they are. Objects with only
//! `generateName` are created, since server-side apply needs a name.

use std::time::Duration;

use kube::api::DeleteParams;
use kube::runtime::watcher;
use serde_json::Value;

use super::problem::Problem;
use crate::kube::watch::{condition_is_true, wait_for, watch_objects};
use crate::kube::{Applied, Applier, KubeError};
use crate::testing::kuttl::ObjectRef;
use crate::testing::manifest::{self, Document};

const CRD_API_VERSION: &str = "apiextensions.k8s.io/v1";
const CRD_KIND: &str = "CustomResourceDefinition";
/// How often to retry a kind discovery does not know yet, right after its
/// CRD became Established (aggregated discovery can lag a moment).
const NEW_KIND_RETRIES: u32 = 20;
const NEW_KIND_RETRY_DELAY: Duration = Duration::from_millis(250);

/// An applied object and the document it came from.
#[derive(Debug, Clone)]
pub struct AppliedDocument {
    pub applied: Applied,
    pub source: String,
}

/// Apply `documents` in apply order; stops at the first object the API
/// server refuses.
pub async fn apply_documents(
    applier: &Applier,
    documents: &[Document],
    default_namespace: Option<&str>,
    deadline: tokio::time::Instant,
) -> Result<Vec<AppliedDocument>, Problem> {
    let ordered = manifest::apply_order(documents.to_vec());
    let mut applied = Vec::new();
    let mut crds = Vec::new();
    let mut waited_for_crds = false;
    for document in &ordered {
        if !document.is_crd() && !crds.is_empty() && !waited_for_crds {
            wait_established(applier, &crds, deadline).await?;
            applier.forget().await;
            waited_for_crds = true;
        }
        let result = apply_one(applier, document, default_namespace, !crds.is_empty()).await?;
        if document.is_crd() {
            crds.push(result.name.clone());
        }
        applied.push(AppliedDocument {
            applied: result,
            source: document.location(),
        });
    }
    if !crds.is_empty() && !waited_for_crds {
        wait_established(applier, &crds, deadline).await?;
        applier.forget().await;
    }
    Ok(applied)
}

async fn apply_one(
    applier: &Applier,
    document: &Document,
    default_namespace: Option<&str>,
    after_new_crds: bool,
) -> Result<Applied, Problem> {
    let generated = document.name().is_none();
    let mut attempt = 0;
    loop {
        let result = if generated {
            applier.create(&document.value, default_namespace).await
        } else {
            applier.apply(&document.value, default_namespace).await
        };
        match result {
            Ok(applied) => return Ok(applied),
            Err(KubeError::UnknownKind { .. }) if after_new_crds && attempt < NEW_KIND_RETRIES => {
                attempt += 1;
                applier.forget().await;
                tokio::time::sleep(NEW_KIND_RETRY_DELAY).await;
            }
            Err(e) => return Err(apply_problem(document, &e)),
        }
    }
}

/// `00-install.yaml, document 2 (line 9): Deployment web: <server message>`.
pub fn apply_problem(document: &Document, error: &KubeError) -> Problem {
    let what = document.describe();
    Problem::new(
        format!("applying {what} failed"),
        format!("{what} from {} applied", document.location()),
        format!("{}: {what}: {}", document.location(), error.api_message()),
    )
}

async fn wait_established(
    applier: &Applier,
    names: &[String],
    deadline: tokio::time::Instant,
) -> Result<(), Problem> {
    let problem = |seen: String| {
        Problem::new(
            format!(
                "CustomResourceDefinition {} did not become Established",
                names.join(", ")
            ),
            "Established=True".to_string(),
            seen,
        )
    };
    let (api, _, _) = applier
        .api_for(CRD_API_VERSION, CRD_KIND, None)
        .await
        .map_err(|e| problem(e.to_string()))?;
    let stream = watch_objects(api, watcher::Config::default());
    wait_for(stream, CRD_API_VERSION, CRD_KIND, deadline, |live| {
        names.iter().all(|name| {
            live.get(None, name)
                .is_some_and(|crd| condition_is_true(crd, "Established"))
        })
    })
    .await
    .map(|_| ())
    .map_err(|timed_out| {
        problem(
            timed_out
                .last_error
                .unwrap_or_else(|| "not Established before the timeout".to_string()),
        )
    })
}

/// Delete what a kuttl TestStep lists under `delete` (by name, or every
/// object with the labels) and wait until it is gone. Propagation is
/// Background, as in kuttl's successor chainsaw: the object goes at once
/// and the garbage collector removes its dependents (a foreground deletion
/// waits on the garbage collector, which learns of a new CRD's kind only at
/// its next discovery, up to 30s later; and some kinds default to Orphan).
pub async fn delete_refs(
    applier: &Applier,
    refs: &[ObjectRef],
    test_namespace: &str,
    deadline: tokio::time::Instant,
) -> Result<(), Problem> {
    for reference in refs {
        delete_ref(applier, reference, test_namespace, deadline).await?;
    }
    Ok(())
}

async fn delete_ref(
    applier: &Applier,
    reference: &ObjectRef,
    test_namespace: &str,
    deadline: tokio::time::Instant,
) -> Result<(), Problem> {
    let what = describe_ref(reference);
    let failed = |seen: String| {
        Problem::new(
            format!("deleting {what} failed"),
            format!("{what} deleted"),
            seen,
        )
    };
    let namespace = reference.namespace.as_deref().unwrap_or(test_namespace);
    let (api, _, namespaced) = applier
        .api_for(&reference.api_version, &reference.kind, Some(namespace))
        .await
        .map_err(|e| failed(e.api_message()))?;
    let namespace = namespaced.then_some(namespace);
    let labels = label_selector(reference);
    let mut config = watcher::Config::default();
    if let Some(name) = &reference.name {
        config = config.fields(&format!("metadata.name={name}"));
    }
    if !labels.is_empty() {
        config = config.labels(&labels);
    }
    let names: Vec<String> = match &reference.name {
        Some(name) => vec![name.clone()],
        None => {
            let params = kube::api::ListParams::default().labels(&labels);
            api.list(&params)
                .await
                .map_err(|source| {
                    failed(
                        KubeError::Api {
                            what: format!("listing {what}"),
                            source,
                        }
                        .api_message(),
                    )
                })?
                .items
                .into_iter()
                .filter_map(|o| o.metadata.name)
                .collect()
        }
    };
    for name in &names {
        applier
            .delete(
                &reference.api_version,
                &reference.kind,
                name,
                namespace,
                &DeleteParams::background(),
            )
            .await
            .map_err(|e| failed(e.api_message()))?;
    }
    let stream = watch_objects(api, config);
    wait_for(
        stream,
        &reference.api_version,
        &reference.kind,
        deadline,
        |live| live.is_empty(),
    )
    .await
    .map(|_| ())
    .map_err(|timed_out| {
        failed(
            timed_out
                .last_error
                .unwrap_or_else(|| "still there at the timeout".to_string()),
        )
    })
}

fn label_selector(reference: &ObjectRef) -> String {
    reference
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// `Deployment web`, `Pod with labels app=web`.
pub fn describe_ref(reference: &ObjectRef) -> String {
    let mut value = serde_json::json!({"kind": reference.kind, "metadata": {}});
    if let Some(name) = &reference.name {
        value["metadata"]["name"] = Value::String(name.clone());
    }
    if !reference.labels.is_empty() {
        value["metadata"]["labels"] = serde_json::to_value(&reference.labels).unwrap_or_default();
    }
    manifest::describe(&value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::manifest::{NameRule, parse_str};
    use std::collections::BTreeMap;
    use std::path::Path;

    #[test]
    fn apply_problems_name_file_document_kind_name_and_message() {
        let document = parse_str(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
            Path::new("t/00-install.yaml"),
            NameRule::Required,
        )
        .unwrap()
        .remove(1);
        let error = KubeError::Invalid {
            what: "Deployment web".into(),
            message: "spec.selector: Required value".into(),
        };
        let problem = apply_problem(&document, &error);
        assert_eq!(problem.summary, "applying Deployment web failed");
        assert_eq!(
            problem.seen,
            "t/00-install.yaml, document 2 (line 5): Deployment web: Deployment web: spec.selector: Required value"
        );
    }

    #[test]
    fn refs_describe_themselves() {
        let by_name = ObjectRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            name: Some("web".into()),
            namespace: None,
            labels: BTreeMap::new(),
        };
        assert_eq!(describe_ref(&by_name), "Deployment web");
        let by_labels = ObjectRef {
            name: None,
            kind: "Pod".into(),
            labels: [("app".to_string(), "web".to_string())].into(),
            ..by_name
        };
        assert_eq!(describe_ref(&by_labels), "Pod with labels app=web");
        assert_eq!(label_selector(&by_labels), "app=web");
    }
}
