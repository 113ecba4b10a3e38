//! The cluster as the API server sees it: the server's version, and every
//! listable resource of every group (found by discovery, so CRDs come too),
//! one YAML list per resource and namespace, plus readable summaries of
//! pods and events. Secrets are listed by name only, through a
//! metadata-only request: their data (and the last-applied annotation
//! that would repeat it) never leaves the API server.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::ApiResource;
use kube::discovery::{Discovery, verbs};
use serde_json::Value;

use super::output::Output;

/// Each API request gets this long; a dead API server must not hang the
/// export of everything else.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const PARALLEL_LISTS: usize = 6;
/// Cluster-scoped objects go here (no namespace can start with `_`).
pub const CLUSTER_SCOPED_DIR: &str = "_cluster";

async fn timed<T>(
    what: &str,
    f: impl std::future::Future<Output = Result<T, kube::Error>>,
) -> Result<T, String> {
    match tokio::time::timeout(REQUEST_TIMEOUT, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(format!("{what}: {e}")),
        Err(_) => Err(format!(
            "{what}: no answer within {}s",
            REQUEST_TIMEOUT.as_secs()
        )),
    }
}

/// Collect everything under `cluster/`.
pub async fn collect(client: &kube::Client, out: &Output) {
    match timed("the API server's version", client.apiserver_version()).await {
        Ok(info) => {
            let text = serde_json::to_string_pretty(&info).unwrap_or_default();
            out.write_text("cluster/version.json", text).await;
        }
        Err(e) => {
            // Nothing else will answer either.
            out.problem("cluster objects", e);
            return;
        }
    }
    let discovery = match timed("discovery", Discovery::new(client.clone()).run_aggregated()).await
    {
        Ok(d) => d,
        Err(_) => match timed("discovery", Discovery::new(client.clone()).run()).await {
            Ok(d) => d,
            Err(e) => {
                out.problem("cluster objects", e);
                return;
            }
        },
    };
    let resources: Vec<(ApiResource, bool)> = discovery
        .groups()
        .flat_map(|g| g.recommended_resources())
        .filter(|(ar, caps)| caps.supports_operation(verbs::LIST) && !is_duplicate(ar))
        .map(|(ar, caps)| {
            let namespaced = caps.scope == kube::discovery::Scope::Namespaced;
            (ar, namespaced)
        })
        .collect();

    let listed: Vec<(ApiResource, Vec<Value>)> = futures::stream::iter(resources)
        .map(|(ar, _)| async move {
            let items = if is_secret(&ar) {
                list_secret_names(client, &ar, out).await
            } else {
                list_objects(client, &ar, out).await
            };
            (ar, items)
        })
        .buffer_unordered(PARALLEL_LISTS)
        .collect()
        .await;

    for (ar, items) in &listed {
        if is_secret(ar) {
            out.write_text("cluster/secrets.txt", secrets_text(items))
                .await;
            continue;
        }
        for (dir, objects) in by_namespace(items) {
            let list = serde_json::json!({
                "apiVersion": "v1",
                "kind": "List",
                "items": objects,
            });
            let text = serde_saphyr::to_string(&list).unwrap_or_else(|e| format!("# {e}\n"));
            out.write_text(
                &format!("cluster/resources/{dir}/{}.yaml", file_name(ar)),
                text,
            )
            .await;
        }
        if ar.group.is_empty() && ar.plural == "pods" {
            out.write_text("cluster/pods.txt", pods_text(items)).await;
        }
        if ar.group.is_empty() && ar.plural == "events" {
            out.write_text("cluster/events.txt", events_text(items))
                .await;
        }
    }
}

fn is_secret(ar: &ApiResource) -> bool {
    ar.group.is_empty() && ar.plural == "secrets"
}

/// events.k8s.io repeats core Events.
fn is_duplicate(ar: &ApiResource) -> bool {
    ar.group == "events.k8s.io" && ar.plural == "events"
}

/// `pods.yaml`, `deployments.apps.yaml`.
pub fn file_name(ar: &ApiResource) -> String {
    if ar.group.is_empty() {
        ar.plural.clone()
    } else {
        format!("{}.{}", ar.plural, ar.group)
    }
}

