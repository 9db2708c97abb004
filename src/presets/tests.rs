use serde_json::{json, Value};

use super::*;
use crate::store::Store;

fn markets() -> Vec<String> {
    vec!["INJ/USDT".into(), "INJ/USDT-PERP".into()]
}

fn new(name: &str, market: &str, bot_type: &str, params: Value) -> NewPreset {
    NewPreset {
        name: name.into(),
        market: market.into(),
        bot_type: bot_type.into(),
        params,
        overwrite: false,
    }
}

fn check(bot_type: &str, params: Value) -> Result<ValidPreset, String> {
    new("p", "INJ/USDT", bot_type, params).validate(&markets())
}

#[test]
fn names_at_40_and_41_characters() {
    let forty = "n".repeat(40);
    let p = new(&forty, "INJ/USDT", "grid", json!({})).validate(&markets());
    assert_eq!(p.unwrap().name.as_str(), forty);
    let e = new(&"n".repeat(41), "INJ/USDT", "grid", json!({}))
        .validate(&markets())
        .unwrap_err();
    assert!(e.starts_with("name: 41 characters is too long"), "{e}");
    for bad in ["", "a/b", "tab\there", " lead", "x<y"] {
        let e = new(bad, "INJ/USDT", "grid", json!({}))
            .validate(&markets())
            .unwrap_err();
        assert!(e.starts_with("name: "), "{bad:?}: {e}");
    }
    assert!(new("Wide MM_v1.2-b", "INJ/USDT", "grid", json!({}))
        .validate(&markets())
        .is_ok());
}

/// Each rule comes from the bot's own checks: the value just inside passes, just outside is
/// refused with the field's name.
#[test]
fn every_parameter_rule_is_the_starts_rule_at_its_boundary() {
    let cases: &[(&str, Value, Value, &str)] = &[
        (
            "market_maker",
            json!({"spread_bps": "0.0001"}),
            json!({"spread_bps": "0"}),
            "spread_bps",
        ),
        (
            "market_maker",
            json!({"spread_bps": "5000"}),
            json!({"spread_bps": "5000.0001"}),
            "spread_bps",
        ),
        (
            "market_maker",
            json!({"spread_bps": "1"}),
            json!({"spread_bps": "-1"}),
            "spread_bps",
        ),
        (
            "market_maker",
            json!({"levels": 1}),
            json!({"levels": 0}),
            "levels",
        ),
        (
            "market_maker",
            json!({"levels": 20}),
            json!({"levels": 21}),
            "levels",
        ),
        ("grid", json!({"levels": 2}), json!({"levels": 1}), "levels"),
        (
            "grid",
            json!({"levels": 100}),
            json!({"levels": 101}),
            "levels",
        ),
        (
            "grid",
            json!({"range_pct": "50"}),
            json!({"range_pct": "50.01"}),
            "range_pct",
        ),
        ("grid", json!({"levels": 5}), json!({"levels": 0}), "levels"),
        (
            "grid",
            json!({"risk": {"max_open_orders": 50}}),
            json!({"risk": {"max_open_orderz": 50}}),
            "max_open_orderz",
        ),
        (
            "twap",
            json!({"side": "sell"}),
            json!({"side": "hold"}),
            "hold",
        ),
        ("twap", json!({}), json!({"colour": "red"}), "colour"),
        (
            "market_maker",
            json!({"spread_bps": "1"}),
            json!({"spread_bps": "wide"}),
            "invalid params: spread_bps: ",
        ),
        (
            "grid",
            json!({"risk": {"max_open_orders": 1}}),
            json!({"risk": {"max_open_orders": -1}}),
            "risk.max_open_orders: ",
        ),
        (
            "grid",
            json!({"risk": {"max_open_orders": 1}}),
            json!({"risk": {"max_open_orders": 0}}),
            "risk.max_open_orders must be between 1 and 1000",
        ),
    ];
    for (t, ok, bad, field) in cases {
        assert!(check(t, ok.clone()).is_ok(), "{t} {ok} should pass");
        let e = check(t, bad.clone()).unwrap_err();
        assert!(e.contains(field), "{t} {bad}: {e:?} should name {field}");
        // The very sentence a start gives for the same parameters.
        let start = crate::bots::BotSpec::parse("INJ/USDT", t, bad.clone(), &markets());
        assert_eq!(start.unwrap_err(), e);
    }
}

