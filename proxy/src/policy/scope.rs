//! Which containers the proxy acts on: this stack's bots, and nothing else on the engine.
//! A container-scoped request needs [`Policy::owns`]; list and events get
//! [`Policy::scope_query`]'s label filters, which the daemon ANDs with the caller's.

use serde_json::{json, Map, Value};

use super::{Denied, Policy};

impl Policy {
    /// Whether a container's labels (`Config.Labels` of an inspect, `Labels` of a list entry)
    /// make it one of this stack's bots: the managed label `"true"` and the stack label
    /// naming [`Policy::stack`]. A managed bot of another stack on the same engine is not ours.
    pub fn owns(&self, labels: &Value) -> bool {
        labels[&self.managed_label] == "true" && labels[&self.stack_label] == self.stack.as_str()
    }

    /// The label filters (`key=value`) that scope list and events to this stack's bots.
    pub fn scope_filters(&self) -> [String; 2] {
        [
            format!("{}=true", self.managed_label),
            format!("{}={}", self.stack_label, self.stack),
        ]
    }

    /// Adds [`Policy::scope_filters`] to the `filters` parameter of a list or events query
    /// (and `type=container` for events). The caller's own label filters stay: Docker ANDs
    /// label filters, so they can only narrow the result. Errors: `filters` that is not a
    /// strict JSON object, or a `label` entry that is neither a list nor an object.
    pub fn scope_query(
        &self,
        mut query: Vec<(String, String)>,
        events: bool,
    ) -> Result<Vec<(String, String)>, Denied> {
        let mut filters: Map<String, Value> = match query.iter().position(|(k, _)| k == "filters") {
            Some(i) => {
                let (_, raw) = query.remove(i);
                match crate::json::parse_strict(raw.as_bytes())
                    .map_err(|e| Denied(format!("filters: {e}")))?
                {
                    Value::Object(m) => m,
                    _ => return Err(Denied("filters must be a JSON object".into())),
                }
            }
            None => Map::new(),
        };
        // The older API spells a filter list as an object `{"value": true}`.
        let mut labels: Vec<Value> = match filters.remove("label") {
            Some(Value::Array(a)) => a,
            Some(Value::Object(o)) => o.keys().map(|k| json!(k)).collect(),
            Some(_) => return Err(Denied("filters.label must be a list".into())),
            None => Vec::new(),
        };
        labels.extend(self.scope_filters().into_iter().map(Value::String));
        filters.insert("label".into(), Value::Array(labels));
        if events {
            filters.insert("type".into(), json!(["container"]));
        }
        query.push(("filters".into(), Value::Object(filters).to_string()));
        Ok(query)
    }
}
