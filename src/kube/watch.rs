//! Watching sets of objects. [`LiveObjects`] mirrors what a
//! [`kube::runtime::watcher`] stream says exists, as JSON values (what the
//! matcher and the readiness rules read); [`watch_objects`] opens such a
//! stream with backoff; [`wait_for`] follows one until a condition holds.
//!
//! The mirror swaps in a relist only when it is complete (`InitDone`), so a
//! reader never sees half a list, and it is not [`LiveObjects::is_ready`]
//! before the first complete list: "no such object" means something only
//! then.

use std::collections::BTreeMap;

use futures::StreamExt;
use futures::stream::BoxStream;
use kube::api::{Api, DynamicObject};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use serde_json::Value;

/// The objects a watch stream says exist, keyed by namespace and name.
#[derive(Debug, Clone)]
pub struct LiveObjects {
    api_version: String,
    kind: String,
    objects: BTreeMap<(String, String), Value>,
    /// A relist in progress: replaces `objects` at `InitDone`.
    relist: Option<BTreeMap<(String, String), Value>>,
    ready: bool,
}

impl LiveObjects {
    /// A mirror of objects of one kind. List responses leave `apiVersion`
    /// and `kind` out of their items; the mirror puts them back, so that
    /// every value reads like the object `kubectl get -o json` shows.
    pub fn new(api_version: &str, kind: &str) -> LiveObjects {
        LiveObjects {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            objects: BTreeMap::new(),
            relist: None,
            ready: false,
        }
    }

    /// Apply one watch event.
    pub fn apply<K: serde::Serialize>(&mut self, event: &Event<K>) {
        match event {
            Event::Init => self.relist = Some(BTreeMap::new()),
            Event::InitApply(object) => {
                if let Some((key, value)) = self.keyed(object) {
                    self.relist
                        .get_or_insert_with(BTreeMap::new)
                        .insert(key, value);
                }
            }
            Event::InitDone => {
                if let Some(listed) = self.relist.take() {
                    self.objects = listed;
                }
                self.ready = true;
            }
            Event::Apply(object) => {
                if let Some((key, value)) = self.keyed(object) {
                    self.objects.insert(key, value);
                }
            }
            Event::Delete(object) => {
                if let Some((key, _)) = self.keyed(object) {
                    self.objects.remove(&key);
                }
            }
        }
    }

    /// Whether a complete list has been seen.
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// The object `name` (in `namespace`, for namespaced kinds).
    pub fn get(&self, namespace: Option<&str>, name: &str) -> Option<&Value> {
        self.objects
            .get(&(namespace.unwrap_or_default().to_string(), name.to_string()))
    }

    /// Every object, ordered by namespace and name.
    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.objects.values()
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    fn keyed<K: serde::Serialize>(&self, object: &K) -> Option<((String, String), Value)> {
        let mut value = serde_json::to_value(object).ok()?;
        let text = |v: &Value, pointer: &str| {
            v.pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let key = (
            text(&value, "/metadata/namespace"),
            text(&value, "/metadata/name"),
        );
        if let Some(map) = value.as_object_mut() {
            for (field, wanted) in [("apiVersion", &self.api_version), ("kind", &self.kind)] {
                let missing = map
                    .get(field)
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty);
                if missing {
                    map.insert(field.to_string(), Value::String(wanted.clone()));
                }
            }
        }
        Some((key, value))
    }
}

/// A watch stream of dynamic objects, with kube's default backoff between
/// retries. Errors are yielded (and the stream retries); it never ends.
pub fn watch_objects(
    api: Api<DynamicObject>,
    config: watcher::Config,
) -> BoxStream<'static, Result<Event<DynamicObject>, watcher::Error>> {
    watcher::watcher(api, config).default_backoff().boxed()
}

/// Why [`wait_for`] gave up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitTimedOut {
    /// The last error the watch stream reported, if any (a forbidden watch,
    /// an unreachable server).
    pub last_error: Option<String>,
}

