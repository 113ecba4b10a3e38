//! The watches one step waits on: one watch per kind and namespace
//! (workloads, their pods, the kinds that asserts and errors files name),
//! merged into one stream so that a step re-evaluates on any event of any
//! of them. Nothing here sleeps: every wake-up is a watch event.

use futures::stream::{BoxStream, SelectAll};
use futures::{FutureExt, StreamExt};
use kube::api::DynamicObject;
use kube::runtime::watcher::{self, Event};

use crate::kube::watch::{LiveObjects, watch_objects};
use crate::kube::{Applier, KubeError};

/// A kind in a namespace (None: cluster-scoped, or all namespaces).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WatchKey {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
}

impl WatchKey {
    pub fn new(api_version: &str, kind: &str, namespace: Option<&str>) -> WatchKey {
        WatchKey {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            namespace: namespace.map(str::to_string),
        }
    }

    /// `Deployment in namespace t`, `ClusterRole (cluster-wide)`.
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} in namespace {ns}", self.kind),
            None => format!("{} (cluster-wide)", self.kind),
        }
    }
}

type Tagged = (usize, Result<Event<DynamicObject>, watcher::Error>);

pub struct Watches {
    keys: Vec<WatchKey>,
    live: Vec<LiveObjects>,
    last_errors: Vec<Option<String>>,
    stream: SelectAll<BoxStream<'static, Tagged>>,
}

impl Watches {
    pub fn new() -> Watches {
        Watches {
            keys: Vec::new(),
            live: Vec::new(),
            last_errors: Vec::new(),
            stream: SelectAll::new(),
        }
    }

    /// Watch `key` (once: a key added twice shares the watch); its index.
    pub async fn add(&mut self, applier: &Applier, key: WatchKey) -> Result<usize, KubeError> {
        if let Some(index) = self.keys.iter().position(|k| *k == key) {
            return Ok(index);
        }
        let (api, _, namespaced) = applier
            .api_for(&key.api_version, &key.kind, key.namespace.as_deref())
            .await?;
        let key = if namespaced {
            key
        } else {
            WatchKey {
                namespace: None,
                ..key
            }
        };
        if let Some(index) = self.keys.iter().position(|k| *k == key) {
            return Ok(index);
        }
        let index = self.keys.len();
        self.live
            .push(LiveObjects::new(&key.api_version, &key.kind));
        self.last_errors.push(None);
        self.keys.push(key);
        let stream = watch_objects(api, watcher::Config::default())
            .map(move |event| (index, event))
            .boxed();
        self.stream.push(stream);
        Ok(index)
    }

    /// Wait for the next event and apply it, then apply every event that is
    /// already queued (a burst becomes one evaluation). False when there are
    /// no watches.
    pub async fn next(&mut self) -> bool {
        let Some(first) = self.stream.next().await else {
            return false;
        };
        self.absorb(first);
        while let Some(Some(more)) = self.stream.next().now_or_never() {
            self.absorb(more);
        }
        true
    }

    fn absorb(&mut self, (index, event): Tagged) {
        match event {
            Ok(event) => {
                self.live[index].apply(&event);
                self.last_errors[index] = None;
            }
            Err(e) => {
                tracing::debug!("watching {}: {e}", self.keys[index].describe());
                self.last_errors[index] = Some(e.to_string());
            }
        }
    }

    /// Whether every watch has delivered a complete first list.
    pub fn all_ready(&self) -> bool {
        self.live.iter().all(LiveObjects::is_ready)
    }

    pub fn key(&self, index: usize) -> &WatchKey {
        &self.keys[index]
    }

    pub fn live(&self, index: usize) -> &LiveObjects {
        &self.live[index]
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Watches that never delivered a complete list, with their last error:
    /// what to say when a step times out because of them.
    pub fn problems(&self) -> Vec<String> {
        self.keys
            .iter()
            .zip(&self.live)
            .zip(&self.last_errors)
            .filter(|((_, live), _)| !live.is_ready())
            .map(|((key, _), error)| match error {
                Some(e) => format!("cannot watch {}: {e}", key.describe()),
                None => format!("no complete list of {} yet", key.describe()),
            })
            .collect()
    }
}

impl Default for Watches {
    fn default() -> Self {
        Watches::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_describe_their_scope() {
        assert_eq!(
            WatchKey::new("apps/v1", "Deployment", Some("t")).describe(),
            "Deployment in namespace t"
        );
        assert_eq!(
            WatchKey::new("rbac.authorization.k8s.io/v1", "ClusterRole", None).describe(),
            "ClusterRole (cluster-wide)"
        );
        let watches = Watches::new();
        assert!(watches.all_ready() && watches.is_empty() && watches.problems().is_empty());
    }
}
