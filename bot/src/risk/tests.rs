//! Every rule of the risk manager pinned at its boundary: the last value it lets through and the
//! first one it halts on. INJ/USDT (price tick 0.001, quantity tick 0.001); mid 20 unless said.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::domain::Side;
use crate::markets::market;

const MID: Decimal = dec!(20);
/// An instant well past the first day, so the daily baseline has a real day to reset from.
const T0: u64 = 3 * DAY_MS + 12_345;

fn limits(f: impl FnOnce(&mut RiskParams)) -> RiskParams {
    let mut l = RiskParams::default();
    f(&mut l);
    l
}

fn order(side: Side, price: Decimal, qty: Decimal) -> OrderRequest {
    market("INJ/USDT").unwrap().order(side, price, qty).unwrap()
}

fn rule(r: Result<(), Breach>) -> Option<&'static str> {
    r.err().map(|b| b.rule)
}

#[test]
fn the_default_position_cap_is_its_notional_at_the_first_mid() {
    let mut r = RiskManager::new(RiskParams::default());
    assert_eq!(
        r.max_position(),
        Decimal::MAX,
        "no cap known before any data"
    );
    r.on_data(T0, dec!(0));
    assert_eq!(r.max_position(), Decimal::MAX, "a zero mid fixes nothing");
    r.on_data(T0, dec!(-1));
    assert_eq!(
        r.max_position(),
        Decimal::MAX,
        "a negative mid fixes nothing"
    );
    r.on_data(T0, dec!(8));
    // 1000 USDT / 8 USDT = 125 INJ (a "* mid" or "/ mid²" slip gives 8000 or 15.625).
    assert_eq!(r.max_position(), dec!(125));
    r.on_data(T0 + 1, dec!(40));
    assert_eq!(r.max_position(), dec!(125), "only the first mid fixes it");
    assert_eq!(rule(r.check_state(dec!(125), dec!(0), T0)), None);
    assert_eq!(rule(r.check_state(dec!(-125), dec!(0), T0)), None);
    assert_eq!(
        rule(r.check_state(dec!(125.000001), dec!(0), T0)),
        Some("max_position")
    );
    assert_eq!(
        rule(r.check_state(dec!(-125.000001), dec!(0), T0)),
        Some("max_position")
    );
}

#[test]
fn an_explicit_max_position_is_kept_whatever_the_mid() {
    let mut r = RiskManager::new(limits(|l| l.max_position = Some(dec!(7))));
    assert_eq!(r.max_position(), dec!(7));
    r.on_data(T0, dec!(8));
    assert_eq!(r.max_position(), dec!(7));
    assert_eq!(rule(r.check_state(dec!(7), dec!(0), T0)), None);
    let b = r.check_state(dec!(-7.001), dec!(0), T0).unwrap_err();
    assert_eq!(
        (b.rule, b.message.as_str()),
        ("max_position", "position -7.001 exceeds 7")
    );
}

#[test]
fn order_notional_is_capped_inclusively() {
    let mut r = RiskManager::new(limits(|l| l.max_order_notional = dec!(100)));
    // 5 INJ at 20 = 100 exactly: allowed; 5.001 INJ = 100.02: refused.
    let at = order(Side::Buy, MID, dec!(5));
    assert_eq!(rule(r.check_order(&at, 0, MID, T0)), None);
    let over = order(Side::Buy, MID, dec!(5.001));
    let b = r.check_order(&over, 0, MID, T0).unwrap_err();
    assert_eq!(b.rule, "max_order_notional");
    assert_eq!(b.message, "order notional 100.020000 exceeds 100");
}

#[test]
fn open_orders_stop_at_the_limit() {
    let mut r = RiskManager::new(limits(|l| l.max_open_orders = 3));
    let o = order(Side::Buy, MID, dec!(1));
    assert_eq!(rule(r.check_order(&o, 2, MID, T0)), None);
    assert_eq!(
        rule(r.check_order(&o, 3, MID, T0 + 1)),
        Some("max_open_orders")
    );
}

#[test]
fn the_price_band_holds_on_both_sides_of_mid_inclusively() {
    // 100 bps of 20 = 0.2: 19.8 and 20.2 allowed, one tick further refused.
    let mut r = RiskManager::new(limits(|l| l.price_band_bps = dec!(100)));
    for (side, price, expect) in [
        (Side::Buy, dec!(19.8), None),
        (Side::Sell, dec!(20.2), None),
        (Side::Buy, dec!(19.799), Some("price_band")),
        (Side::Sell, dec!(20.201), Some("price_band")),
    ] {
        let o = order(side, price, dec!(1));
        assert_eq!(rule(r.check_order(&o, 0, MID, T0)), expect, "{price}");
    }
}