/// Follow `stream` into a mirror of `api_version`/`kind` until `done` holds
/// for a complete view of the objects, or `deadline` passes. `done` is
/// checked after every event once the first list is complete.
pub async fn wait_for(
    mut stream: BoxStream<'static, Result<Event<DynamicObject>, watcher::Error>>,
    api_version: &str,
    kind: &str,
    deadline: tokio::time::Instant,
    mut done: impl FnMut(&LiveObjects) -> bool,
) -> Result<LiveObjects, WaitTimedOut> {
    let mut live = LiveObjects::new(api_version, kind);
    let mut last_error = None;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => {
                return Err(WaitTimedOut { last_error });
            }
            item = stream.next() => match item {
                Some(Ok(event)) => {
                    live.apply(&event);
                    if live.is_ready() && done(&live) {
                        return Ok(live);
                    }
                }
                Some(Err(e)) => last_error = Some(e.to_string()),
                None => return Err(WaitTimedOut { last_error }),
            }
        }
    }
}

/// Whether a condition of `type_` has status `True` in `status.conditions`.
pub fn condition_is_true(object: &Value, type_: &str) -> bool {
    object
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|conditions| {
            conditions.iter().any(|c| {
                c.get("type").and_then(Value::as_str) == Some(type_)
                    && c.get("status").and_then(Value::as_str) == Some("True")
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(ns: &str, name: &str, version: &str) -> Value {
        json!({"metadata": {"namespace": ns, "name": name, "resourceVersion": version}})
    }

    fn names(live: &LiveObjects) -> Vec<String> {
        live.values()
            .map(|v| {
                format!(
                    "{}@{}",
                    v["metadata"]["name"].as_str().unwrap(),
                    v["metadata"]["resourceVersion"].as_str().unwrap()
                )
            })
            .collect()
    }

    #[test]
    fn not_ready_until_the_first_list_is_complete() {
        let mut live = LiveObjects::new("v1", "Pod");
        live.apply(&Event::<Value>::Init);
        live.apply(&Event::InitApply(object("t", "a", "1")));
        assert!(!live.is_ready());
        assert!(live.is_empty(), "a partial list is not shown");
        live.apply(&Event::<Value>::InitDone);
        assert!(live.is_ready());
        assert_eq!(names(&live), ["a@1"]);
    }

    #[test]
    fn applies_and_deletes_and_swaps_relists_atomically() {
        let mut live = LiveObjects::new("v1", "Pod");
        for event in [
            Event::Init,
            Event::InitApply(object("t", "a", "1")),
            Event::InitApply(object("t", "b", "1")),
            Event::InitDone,
            Event::Apply(object("t", "a", "2")),
            Event::Apply(object("t", "c", "1")),
            Event::Delete(object("t", "b", "1")),
        ] {
            live.apply(&event);
        }
        assert_eq!(names(&live), ["a@2", "c@1"]);
        // A relist (after a lost watch) keeps showing the old view until it
        // is complete, then replaces it: c is gone, d appeared.
        live.apply(&Event::<Value>::Init);
        live.apply(&Event::InitApply(object("t", "a", "3")));
        assert_eq!(names(&live), ["a@2", "c@1"]);
        live.apply(&Event::InitApply(object("t", "d", "1")));
        live.apply(&Event::<Value>::InitDone);
        assert_eq!(names(&live), ["a@3", "d@1"]);
        assert!(live.get(Some("t"), "d").is_some());
        assert!(live.get(Some("other"), "d").is_none());
        assert!(live.get(None, "d").is_none());
    }

    #[test]
    fn fills_in_type_fields_that_lists_leave_out() {
        let mut live = LiveObjects::new("apps/v1", "Deployment");
        live.apply(&Event::Apply(json!({"metadata": {"name": "web"}})));
        live.apply(&Event::Apply(
            json!({"apiVersion": "apps/v1beta9", "kind": "Deployment", "metadata": {"name": "kept"}}),
        ));
        let web = live.get(None, "web").unwrap();
        assert_eq!(
            (web["apiVersion"].as_str(), web["kind"].as_str()),
            (Some("apps/v1"), Some("Deployment"))
        );
        assert_eq!(
            live.get(None, "kept").unwrap()["apiVersion"],
            json!("apps/v1beta9"),
            "what the server says wins"
        );
    }

    #[test]
    fn conditions() {
        let crd = json!({"status": {"conditions": [
            {"type": "NamesAccepted", "status": "True"},
            {"type": "Established", "status": "False"}]}});
        assert!(condition_is_true(&crd, "NamesAccepted"));
        assert!(!condition_is_true(&crd, "Established"));
        assert!(!condition_is_true(&json!({}), "Established"));
    }
}
