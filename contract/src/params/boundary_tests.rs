//! Every range check of the params pinned at its boundary: the last accepted value and the
//! first refused one, for each field and (for the shared `risk` block) each bot type.
//!
//! A check deleted, inverted or made off-by-one fails one of these cases; the checklist at the
//! end of `cases` names each `ensure` of `params/` once.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{json, Value};

use super::*;

/// Smallest positive decimal (scale 28): "the first value above zero".
const TINY: &str = "0.0000000000000000000000000001";
const MINUS_TINY: &str = "-0.0000000000000000000000000001";

/// One field: `base` params, the dotted `path` set to each value, what passes and what does not.
struct Case {
    bot_types: &'static [&'static str],
    base: Value,
    path: &'static str,
    ok: Vec<Value>,
    bad: Vec<Value>,
    msg: &'static str,
}

const ALL: &[&str] = &["market_maker", "grid", "twap"];
const MM: &[&str] = &["market_maker"];
const GRID: &[&str] = &["grid"];
const TWAP: &[&str] = &["twap"];

fn case(
    bot_types: &'static [&'static str],
    path: &'static str,
    ok: Vec<Value>,
    bad: Vec<Value>,
    msg: &'static str,
) -> Case {
    Case {
        bot_types,
        base: json!({}),
        path,
        ok,
        bad,
        msg,
    }
}

/// `base` with the dotted `path` set to `v` (intermediate objects created).
fn set(base: &Value, path: &str, v: &Value) -> Value {
    let mut out = base.clone();
    let mut at = &mut out;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        at = at
            .as_object_mut()
            .unwrap()
            .entry(p.to_string())
            .or_insert_with(|| json!({}));
    }
    at[parts[parts.len() - 1]] = v.clone();
    out
}

fn s(v: &str) -> Value {
    json!(v)
}

/// The checklist: one entry per range check in `params/`.
fn cases() -> Vec<Case> {
    let pos = |path, msg| {
        case(
            ALL,
            path,
            vec![s(TINY), json!(1)],
            vec![json!(0), s(MINUS_TINY)],
            msg,
        )
    };
    let bps_0_1000 = |path, msg| {
        case(
            MM,
            path,
            vec![json!(0), json!(1000)],
            vec![s(MINUS_TINY), s("1000.000000000000000000001")],
            msg,
        )
    };
    vec![
        // risk.rs, for every bot type (grid and TWAP included)
        pos("risk.max_position", "risk.max_position must be > 0"),
        pos(
            "risk.max_order_notional",
            "risk.max_order_notional must be > 0",
        ),
        pos("risk.max_daily_loss", "risk.max_daily_loss must be > 0"),
        case(
            ALL,
            "risk.max_open_orders",
            vec![json!(1), json!(1000)],
            vec![json!(0), json!(1001)],
            "risk.max_open_orders must be between 1 and 1000",
        ),
        case(
            ALL,
            "risk.max_orders_per_min",
            vec![json!(1), json!(60_000)],
            vec![json!(0), json!(60_001)],
            "risk.max_orders_per_min must be between 1 and 60000",
        ),
        case(
            ALL,
            "risk.stale_data_secs",
            vec![json!(1), json!(3600)],
            vec![json!(0), json!(3601)],
            "risk.stale_data_secs must be between 1 and 3600",
        ),
        case(
            ALL,
            "risk.price_band_bps",
            vec![s(TINY), json!(5000)],
            vec![json!(0), s("5000.000000000000000000001")],
            "risk.price_band_bps must be in (0, 5000]",
        ),
        case(
            ALL,
            "risk.max_repeated_rejections",
            vec![json!(1), json!(10_000)],
            vec![json!(0), json!(10_001)],
            "risk.max_repeated_rejections must be between 1 and 10000",
        ),
        // market_maker.rs
        case(
            MM,
            "spread_bps",
            vec![s(TINY), json!(5000)],
            vec![json!(0), s("5000.000000000000000000001")],
            "spread_bps must be in (0, 5000]",
        ),
        case(
            MM,
            "levels",
            vec![json!(1), json!(20)],
            vec![json!(0), json!(21)],
            "levels must be between 1 and 20",
        ),
        bps_0_1000(
            "level_spacing_bps",
            "level_spacing_bps must be in [0, 1000]",
        ),
        bps_0_1000(
            "inventory_skew_bps",
            "inventory_skew_bps must be in [0, 1000]",
        ),
        bps_0_1000(
            "refresh_tolerance_bps",
            "refresh_tolerance_bps must be in [0, 1000]",
        ),
        case(
            MM,
            "order_size",
            vec![s("0.05"), json!(1000)],
            vec![s("0.049"), json!(0)],
            "order_size",
        ),
        // grid.rs
        Case {
            base: json!({"upper_price": 30}),
            ..case(
                GRID,
                "lower_price",
                vec![s(TINY), s("29.999")],
                vec![json!(0), s(MINUS_TINY)],
                "lower_price must be > 0",
            )
        },
        Case {
            base: json!({"upper_price": 30}),
            ..case(
                GRID,
                "lower_price",
                vec![],
                vec![json!(30), json!(31)],
                "price range inverted",
            )
        },
        Case {
            base: json!({"lower_price": 30}),
            ..case(
                GRID,
                "upper_price",
                vec![s("30.001")],
                vec![json!(30), json!(29)],
                "price range inverted",
            )
        },
        case(
            GRID,
            "upper_price",
            vec![],
            vec![json!(30)],
            "give both lower_price and upper_price, or neither",
        ),
        case(
            GRID,
            "range_pct",
            vec![s(TINY), json!(50)],
            vec![json!(0), s("50.000000000000000000000001")],
            "range_pct must be in (0, 50]",
        ),
        case(
            GRID,
            "levels",
            vec![json!(2), json!(100)],
            vec![json!(1), json!(101)],
            "levels must be between 2 and 100",
        ),
        // at the default range: lowest level 1% under the reference price 20, i.e. 19.8
        case(
            GRID,
            "size_per_level",
            vec![s("0.051")],
            vec![s("0.0505"), json!(0)],
            "size_per_level",
        ),
        Case {
            base: json!({"lower_price": 10, "upper_price": 30}),
            ..case(
                GRID,
                "size_per_level",
                vec![s("0.1")],
                vec![s("0.099")],
                "size_per_level",
            )
        },
        Case {
            base: json!({"range_pct": 50}),
            ..case(
                GRID,
                "size_per_level",
                vec![s("0.1")],
                vec![s("0.099")],
                "size_per_level",
            )
        },
        // twap.rs
        // each of the 10 default slices must be worth 1 USDT at the reference price 20
        case(
            TWAP,
            "total_quantity",
            vec![s("0.5")],
            vec![s("0.499"), json!(0)],
            "each slice of total_quantity",
        ),
        Case {
            base: json!({"slices": 1}),
            ..case(
                TWAP,
                "total_quantity",
                vec![s("0.05")],
                vec![s("0.049")],
                "each slice of total_quantity",
            )
        },
        case(
            TWAP,
            "duration_secs",
            vec![json!(1), json!(604_800)],
            vec![json!(0), json!(604_801)],
            "duration_secs must be between 1 and 604800",
        ),
        case(
            TWAP,
            "slices",
            vec![json!(1), json!(10_000)],
            vec![json!(0), json!(10_001)],
            "slices must be between 1 and 10000",
        ),
        case(
            TWAP,
            "limit_price",
            vec![s(TINY)],
            vec![json!(0), s(MINUS_TINY)],
            "limit_price must be > 0",
        ),
    ]
}