async fn list_objects(client: &kube::Client, ar: &ApiResource, out: &Output) -> Vec<Value> {
    let api: Api<DynamicObject> = Api::all_with(client.clone(), ar);
    match timed(&file_name(ar), api.list(&ListParams::default())).await {
        Ok(list) => list
            .items
            .into_iter()
            .filter_map(|o| serde_json::to_value(o).ok())
            .map(|v| tidy(v, ar))
            .collect(),
        Err(e) => {
            out.problem(format!("cluster: listing {}", file_name(ar)), e);
            Vec::new()
        }
    }
}

/// Names only: `{namespace, name}` from a metadata-only list.
async fn list_secret_names(client: &kube::Client, ar: &ApiResource, out: &Output) -> Vec<Value> {
    let api: Api<DynamicObject> = Api::all_with(client.clone(), ar);
    match timed("secrets", api.list_metadata(&ListParams::default())).await {
        Ok(list) => list
            .items
            .into_iter()
            .map(|m| {
                serde_json::json!({
                    "namespace": m.metadata.namespace.unwrap_or_default(),
                    "name": m.metadata.name.unwrap_or_default(),
                })
            })
            .collect(),
        Err(e) => {
            out.problem("cluster: listing secrets", e);
            Vec::new()
        }
    }
}

/// Give each item its apiVersion and kind (lists leave them out) and drop
/// managedFields (bookkeeping, not state).
pub fn tidy(mut object: Value, ar: &ApiResource) -> Value {
    if let Some(map) = object.as_object_mut() {
        let mut tidied = serde_json::Map::new();
        tidied.insert("apiVersion".into(), ar.api_version.clone().into());
        tidied.insert("kind".into(), ar.kind.clone().into());
        for (k, v) in std::mem::take(map) {
            if k != "apiVersion" && k != "kind" {
                tidied.insert(k, v);
            }
        }
        if let Some(meta) = tidied.get_mut("metadata").and_then(|m| m.as_object_mut()) {
            meta.remove("managedFields");
        }
        *map = tidied;
    }
    object
}

/// Objects grouped by namespace directory.
pub fn by_namespace(items: &[Value]) -> BTreeMap<String, Vec<&Value>> {
    let mut groups: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for item in items {
        let ns = item
            .pointer("/metadata/namespace")
            .and_then(|n| n.as_str())
            .filter(|n| !n.is_empty())
            .unwrap_or(CLUSTER_SCOPED_DIR);
        groups.entry(ns.to_string()).or_default().push(item);
    }
    groups
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(|s| s.as_str()).unwrap_or("")
}

pub fn secrets_text(items: &[Value]) -> String {
    let mut out =
        String::from("# Secrets by name only: devk never exports their data.\nNAMESPACE NAME\n");
    for s in items {
        out.push_str(&format!(
            "{} {}\n",
            str_at(s, "/namespace"),
            str_at(s, "/name")
        ));
    }
    out
}

/// Like `kubectl get pods -A -o wide`.
pub fn pods_text(items: &[Value]) -> String {
    let mut rows = vec![
        [
            "NAMESPACE",
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "NODE",
            "IP",
        ]
        .map(String::from),
    ];
    for p in items {
        let statuses = p
            .pointer("/status/containerStatuses")
            .and_then(|s| s.as_array())
            .cloned()
            .unwrap_or_default();
        let ready = statuses
            .iter()
            .filter(|s| s.get("ready").and_then(|r| r.as_bool()) == Some(true))
            .count();
        let restarts: i64 = statuses
            .iter()
            .filter_map(|s| s.get("restartCount").and_then(|r| r.as_i64()))
            .sum();
        // A waiting or terminated container's reason says more than the phase.
        let reason = statuses
            .iter()
            .find_map(|s| {
                s.pointer("/state/waiting/reason")
                    .or_else(|| s.pointer("/state/terminated/reason"))
                    .and_then(|r| r.as_str())
            })
            .unwrap_or_else(|| str_at(p, "/status/phase"));
        rows.push([
            str_at(p, "/metadata/namespace").to_string(),
            str_at(p, "/metadata/name").to_string(),
            format!("{ready}/{}", statuses.len()),
            reason.to_string(),
            restarts.to_string(),
            str_at(p, "/spec/nodeName").to_string(),
            str_at(p, "/status/podIP").to_string(),
        ]);
    }
    table(&rows)
}