#[test]
fn the_order_rate_window_expires_exactly_at_one_minute() {
    let mut r = RiskManager::new(limits(|l| l.max_orders_per_min = 3));
    let o = order(Side::Buy, MID, dec!(1));
    for i in 0..3 {
        assert_eq!(rule(r.check_order(&o, 0, MID, T0 + i)), None);
    }
    let b = r.check_order(&o, 0, MID, T0 + 59_999).unwrap_err();
    assert_eq!(
        (b.rule, b.message.as_str()),
        ("order_rate", "more than 3 orders in a minute")
    );
    // The first order (T0) leaves the window at T0 + 60 s, the second at T0 + 1 + 60 s.
    assert_eq!(rule(r.check_order(&o, 0, MID, T0 + 60_000)), None);
    assert_eq!(
        rule(r.check_order(&o, 0, MID, T0 + 60_000)),
        Some("order_rate")
    );
    assert_eq!(rule(r.check_order(&o, 0, MID, T0 + 60_001)), None);
}

#[test]
fn a_refused_order_does_not_count_against_the_rate() {
    let mut r = RiskManager::new(limits(|l| {
        l.max_orders_per_min = 1;
        l.max_open_orders = 1;
    }));
    let o = order(Side::Buy, MID, dec!(1));
    assert_eq!(rule(r.check_order(&o, 1, MID, T0)), Some("max_open_orders"));
    assert_eq!(rule(r.check_order(&o, 0, MID, T0)), None);
}

#[test]
fn daily_loss_halts_past_the_limit_and_resets_at_utc_midnight() {
    let mut r = RiskManager::new(limits(|l| l.max_daily_loss = dec!(100)));
    // The day starts at PnL +50 (the first check of the day fixes the baseline).
    assert_eq!(rule(r.check_state(dec!(0), dec!(50), T0)), None);
    assert_eq!(rule(r.check_state(dec!(0), dec!(-50), T0 + 1)), None);
    let b = r.check_state(dec!(0), dec!(-50.5), T0 + 2).unwrap_err();
    assert_eq!(
        (b.rule, b.message.as_str()),
        ("max_daily_loss", "lost 100.5 today, limit 100")
    );
    // Last millisecond of the day: same baseline; the next one: a new day from -60.
    let midnight = (T0 / DAY_MS + 1) * DAY_MS;
    assert_eq!(
        rule(r.check_state(dec!(0), dec!(-51), midnight - 1)),
        Some("max_daily_loss")
    );
    assert_eq!(rule(r.check_state(dec!(0), dec!(-60), midnight)), None);
    assert_eq!(rule(r.check_state(dec!(0), dec!(-160), midnight + 1)), None);
    assert_eq!(
        rule(r.check_state(dec!(0), dec!(-160.01), midnight + 2)),
        Some("max_daily_loss")
    );
}

#[test]
fn stale_data_halts_one_millisecond_past_the_limit() {
    let mut r = RiskManager::new(limits(|l| l.stale_data_secs = 10));
    assert_eq!(rule(r.check_stale(T0)), None, "no data yet: nothing stale");
    r.on_data(T0, MID);
    assert_eq!(rule(r.check_stale(T0 + 10_000)), None);
    let b = r.check_stale(T0 + 10_001).unwrap_err();
    assert_eq!(
        (b.rule, b.message.as_str()),
        ("stale_data", "no market data for 10001 ms (limit 10 s)")
    );
    r.on_data(T0 + 10_001, MID);
    assert_eq!(
        rule(r.check_stale(T0 + 20_001)),
        None,
        "fresh data resets it"
    );
    assert_eq!(
        rule(r.check_stale(T0 - 5)),
        None,
        "a clock step back is not stale"
    );
}

#[test]
fn refusals_in_a_row_for_one_reason_halt_at_the_limit() {
    let mut r = RiskManager::new(limits(|l| l.max_repeated_rejections = 3));
    assert_eq!(
        rule(r.on_rejected("notional 0.5 is below the market minimum 1")),
        None
    );
    assert_eq!(
        rule(r.on_rejected("notional 0.49 is below the market minimum 1")),
        None
    );
    let b = r
        .on_rejected("notional 0.51 is below the market minimum 1")
        .unwrap_err();
    assert_eq!(
        (b.rule, b.message.as_str()),
        (
            "repeated_rejections",
            "3 orders in a row refused: notional 0.51 is below the market minimum 1"
        )
    );
    assert!(b.stuck());
    r.on_accepted();
    assert_eq!(rule(r.on_rejected("insufficient balance")), None);
    assert_eq!(rule(r.on_rejected("insufficient balance")), None);
    r.on_accepted();
    assert_eq!(
        rule(r.on_rejected("insufficient balance")),
        None,
        "counted again from 1"
    );
    let mut once = RiskManager::new(limits(|l| l.max_repeated_rejections = 1));
    assert_eq!(rule(once.on_rejected("x")), Some("repeated_rejections"));
}

#[test]
fn only_the_repeated_rejections_rule_is_stuck() {
    let mut r = RiskManager::new(limits(|l| l.max_open_orders = 1));
    let b = r
        .check_order(&order(Side::Buy, MID, dec!(1)), 1, MID, T0)
        .unwrap_err();
    assert!(!b.stuck());
}
