//! Label selectors (`matchLabels`, `matchExpressions`) evaluated on JSON
//! objects, to find a workload's pods among the pods of its namespace.

use serde_json::{Map, Value};

/// Whether `labels` satisfy `selector`, a LabelSelector as JSON. An empty
/// selector (`{}`) selects everything, as Kubernetes reads it for
/// workloads; anything that is not an object selects nothing.
pub fn selects(selector: &Value, labels: Option<&Map<String, Value>>) -> bool {
    let Some(selector) = selector.as_object() else {
        return false;
    };
    let label = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
    if let Some(wanted) = selector.get("matchLabels").and_then(Value::as_object) {
        for (key, value) in wanted {
            if label(key) != value.as_str() {
                return false;
            }
        }
    }
    let expressions = selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    expressions.iter().all(|expression| {
        let key = expression
            .get("key")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let values: Vec<&str> = expression
            .get("values")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let have = label(key);
        match expression.get("operator").and_then(Value::as_str) {
            Some("In") => have.is_some_and(|h| values.contains(&h)),
            Some("NotIn") => have.is_none_or(|h| !values.contains(&h)),
            Some("Exists") => have.is_some(),
            Some("DoesNotExist") => have.is_none(),
            // An operator we do not know selects nothing rather than everything.
            _ => false,
        }
    })
}

/// The object's labels, if it has any.
pub fn labels_of(object: &Value) -> Option<&Map<String, Value>> {
    object
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selector_table() {
        let pod = json!({"metadata": {"labels": {"app": "web", "tier": "fe"}}});
        let labels = labels_of(&pod);
        let cases = [
            (json!({}), true),
            (json!({"matchLabels": {"app": "web"}}), true),
            (json!({"matchLabels": {"app": "web", "tier": "be"}}), false),
            (json!({"matchLabels": {"zone": "a"}}), false),
            (
                json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe", "be"]}]}),
                true,
            ),
            (
                json!({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["fe"]}]}),
                false,
            ),
            (
                json!({"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["a"]}]}),
                true,
            ),
            (
                json!({"matchExpressions": [{"key": "app", "operator": "Exists"}]}),
                true,
            ),
            (
                json!({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}),
                false,
            ),
            (
                json!({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "zone", "operator": "Exists"}]}),
                false,
            ),
            (
                json!({"matchExpressions": [{"key": "app", "operator": "Like"}]}),
                false,
            ),
            (json!(null), false),
        ];
        for (selector, want) in cases {
            assert_eq!(selects(&selector, labels), want, "{selector}");
        }
        assert!(!selects(&json!({"matchLabels": {"app": "web"}}), None));
        assert!(selects(&json!({}), None));
    }
}
