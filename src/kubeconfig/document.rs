//! Pure edits of a kubeconfig document held as a `serde_json::Value` (with
//! `preserve_order`, so untouched parts keep their order): upsert and remove
//! devk's cluster/user/context triple, read it back, and the YAML text
//! conversions. Everything devk does not own is left exactly as it was.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use super::Entry;

/// A document whose shape devk cannot edit safely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidShape {
    /// Where, e.g. `clusters` or `clusters[3].cluster`.
    pub field: String,
    pub expected: &'static str,
}

const LISTS: [(&str, &str); 3] = [
    ("clusters", "cluster"),
    ("users", "user"),
    ("contexts", "context"),
];

/// Fields in a cluster stanza that would conflict with the embedded CA.
const CLUSTER_CONFLICTS: &[&str] = &["certificate-authority", "insecure-skip-tls-verify"];

/// Credentials in a user stanza that would be used instead of, or besides,
/// the client certificate (a stale token from an older cluster of the same
/// name would win and fail).
const USER_CONFLICTS: &[&str] = &[
    "client-certificate",
    "client-key",
    "token",
    "tokenFile",
    "username",
    "password",
    "auth-provider",
    "exec",
    "as",
    "as-uid",
    "as-groups",
    "as-user-extra",
];

/// Checks the parts devk reads or edits: the top level is a mapping (or
/// empty), `clusters`/`users`/`contexts` are lists of mappings (or absent /
/// null), `current-context` is a string (or absent / null).
pub fn check_shape(doc: &Value) -> Result<(), InvalidShape> {
    let top = match doc {
        Value::Null => return Ok(()),
        Value::Object(top) => top,
        _ => {
            return Err(InvalidShape {
                field: "(top level)".into(),
                expected: "a mapping",
            });
        }
    };
    for (list, _) in LISTS {
        match top.get(list) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    if !item.is_object() {
                        return Err(InvalidShape {
                            field: format!("{list}[{i}]"),
                            expected: "a mapping",
                        });
                    }
                }
            }
            Some(_) => {
                return Err(InvalidShape {
                    field: list.into(),
                    expected: "a list",
                });
            }
        }
    }
    match top.get("current-context") {
        None | Some(Value::Null) | Some(Value::String(_)) => Ok(()),
        Some(_) => Err(InvalidShape {
            field: "current-context".into(),
            expected: "a string",
        }),
    }
}

/// Adds or updates the cluster, user and context named `entry.name`, keeping
/// every other entry and every field devk does not set (in our own entries
/// too: a context's `namespace`, `extensions`). Optionally makes the context
/// current.
pub fn merge_entry(doc: &mut Value, entry: &Entry, make_current: bool) -> Result<(), InvalidShape> {
    check_shape(doc)?;
    if doc.is_null() {
        *doc = empty_config();
    }
    let Value::Object(top) = doc else {
        unreachable!("check_shape accepted only null or a mapping");
    };
    for (key, value) in [("apiVersion", "v1"), ("kind", "Config")] {
        top.entry(key)
            .or_insert_with(|| Value::String(value.into()));
    }

    let ca = STANDARD.encode(&entry.ca_pem);
    upsert(
        top,
        "clusters",
        "cluster",
        &entry.name,
        CLUSTER_CONFLICTS,
        |stanza| {
            stanza.insert("server".into(), entry.server.clone().into());
            stanza.insert("certificate-authority-data".into(), ca.into());
        },
    );
    upsert(
        top,
        "users",
        "user",
        &entry.name,
        USER_CONFLICTS,
        |stanza| {
            stanza.insert(
                "client-certificate-data".into(),
                STANDARD.encode(&entry.client_cert_pem).into(),
            );
            stanza.insert(
                "client-key-data".into(),
                STANDARD.encode(&entry.client_key_pem).into(),
            );
        },
    );
    upsert(top, "contexts", "context", &entry.name, &[], |stanza| {
        stanza.insert("cluster".into(), entry.name.clone().into());
        stanza.insert("user".into(), entry.name.clone().into());
    });
    if make_current {
        top.insert("current-context".into(), entry.name.clone().into());
    }
    Ok(())
}

