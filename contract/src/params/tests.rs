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