#[test]
fn every_limit_holds_at_its_boundary() {
    let mut checked = 0;
    for c in cases() {
        for t in c.bot_types {
            for v in &c.ok {
                let p = set(&c.base, c.path, v);
                let r = validate(t, "INJ/USDT", &p);
                assert!(r.is_ok(), "{t} {p}: last accepted value refused: {r:?}");
                checked += 1;
            }
            for v in &c.bad {
                let p = set(&c.base, c.path, v);
                let err = validate(t, "INJ/USDT", &p).expect_err(&format!("{t} {p} accepted"));
                assert!(err.contains(c.msg), "{t} {p}: {err}");
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked}");
}

/// The tick rule on its own (every static market's minimum notional is above one tick's worth,
/// so only a market with no minimum shows it).
#[test]
fn a_size_under_one_quantity_tick_is_refused_even_without_a_minimum_notional() {
    let m = MarketParams {
        min_notional: Decimal::ZERO,
        ..crate::markets::market("INJ/USDT").unwrap()
    };
    check_size("order_size", m.qty_tick, dec!(20), &m).unwrap();
    let err = check_size("order_size", dec!(0.000999), dec!(20), &m).unwrap_err();
    assert_eq!(err, "order_size must be at least the quantity tick 0.001");
    let m = MarketParams {
        min_notional: dec!(1),
        ..m
    };
    check_size("order_size", dec!(0.05), dec!(20), &m).unwrap();
    let err = check_size("order_size", dec!(0.049), dec!(20), &m).unwrap_err();
    assert_eq!(
        err,
        "order_size 0.049 is worth 0.98 at price 20, under the market's minimum order value 1 USDT"
    );
}

/// The risk block the bot's risk manager is built from is the one given, for every bot type.
#[test]
fn each_bot_type_hands_on_its_own_risk_block() {
    for t in bot_types() {
        let p = BotParams::parse(t, "INJ/USDT", &json!({"risk": {"max_open_orders": 7}})).unwrap();
        assert_eq!(p.risk().max_open_orders, 7, "{t}");
        assert_eq!(p.risk().max_position, None, "{t}");
    }
}
