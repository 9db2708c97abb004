use serde_json::json;

use super::*;

#[test]
fn empty_params_take_defaults_for_every_type_and_market() {
    for t in bot_types() {
        for m in crate::markets::MARKET_NAMES {
            validate(t, m, &json!({})).unwrap();
            validate(t, m, &Value::Null).unwrap();
        }
        let s = schema(t).unwrap();
        assert_eq!(s["type"], "object");
        assert!(s["properties"]["risk"]["properties"]["max_open_orders"]["default"].is_number());
    }
    assert!(schema("moon").is_none());
}

#[test]
fn bad_params_are_refused_with_one_line() {
    for (t, p, expect) in [
        (
            "market_maker",
            json!({"spread_bps": -5}),
            "spread_bps must be",
        ),
        (
            "market_maker",
            json!({"levels": 0}),
            "levels must be between 1 and 20",
        ),
        ("market_maker", json!({"levels": -1}), "invalid params"),
        ("market_maker", json!({"sprad_bps": 5}), "unknown field"),
        (
            "grid",
            json!({"lower_price": 30, "upper_price": 20}),
            "price range inverted",
        ),
        ("grid", json!({"lower_price": 30}), "or neither"),
        ("grid", json!({"levels": 1}), "levels must be between 2"),
        ("twap", json!({"slices": 0}), "slices must be"),
        ("twap", json!({"side": "hold"}), "invalid params"),
        ("twap", json!([]), "must be a JSON object"),
        (
            "market_maker",
            json!({"risk": {"max_daily_loss": 0}}),
            "risk.max_daily_loss",
        ),
        ("moon", json!({}), "unknown bot type"),
    ] {
        let err = validate(t, "INJ/USDT", &p).unwrap_err();
        assert!(err.contains(expect), "{p}: {err}");
        assert!(!err.contains('\n'), "{err}");
    }
    assert!(validate("grid", "BTC/USDT", &json!({}))
        .unwrap_err()
        .contains("unknown market"));
}

#[test]
fn numbers_and_strings_both_parse_as_decimals() {
    let p = BotParams::parse(
        "market_maker",
        "TIA/USDT-PERP",
        &json!({"spread_bps": "12.5", "order_size": 3}),
    )
    .unwrap();
    let BotParams::MarketMaker(mm) = p else {
        panic!("wrong type")
    };
    assert_eq!(mm.spread_bps.to_string(), "12.5");
    assert_eq!(mm.order_size.unwrap().to_string(), "3");
}

/// The form lists every field of each bot type, and its defaults are the bot's own: a form
/// filled with them starts exactly the bot that `{}` starts.
#[test]
fn the_form_has_every_field_with_the_bots_own_defaults() {
    let risk = [
        "max_daily_loss",
        "max_open_orders",
        "max_order_notional",
        "max_orders_per_min",
        "max_position",
        "max_repeated_rejections",
        "price_band_bps",
        "stale_data_secs",
    ];
    for (t, fields) in [
        (
            "market_maker",
            &[
                "inventory_skew_bps",
                "level_spacing_bps",
                "levels",
                "order_size",
                "refresh_tolerance_bps",
                "risk",
                "spread_bps",
            ][..],
        ),
        (
            "grid",
            &[
                "levels",
                "lower_price",
                "range_pct",
                "risk",
                "size_per_level",
                "upper_price",
            ][..],
        ),
        (
            "twap",
            &[
                "duration_secs",
                "limit_price",
                "risk",
                "side",
                "slices",
                "total_quantity",
            ][..],
        ),
    ] {
        let s = schema(t).unwrap();
        let names = |props: &Value| {
            let mut n: Vec<String> = props.as_object().unwrap().keys().cloned().collect();
            n.sort();
            n
        };
        assert_eq!(names(&s["properties"]), fields, "{t}");
        assert_eq!(names(&s["properties"]["risk"]["properties"]), risk, "{t}");
        let defaults = |props: &Value| -> Value {
            let filled = props.as_object().unwrap().iter().filter_map(|(k, p)| {
                let d = if p["type"] == "object" {
                    json!({})
                } else {
                    p["default"].clone()
                };
                (!d.is_null()).then(|| (k.clone(), d))
            });
            Value::Object(filled.collect())
        };
        let mut form = defaults(&s["properties"]);
        form["risk"] = defaults(&s["properties"]["risk"]["properties"]);
        assert!(form.as_object().unwrap().len() >= 3, "{t}: {form}");
        assert_eq!(
            BotParams::parse(t, "INJ/USDT", &form),
            BotParams::parse(t, "INJ/USDT", &json!({})),
            "{t}: {form}"
        );
    }
}
