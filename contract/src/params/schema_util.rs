//! Builds the dashboard's form schema, one property per call.

use serde_json::{json, Map, Value};

/// One numeric or string property. `default` may be `Value::Null` ("computed at start").
pub fn prop(
    ty: &str,
    default: Value,
    min: Option<f64>,
    max: Option<f64>,
    description: &str,
) -> Value {
    let mut p = Map::new();
    p.insert("type".into(), json!(ty));
    p.insert("default".into(), default);
    if let Some(m) = min {
        p.insert("minimum".into(), json!(m));
    }
    if let Some(m) = max {
        p.insert("maximum".into(), json!(m));
    }
    p.insert("description".into(), json!(description));
    Value::Object(p)
}

pub fn object(title: &str, description: &str, properties: Vec<(&str, Value)>) -> Value {
    let props: Map<String, Value> = properties
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    json!({
        "type": "object",
        "title": title,
        "description": description,
        "additionalProperties": false,
        "properties": props,
    })
}
