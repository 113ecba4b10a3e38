//! Server-side apply of arbitrary objects (field manager `devk`), resolving
//! each kind through discovery so CRDs and every built-in kind work alike.

use std::collections::HashMap;
use std::sync::Arc;

use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::{ApiCapabilities, Scope};
use serde_json::Value;
use tokio::sync::Mutex;

use super::KubeError;

pub const FIELD_MANAGER: &str = "devk";

/// What discovery said, by (apiVersion, kind).
type ResolveCache = HashMap<(String, String), (ApiResource, ApiCapabilities)>;

/// Resolves kinds to API resources, remembering answers: one discovery
/// request per group/version, not per object.
#[derive(Clone)]
pub struct Applier {
    client: kube::Client,
    cache: Arc<Mutex<ResolveCache>>,
}

/// What an apply did to one object.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// The object as the server returned it.
    pub object: Value,
}

impl Applier {
    pub fn new(client: kube::Client) -> Applier {
        Applier {
            client,
            cache: Arc::default(),
        }
    }

    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    /// The resource behind apiVersion/kind, asking the server once.
    pub async fn resolve(
        &self,
        api_version: &str,
        kind: &str,
    ) -> Result<(ApiResource, ApiCapabilities), KubeError> {
        let key = (api_version.to_string(), kind.to_string());
        if let Some(found) = self.cache.lock().await.get(&key) {
            return Ok(found.clone());
        }
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        let gvk = GroupVersionKind::gvk(group, version, kind);
        let found = kube::discovery::pinned_kind(&self.client, &gvk)
            .await
            .map_err(|e| match &e {
                kube::Error::Api(s) if s.code == 404 => KubeError::UnknownKind {
                    what: kind.to_string(),
                    api_version: api_version.to_string(),
                    kind: kind.to_string(),
                },
                kube::Error::Discovery(_) => KubeError::UnknownKind {
                    what: kind.to_string(),
                    api_version: api_version.to_string(),
                    kind: kind.to_string(),
                },
                _ => KubeError::Api {
                    what: format!("discovering {api_version} {kind}"),
                    source: e,
                },
            })?;
        self.cache.lock().await.insert(key, found.clone());
        Ok(found)
    }

    /// Forget what discovery said (after CRDs are added).
    pub async fn forget(&self) {
        self.cache.lock().await.clear();
    }

    /// Whether objects of a kind live in namespaces.
    pub async fn is_namespaced(&self, api_version: &str, kind: &str) -> Result<bool, KubeError> {
        Ok(self.resolve(api_version, kind).await?.1.scope == Scope::Namespaced)
    }

    /// An Api handle for the object's kind and namespace.
    pub async fn api_for(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
    ) -> Result<(Api<DynamicObject>, ApiResource, bool), KubeError> {
        let (resource, caps) = self.resolve(api_version, kind).await?;
        let namespaced = caps.scope == Scope::Namespaced;
        let api = match (namespaced, namespace) {
            (true, Some(ns)) => Api::namespaced_with(self.client.clone(), ns, &resource),
            (true, None) => Api::default_namespaced_with(self.client.clone(), &resource),
            (false, _) => Api::all_with(self.client.clone(), &resource),
        };
        Ok((api, resource, namespaced))
    }

    /// Server-side apply one object. A namespaced object without a
    /// namespace goes into `default_namespace`.
    pub async fn apply(
        &self,
        object: &Value,
        default_namespace: Option<&str>,
    ) -> Result<Applied, KubeError> {
        let field = |name: &str| {
            object
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let api_version = field("apiVersion");
        let kind = field("kind");
        let name = object
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let what = format!("{kind} {name}");
        if api_version.is_empty() || kind.is_empty() || name.is_empty() {
            return Err(KubeError::Invalid {
                what,
                message: "an object needs apiVersion, kind and metadata.name".to_string(),
            });
        }
        let explicit_ns = object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str);
        let (api, _, namespaced) = self
            .api_for(&api_version, &kind, explicit_ns.or(default_namespace))
            .await?;
        let mut body = object.clone();
        let namespace = if namespaced {
            let ns = explicit_ns.or(default_namespace).map(str::to_string);
            if let (Some(ns), Some(meta)) =
                (&ns, body.get_mut("metadata").and_then(Value::as_object_mut))
            {
                meta.insert("namespace".to_string(), Value::String(ns.clone()));
            }
            ns
        } else {
            None
        };
        let params = PatchParams::apply(FIELD_MANAGER).force();
        let result = api
            .patch(&name, &params, &Patch::Apply(&body))
            .await
            .map_err(KubeError::api(format!("applying {what}")))?;
        Ok(Applied {
            api_version,
            kind,
            name,
            namespace,
            object: serde_json::to_value(&result).unwrap_or(Value::Null),
        })
    }

    /// Create an object that has `metadata.generateName` and no name (server-side
    /// apply needs a name). A namespaced object without a namespace goes into
    /// `default_namespace`.
    pub async fn create(
        &self,
        object: &Value,
        default_namespace: Option<&str>,
    ) -> Result<Applied, KubeError> {
        let field = |pointer: &str| {
            object
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let api_version = field("/apiVersion");
        let kind = field("/kind");
        let what = format!("{kind} {}*", field("/metadata/generateName"));
        if api_version.is_empty() || kind.is_empty() {
            return Err(KubeError::Invalid {
                what,
                message: "an object needs apiVersion and kind".to_string(),
            });
        }
        let explicit_ns = object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .filter(|ns| !ns.is_empty());
        let namespace_wanted = explicit_ns.or(default_namespace);
        let (api, _, namespaced) = self.api_for(&api_version, &kind, namespace_wanted).await?;
        let body: DynamicObject =
            serde_json::from_value(object.clone()).map_err(|e| KubeError::Invalid {
                what: what.clone(),
                message: e.to_string(),
            })?;
        let params = PostParams {
            field_manager: Some(FIELD_MANAGER.to_string()),
            ..Default::default()
        };
        let result = api
            .create(&params, &body)
            .await
            .map_err(KubeError::api(format!("creating {what}")))?;
        Ok(Applied {
            api_version,
            kind,
            name: result.metadata.name.clone().unwrap_or_default(),
            namespace: if namespaced {
                namespace_wanted.map(str::to_string)
            } else {
                None
            },
            object: serde_json::to_value(&result).unwrap_or(Value::Null),
        })
    }

    /// Delete one object; `Ok(false)` when it was not there.
    pub async fn delete(
        &self,
        api_version: &str,
        kind: &str,
        name: &str,
        namespace: Option<&str>,
        params: &DeleteParams,
    ) -> Result<bool, KubeError> {
        let (api, _, _) = self.api_for(api_version, kind, namespace).await?;
        match api.delete(name, params).await {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(false),
            Err(e) => Err(KubeError::Api {
                what: format!("deleting {kind} {name}"),
                source: e,
            }),
        }
    }
}