#[test]
fn market_bot_type_and_shape_are_checked_like_a_start() {
    let e = new("p", "TIA/USDT", "grid", json!({})).validate(&markets());
    assert!(e.unwrap_err().contains("not configured"));
    let e = new("p", "inj/usdt", "grid", json!({})).validate(&markets());
    assert!(e.unwrap_err().contains("market"));
    let e = new("p", "INJ/USDT", "hodl", json!({})).validate(&markets());
    assert!(e.unwrap_err().contains("unknown bot type"));
    let e = new("p", "INJ/USDT", "grid", json!([1])).validate(&markets());
    assert!(e.unwrap_err().contains("JSON object"));
    let big = json!({ "x": "y".repeat(5000) });
    let e = new("p", "INJ/USDT", "grid", big).validate(&markets());
    assert!(e.unwrap_err().contains("larger than"));
}

/// Every field of every bot type's schema refuses free text, so a preset cannot hold a
/// mnemonic or a key; the refusal kept for the audit log does not repeat it.
#[test]
fn no_parameter_can_carry_free_text() {
    let secret = "abandon ability able about above absent absorb abstract";
    for t in crate::bots::BotType::ALL {
        let schema = tradebot_contract::params::schema_for(t);
        let mut fields: Vec<(Option<&str>, &String)> = Vec::new();
        for (k, v) in schema["properties"].as_object().unwrap() {
            match v["properties"].as_object() {
                Some(inner) => fields.extend(inner.keys().map(|i| (Some(k.as_str()), i))),
                None => fields.push((None, k)),
            }
        }
        assert!(fields.len() > 5, "{t}: {fields:?}");
        for (outer, field) in fields {
            let params = match outer {
                Some(o) => json!({ o: { field.as_str(): secret } }),
                None => json!({ field.as_str(): secret }),
            };
            let p = new("p", "INJ/USDT", t.as_str(), params);
            let e = p.clone().validate(&markets()).unwrap_err();
            let kept = p.refused_details(&e).to_string();
            assert!(!kept.contains("abandon"), "{t}.{field}: {kept}");
            // ... and still says which field it was.
            assert!(
                e.contains(field.as_str()) && kept.contains(field.as_str()),
                "{e} / {kept}"
            );
        }
    }
}

#[test]
fn refusals_keep_only_valid_identifiers() {
    let p = new("../x", "INJ/USDT", "grid", json!({}));
    let d = p.refused_details("name: '/' is not allowed");
    assert_eq!(d["name"], Value::Null);
    assert_eq!(d["market"], "INJ/USDT");
    assert_eq!(d["bot_type"], "grid");
    assert!(d.get("params").is_none());
    assert_eq!(
        redact_quoted(r#"invalid value: string "s3cret", expected "a" or"#),
        r#"invalid value: string "…", expected "…" or"#
    );
}

#[tokio::test]
async fn save_list_find_replace_and_remove() {
    let store = Store::memory().await.unwrap();
    let pool = store.pool();
    let a = check("grid", json!({"levels": 5})).unwrap();
    let Saved::Created(id) = store::save(pool, &a, "otto", 10).await.unwrap() else {
        panic!("not created");
    };
    // The same name on the same market: taken, nothing changed.
    let b = check("grid", json!({"levels": 7})).unwrap();
    assert_eq!(
        store::save(pool, &b, "otto", 11).await.unwrap(),
        Saved::Taken
    );
    let found = store::find(pool, "INJ/USDT", "p").await.unwrap().unwrap();
    assert_eq!(found.params, json!({"levels": 5}));
    assert_eq!((found.created_ms, found.updated_ms), (10, 10));
    // The same name on another market is another preset.
    let mut perp = new("p", "INJ/USDT-PERP", "twap", json!({}))
        .validate(&markets())
        .unwrap();
    assert!(matches!(
        store::save(pool, &perp, "ada", 12).await.unwrap(),
        Saved::Created(_)
    ));
    assert_eq!(store::list(pool, Some("INJ/USDT")).await.unwrap().len(), 1);
    assert_eq!(store::list(pool, None).await.unwrap().len(), 2);
    // Replacing, when asked: same id, new parameters, creator kept.
    let mut c = b.clone();
    c.overwrite = true;
    assert_eq!(
        store::save(pool, &c, "ada", 13).await.unwrap(),
        Saved::Replaced(id)
    );
    let found = store::find(pool, "INJ/USDT", "p").await.unwrap().unwrap();
    assert_eq!(found.params, json!({"levels": 7}));
    assert_eq!(
        (
            found.created_by.as_str(),
            found.created_ms,
            found.updated_ms
        ),
        ("otto", 10, 13)
    );
    let removed = store::remove(pool, id).await.unwrap().unwrap();
    assert_eq!(removed.name, "p");
    assert!(store::remove(pool, id).await.unwrap().is_none());
    perp.overwrite = true;
    assert!(matches!(
        store::save(pool, &perp, "ada", 14).await.unwrap(),
        Saved::Replaced(_)
    ));
    assert_eq!(store::list(pool, Some("INJ/USDT")).await.unwrap(), vec![]);
}