/// Events oldest first, like `kubectl get events -A --sort-by=.lastTimestamp`.
pub fn events_text(items: &[Value]) -> String {
    let when = |e: &Value| -> String {
        [
            "/lastTimestamp",
            "/eventTime",
            "/firstTimestamp",
            "/metadata/creationTimestamp",
        ]
        .iter()
        .map(|p| str_at(e, p))
        .find(|s| !s.is_empty())
        .unwrap_or("")
        .to_string()
    };
    let mut sorted: Vec<&Value> = items.iter().collect();
    sorted.sort_by_key(|e| when(e));
    let mut rows =
        vec![["TIME", "NAMESPACE", "TYPE", "REASON", "OBJECT", "MESSAGE"].map(String::from)];
    for e in sorted {
        rows.push([
            when(e),
            str_at(e, "/metadata/namespace").to_string(),
            str_at(e, "/type").to_string(),
            str_at(e, "/reason").to_string(),
            format!(
                "{}/{}",
                str_at(e, "/involvedObject/kind").to_lowercase(),
                str_at(e, "/involvedObject/name")
            ),
            str_at(e, "/message").replace('\n', " "),
        ]);
    }
    table(&rows)
}

fn table<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i + 1 == N {
                    c.clone()
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ar(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
        ApiResource {
            group: group.into(),
            version: version.into(),
            api_version: if group.is_empty() {
                version.into()
            } else {
                format!("{group}/{version}")
            },
            kind: kind.into(),
            plural: plural.into(),
        }
    }

    #[test]
    fn objects_get_their_type_and_lose_managed_fields() {
        let deploy = ar("apps", "v1", "Deployment", "deployments");
        let v = tidy(
            json!({"metadata": {"name": "web", "namespace": "a", "managedFields": [{}]}, "spec": {}}),
            &deploy,
        );
        assert_eq!(v["apiVersion"], "apps/v1");
        assert_eq!(v["kind"], "Deployment");
        assert!(v["metadata"].get("managedFields").is_none());
        assert_eq!(file_name(&deploy), "deployments.apps");
        assert_eq!(file_name(&ar("", "v1", "Pod", "pods")), "pods");
    }

    #[test]
    fn objects_are_grouped_by_namespace_with_cluster_scoped_apart() {
        let items = vec![
            json!({"metadata": {"name": "n1"}}),
            json!({"metadata": {"name": "p", "namespace": "b"}}),
            json!({"metadata": {"name": "q", "namespace": "a"}}),
            json!({"metadata": {"name": "r", "namespace": "a"}}),
        ];
        let groups = by_namespace(&items);
        let keys: Vec<&str> = groups.keys().map(String::as_str).collect();
        assert_eq!(keys, ["_cluster", "a", "b"]);
        assert_eq!(groups["a"].len(), 2);
    }

    #[test]
    fn secrets_text_has_names_and_nothing_else() {
        let text = secrets_text(&[json!({"namespace": "default", "name": "db"})]);
        assert!(text.contains("default db\n"));
        assert!(text.contains("never exports their data"));
    }

    #[test]
    fn pods_show_readiness_restarts_and_the_telling_reason() {
        let pods = vec![json!({
            "metadata": {"namespace": "default", "name": "web-1"},
            "spec": {"nodeName": "dev-worker"},
            "status": {"phase": "Running", "podIP": "10.244.1.5", "containerStatuses": [
                {"ready": true, "restartCount": 1, "state": {"running": {}}},
                {"ready": false, "restartCount": 2, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
            ]}
        })];
        let text = pods_text(&pods);
        let row = text.lines().nth(1).unwrap();
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            cols,
            [
                "default",
                "web-1",
                "1/2",
                "CrashLoopBackOff",
                "3",
                "dev-worker",
                "10.244.1.5"
            ]
        );
    }

    #[test]
    fn events_are_sorted_oldest_first() {
        let events = vec![
            json!({"metadata": {"namespace": "a"}, "lastTimestamp": "2025-01-01T00:00:02Z",
                   "type": "Normal", "reason": "Started", "involvedObject": {"kind": "Pod", "name": "p"},
                   "message": "second"}),
            json!({"metadata": {"namespace": "a"}, "eventTime": "2025-01-01T00:00:01.000000Z",
                   "type": "Warning", "reason": "Failed", "involvedObject": {"kind": "Pod", "name": "p"},
                   "message": "first\nline"}),
        ];
        let text = events_text(&events);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].contains("first line") && lines[1].contains("pod/p"));
        assert!(lines[2].ends_with("second"));
    }
}
