//! Strict JSON for request bodies the daemon will act on.
//!
//! The Docker daemon (Go's encoding/json) matches keys case-insensitively, decodes `\u`
//! escapes in keys and keeps the *last* of duplicate keys. A filter that reads JSON any other
//! way can be bypassed (`{"Privileged":false,"privileged":true}`). So: keys are compared after
//! escape decoding (serde_json does it), duplicates are refused case-insensitively, and keys
//! outside ASCII are refused (Go folds `ſ` to `s` and the Kelvin sign to `k`).

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JsonError(pub String);

/// Parses `bytes` as one JSON value, refusing duplicate and non-ASCII keys.
pub fn parse_strict(bytes: &[u8]) -> Result<Value, JsonError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = StrictValue
        .deserialize(&mut de)
        .map_err(|e| JsonError(format!("invalid JSON body: {e}")))?;
    de.end()
        .map_err(|e| JsonError(format!("invalid JSON body: {e}")))?;
    Ok(value)
}

struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictValue)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        // A set, not a list: 64 KiB of one-letter keys must not cost a quadratic scan.
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !key.is_ascii() {
                return Err(de::Error::custom(format!(
                    "key {key:?} is not ASCII (the daemon's case folding could alias it to another field)"
                )));
            }
            let folded = key.to_ascii_lowercase();
            if !seen.insert(folded) {
                return Err(de::Error::custom(format!(
                    "duplicate key {key:?} (keys are case-insensitive)"
                )));
            }
            let value = map.next_value_seed(StrictValue)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_json_parses() {
        let v =
            parse_strict(br#"{"Image":"x","HostConfig":{"Memory":1,"CapDrop":["ALL"]}}"#).unwrap();
        assert_eq!(v["HostConfig"]["Memory"], 1);
    }

    #[test]
    fn duplicates_are_refused_in_any_case_and_after_escapes() {
        for body in [
            r#"{"Privileged":false,"Privileged":true}"#,
            r#"{"Privileged":false,"privileged":true}"#,
            r#"{"HostConfig":{"Privileged":false,"PRIVILEGED":true}}"#,
            r#"{"Privileged":false,"\u0050rivileged":true}"#,
            r#"{"a":[{"b":1,"B":2}]}"#,
        ] {
            let err = parse_strict(body.as_bytes()).unwrap_err();
            assert!(err.0.contains("duplicate"), "{body}: {err}");
        }
    }

    #[test]
    fn non_ascii_keys_and_trailing_data_are_refused() {
        assert!(parse_strict("{\"\u{17f}ecurityOpt\":[]}".as_bytes()).is_err());
        assert!(parse_strict("{\"\u{212a}\":1}".as_bytes()).is_err());
        assert!(parse_strict(br#"{"a":1} {"a":2}"#).is_err());
        assert!(parse_strict(b"").is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)) {
            let _ = parse_strict(&bytes);
        }
    }
}