/// Removes the cluster, user and context named `name`; clears
/// `current-context` if it pointed there. True if anything changed.
pub fn remove_entry(doc: &mut Value, name: &str) -> Result<bool, InvalidShape> {
    check_shape(doc)?;
    let Value::Object(top) = doc else {
        return Ok(false);
    };
    let mut changed = false;
    for (list, _) in LISTS {
        if let Some(Value::Array(items)) = top.get_mut(list) {
            let before = items.len();
            items.retain(|item| item_name(item) != Some(name));
            changed |= items.len() != before;
        }
    }
    if top.get("current-context").and_then(Value::as_str) == Some(name) {
        // kubectl writes an unset current context as "".
        top.insert("current-context".into(), Value::String(String::new()));
        changed = true;
    }
    Ok(changed)
}

/// devk's entry named `name`, when the cluster, user and context all exist
/// with embedded data.
pub fn read_entry(doc: &Value, name: &str) -> Option<Entry> {
    let stanza = |list: &str, field: &str| -> Option<&Map<String, Value>> {
        doc.get(list)?
            .as_array()?
            .iter()
            .find(|item| item_name(item) == Some(name))?
            .get(field)?
            .as_object()
    };
    let decode = |stanza: &Map<String, Value>, key: &str| -> Option<String> {
        let bytes = STANDARD.decode(stanza.get(key)?.as_str()?).ok()?;
        String::from_utf8(bytes).ok()
    };
    let context = stanza("contexts", "context")?;
    let cluster = stanza("clusters", "cluster")?;
    let user = stanza("users", "user")?;
    if context.get("cluster")?.as_str()? != name || context.get("user")?.as_str()? != name {
        return None;
    }
    Some(Entry {
        name: name.to_string(),
        server: cluster.get("server")?.as_str()?.to_string(),
        ca_pem: decode(cluster, "certificate-authority-data")?,
        client_cert_pem: decode(user, "client-certificate-data")?,
        client_key_pem: decode(user, "client-key-data")?,
    })
}

/// A new, empty kubeconfig with kubectl's top-level keys in kubectl's order.
fn empty_config() -> Value {
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [],
        "contexts": [],
        "current-context": "",
        "preferences": {},
        "users": [],
    })
}

fn item_name(item: &Value) -> Option<&str> {
    item.get("name")?.as_str()
}

/// Updates the first item named `name` in `top[list]` (its `field` stanza:
/// `set` writes devk's keys, `conflicts` are removed, the rest stays), drops
/// later duplicates of it, or appends a new item.
fn upsert(
    top: &mut Map<String, Value>,
    list: &str,
    field: &str,
    name: &str,
    conflicts: &[&str],
    set: impl FnOnce(&mut Map<String, Value>),
) {
    let items = top.entry(list).or_insert_with(|| Value::Array(Vec::new()));
    if items.is_null() {
        *items = Value::Array(Vec::new());
    }
    let Value::Array(items) = items else {
        unreachable!("check_shape accepted only a list or null");
    };
    let mut positions = items
        .iter()
        .enumerate()
        .filter(|(_, item)| item_name(item) == Some(name))
        .map(|(i, _)| i);
    let first = positions.next();
    let duplicates: Vec<usize> = positions.collect();
    for i in duplicates.into_iter().rev() {
        items.remove(i);
    }
    let item = match first {
        Some(i) => &mut items[i],
        None => {
            let mut item = Map::new();
            item.insert("name".into(), name.into());
            items.push(Value::Object(item));
            items.last_mut().expect("just pushed")
        }
    };
    let Value::Object(item) = item else {
        unreachable!("check_shape accepted only mappings as items");
    };
    let stanza = item
        .entry(field)
        .or_insert_with(|| Value::Object(Map::new()));
    if !stanza.is_object() {
        *stanza = Value::Object(Map::new());
    }
    let Value::Object(stanza) = stanza else {
        unreachable!("replaced by a mapping just above");
    };
    for key in conflicts {
        stanza.remove(*key);
    }
    set(stanza);
}

/// Parses kubeconfig text (empty text is an empty document).
pub fn parse(text: &str) -> Result<Value, serde_saphyr::Error> {
    serde_saphyr::from_str(text)
}

/// YAML text for a document. Long strings (base64 data) stay on one line, as
/// kubectl writes them, instead of folded block scalars.
pub fn to_yaml(doc: &Value) -> Result<String, String> {
    let options = serde_saphyr::ser_options! { prefer_block_scalars: false };
    serde_saphyr::to_string_with_options(doc, options).map_err(|e| e.to_string())
}
