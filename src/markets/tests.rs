use rust_decimal_macros::dec;
use time::macros::datetime;
use tradebot_contract::params::BotParams;

use super::check::{check_grant, check_params, check_size, on_price_tick, order_sizes, OrderSize};
use super::lcd::BATCH_AUTHZ_TYPE;
use super::*;

fn inj_usdt() -> Market {
    Market {
        market: MarketId::parse("INJ/USDT").unwrap(),
        ticker: "INJ/USDT".into(),
        market_id: format!("0x{}", "05".repeat(32)),
        kind: Kind::Spot,
        base_denom: Some("inj".into()),
        quote_denom: "peggy0xdAC17F958D2ee523a2206206994597C13D831ec7".into(),
        price_tick: dec!(0.001),
        quantity_tick: dec!(0.001),
        min_notional: dec!(1),
        base_decimals: Some(18),
        quote_decimals: 6,
        active: true,
    }
}

fn size(field: &str, size: rust_decimal::Decimal) -> OrderSize {
    OrderSize {
        field: field.into(),
        size,
        on_tick: true,
    }
}

#[test]
fn tickers_map_to_our_names() {
    let n = |t, k| name_of_ticker(t, k).map(|m| m.as_str().to_owned());
    assert_eq!(n("INJ/USDT", Kind::Spot).as_deref(), Some("INJ/USDT"));
    assert_eq!(n("inj/usdt", Kind::Spot).as_deref(), Some("INJ/USDT"));
    assert_eq!(
        n("INJ/USDT PERP", Kind::Perpetual).as_deref(),
        Some("INJ/USDT-PERP")
    );
    assert_eq!(
        n("INJ/USDT-PERP", Kind::Perpetual).as_deref(),
        Some("INJ/USDT-PERP")
    );
    assert_eq!(
        n("TIA/USDT", Kind::Perpetual).as_deref(),
        Some("TIA/USDT-PERP")
    );
    // Not a pair of ours, or a spot posing as a perpetual: left out.
    assert_eq!(n("INJ/USDT 24-12-2026", Kind::Perpetual), None);
    assert_eq!(n("INJ USDT", Kind::Spot), None);
    assert_eq!(n("INJ/USDT-PERP", Kind::Spot), None);
    assert_eq!(inj_usdt().quote(), "USDT");
}

#[test]
fn min_notional_is_pinned_at_its_boundary() {
    let m = inj_usdt();
    // 0.05 INJ at mid 20 = 1 USDT: exactly the minimum, accepted.
    check_size(&m, &size("order_size", dec!(0.05)), Some(dec!(20))).unwrap();
    // 0.049 at 20 = 0.98: refused, the minimum in words.
    let err = check_size(&m, &size("order_size", dec!(0.049)), Some(dec!(20))).unwrap_err();
    assert_eq!(
        err,
        "order_size 0.049 is worth 0.98 USDT at the mid price 20 of INJ/USDT, under the market's minimum notional of 1 USDT"
    );
    // The same size passes at a higher mid: the check is at the live price.
    check_size(&m, &size("order_size", dec!(0.049)), Some(dec!(20.5))).unwrap();
    // No book, no mid: refused in words rather than guessed.
    let err = check_size(&m, &size("order_size", dec!(1)), None).unwrap_err();
    assert!(err.contains("no orders on the chain's book"), "{err}");
}

#[test]
fn quantity_tick_is_pinned_on_and_off() {
    let m = inj_usdt();
    check_size(&m, &size("order_size", dec!(1.001)), Some(dec!(20))).unwrap();
    let err = check_size(&m, &size("order_size", dec!(1.0015)), Some(dec!(20))).unwrap_err();
    assert_eq!(
        err,
        "order_size 1.0015 is off the quantity tick 0.001 of INJ/USDT: use a multiple of 0.001"
    );
    // Below one tick (on no multiple of it) is refused too.
    let err = check_size(&m, &size("order_size", dec!(0.0005)), Some(dec!(20000))).unwrap_err();
    assert!(err.contains("off the quantity tick"), "{err}");
    assert!(on_price_tick(&m, dec!(20.001)));
    assert!(!on_price_tick(&m, dec!(20.0005)));
}

#[test]
fn sizes_come_from_each_bot_type() {
    let p = |t, v| BotParams::parse(t, "INJ/USDT", &v).unwrap();
    let mm = p("market_maker", serde_json::json!({"order_size": 0.5}));
    assert_eq!(order_sizes(&mm), vec![size("order_size", dec!(0.5))]);
    let grid = p("grid", serde_json::json!({"size_per_level": 0.25}));
    assert_eq!(order_sizes(&grid), vec![size("size_per_level", dec!(0.25))]);
    let twap = p(
        "twap",
        serde_json::json!({"total_quantity": 10, "slices": 4}),
    );
    let sizes = order_sizes(&twap);
    assert_eq!(sizes[1].size, dec!(2.5));
    assert!(!sizes[1].on_tick);
    // Defaults size themselves: nothing to check.
    assert!(order_sizes(&p("grid", serde_json::json!({}))).is_empty());
    // A TWAP slice under the minimum is refused even if the total is not.
    let twap = p(
        "twap",
        serde_json::json!({"total_quantity": 1, "slices": 10}),
    );
    let err = check_params(&inj_usdt(), &twap, Some(dec!(9))).unwrap_err();
    assert!(
        err.starts_with("each slice of total_quantity 0.1 is worth 0.9 USDT"),
        "{err}"
    );
}

#[test]
fn grants_are_checked_for_grantee_market_and_expiry() {
    let m = inj_usdt();
    let g = |grantee: &str, type_url: &str, market: &str, exp: Option<&str>| GrantOnChain {
        grantee: grantee.into(),
        type_url: type_url.into(),
        markets: vec![market.into()],
        expiration: exp.map(str::to_owned),
    };
    let now = datetime!(2026-11-30 12:00:00 UTC);
    let ok = g(
        "inj1bot",
        BATCH_AUTHZ_TYPE,
        &m.market_id,
        Some("2026-12-30T12:00:00Z"),
    );
    assert_eq!(
        check_grant(std::slice::from_ref(&ok), "inj1bot", &m.market_id, now).unwrap(),
        Some("2026-12-30T12:00:00Z".into())
    );
    let cases = [
        (vec![], "no trade grant"),
        (
            vec![g("inj1other", BATCH_AUTHZ_TYPE, &m.market_id, None)],
            "no trade grant",
        ),
        (
            vec![g(
                "inj1bot",
                "/cosmos.bank.v1beta1.SendAuthorization",
                &m.market_id,
                None,
            )],
            "no trade grant",
        ),
        (
            vec![g("inj1bot", BATCH_AUTHZ_TYPE, "0xother", None)],
            "does not cover",
        ),
        // Expiring exactly now is expired (the chain requires expiry after block time).
        (
            vec![g(
                "inj1bot",
                BATCH_AUTHZ_TYPE,
                &m.market_id,
                Some("2026-11-30T12:00:00Z"),
            )],
            "expired at",
        ),
    ];
    for (grants, expect) in cases {
        let err = check_grant(&grants, "inj1bot", &m.market_id, now).unwrap_err();
        assert!(err.contains(expect), "{err} should say {expect}");
    }
    // One second left is still valid.
    let last = g(
        "inj1bot",
        BATCH_AUTHZ_TYPE,
        &m.market_id,
        Some("2026-11-30T12:00:01Z"),
    );
    check_grant(&[last], "inj1bot", &m.market_id, now).unwrap();
}
