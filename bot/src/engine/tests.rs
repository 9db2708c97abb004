//! The engine against a scripted venue: start-up cancels, rejections, and every risk rule
//! halting the bot (cancel all, stop quoting, say why).

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::json;

use super::*;
use crate::domain::Side;
use crate::events::Collect;
use crate::exchange::scripted::ScriptedExchange;
use crate::exchange::{Liquidity, OrderId};
use crate::markets::market;

type TestEngine = Engine<ScriptedExchange, Collect>;

fn engine(bot_type: &str, params: &serde_json::Value) -> TestEngine {
    let p = BotParams::parse(bot_type, "INJ/USDT", params).unwrap();
    Engine::new(
        ScriptedExchange::new(market("INJ/USDT").unwrap()),
        Collect::default(),
        "b1",
        &p,
    )
}

fn book(ts_ms: u64, mid: Decimal) -> MarketEvent {
    MarketEvent::Book {
        ts_ms,
        top: BookTop {
            bid: mid - dec!(0.001),
            ask: mid + dec!(0.001),
        },
    }
}

fn buy_fill(qty: Decimal, price: Decimal) -> MarketEvent {
    let fill = Fill {
        order_id: OrderId(999),
        side: Side::Buy,
        price,
        qty,
        fee: dec!(0),
        liquidity: Liquidity::Maker,
        done: true,
    };
    MarketEvent::Fill { ts_ms: 1, fill }
}

/// Asserts the bot halted on `rule`: risk_halt event, everything cancelled, no more orders.
async fn assert_halted(e: &mut TestEngine, rule: &str) {
    assert_eq!(e.state(), State::Halted);
    let halts = e.sink.of("risk_halt");
    assert_eq!(halts.len(), 1);
    assert_eq!(halts[0]["rule"], rule, "{}", halts[0]);
    assert!(e.ex.open.is_empty(), "every order cancelled");
    assert!(e
        .sink
        .of("orders_cancelled")
        .iter()
        .any(|c| c["reason"] == "risk_halt"));
    let placed = e.ex.placed.len();
    e.handle(book(100_000, dec!(20.5))).await.unwrap();
    e.handle(book(200_000, dec!(19.5))).await.unwrap();
    assert_eq!(e.ex.placed.len(), placed, "a halted bot stops quoting");
}

#[tokio::test]
async fn start_cancels_orphans_then_quotes() {
    let mut e = engine("market_maker", &json!({}));
    e.ex.seed_open(Order {
        id: OrderId(7),
        side: Side::Buy,
        price: dec!(1),
        remaining: dec!(5),
    });
    e.start().await.unwrap();
    let c = e.sink.of("orders_cancelled");
    assert_eq!(
        (c[0]["reason"].as_str(), c[0]["count"].as_u64()),
        (Some("startup"), Some(1))
    );
    e.handle(book(1, dec!(20))).await.unwrap();
    assert_eq!(e.open_orders().len(), 4);
    e.stop("sigterm").await.unwrap();
    assert!(e.ex.open.is_empty());
    let kinds: Vec<_> = e
        .sink
        .0
        .iter()
        .map(|v| v["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds[kinds.len() - 3..],
        ["orders_cancelled", "status", "stopped"]
    );
}

#[tokio::test]
async fn orders_under_min_notional_never_leave_the_bot() {
    // 0.05 INJ passes the start check at the reference price 20 (1 USDT); the price then halves.
    let mut e = engine("market_maker", &json!({"order_size": 0.05}));
    e.handle(book(1, dec!(10))).await.unwrap();
    assert!(e.ex.placed.is_empty());
    assert_eq!(e.sink.of("order_rejected").len(), 4);
    assert_eq!(e.state(), State::Running, "a rejection is not a halt");
}

#[tokio::test]
async fn venue_rejections_are_reported() {
    let mut e = engine("market_maker", &json!({"levels": 1}));
    e.ex.reject_with = Some("insufficient quote balance".into());
    e.handle(book(1, dec!(20))).await.unwrap();
    assert_eq!(
        e.sink.of("order_rejected")[0]["reason"],
        "insufficient quote balance"
    );
    assert!(e.open_orders().is_empty());
}

#[tokio::test]
async fn max_order_notional_halts() {
    let mut e = engine("market_maker", &json!({"order_size": 100}));
    e.handle(book(1, dec!(20))).await.unwrap();
    assert_halted(&mut e, "max_order_notional").await;
}

#[tokio::test]
async fn max_open_orders_halts() {
    let mut e = engine(
        "market_maker",
        &json!({"levels": 5, "risk": {"max_open_orders": 3}}),
    );
    e.handle(book(1, dec!(20))).await.unwrap();
    assert_halted(&mut e, "max_open_orders").await;
}

#[tokio::test]
async fn price_band_halts() {
    let mut e = engine(
        "grid",
        &json!({"lower_price": 10, "upper_price": 30, "levels": 3}),
    );
    e.handle(book(1, dec!(20))).await.unwrap();
    assert_halted(&mut e, "price_band").await;
}

#[tokio::test]
async fn order_rate_halts() {
    let mut e = engine("market_maker", &json!({"risk": {"max_orders_per_min": 5}}));
    e.handle(book(1_000, dec!(20))).await.unwrap();
    assert_eq!(e.state(), State::Running);
    e.handle(book(2_000, dec!(21))).await.unwrap();
    assert_halted(&mut e, "order_rate").await;
}

#[tokio::test]
async fn max_position_halts() {
    let mut e = engine("market_maker", &json!({"risk": {"max_position": 50}}));
    e.handle(book(1, dec!(20))).await.unwrap();
    e.handle(buy_fill(dec!(60), dec!(20))).await.unwrap();
    assert_halted(&mut e, "max_position").await;
}

#[tokio::test]
async fn max_daily_loss_halts() {
    let mut e = engine(
        "market_maker",
        &json!({"risk": {"max_position": 50, "max_daily_loss": 50}}),
    );
    e.handle(book(1, dec!(20))).await.unwrap();
    e.handle(buy_fill(dec!(10), dec!(20))).await.unwrap();
    e.handle(book(2, dec!(14))).await.unwrap(); // -60 unrealized
    assert_halted(&mut e, "max_daily_loss").await;
}

#[tokio::test]
async fn stale_data_halts() {
    let mut e = engine("market_maker", &json!({"risk": {"stale_data_secs": 10}}));
    e.handle(book(1_000, dec!(20))).await.unwrap();
    e.check_stale(10_000).await.unwrap();
    assert_eq!(e.state(), State::Running);
    e.check_stale(11_001).await.unwrap();
    assert_halted(&mut e, "stale_data").await;
}

/// Asserts the bot halted as stuck, with the reason of the refusals in the message.
async fn assert_stuck(e: &mut TestEngine, message: &str) {
    assert_halted(e, "repeated_rejections").await;
    let halt = e.halt_reason().unwrap();
    assert!(halt.stuck());
    assert_eq!(e.sink.of("risk_halt")[0]["message"], message);
}

#[tokio::test]
async fn venue_rejections_in_a_row_halt_the_bot_at_the_limit() {
    // One order a side: 2 refusals a book, limit 5: the 5th refusal (3rd book) halts.
    let mut e = engine(
        "market_maker",
        &json!({"levels": 1, "risk": {"max_repeated_rejections": 5}}),
    );
    e.ex.reject_with = Some("insufficient quote balance: need 20.02".into());
    e.handle(book(1, dec!(20))).await.unwrap();
    e.ex.reject_with = Some("insufficient quote balance: need 21.7".into());
    e.handle(book(2, dec!(21.7))).await.unwrap();
    assert_eq!(
        e.state(),
        State::Running,
        "4 in a row: one short of the limit"
    );
    e.handle(book(3, dec!(20))).await.unwrap();
    assert_eq!(e.sink.of("order_rejected").len(), 6);
    assert_stuck(
        &mut e,
        "5 orders in a row refused: insufficient quote balance: need 21.7",
    )
    .await;
}

#[tokio::test]
async fn orders_under_min_notional_again_and_again_halt_the_bot() {
    // 0.05 INJ at mid 10 is 0.5 USDT: 4 refusals a book (a requote each time the mid moves
    // past the tolerance) in the bot itself; the default limit is 20.
    let mut e = engine("market_maker", &json!({"order_size": 0.05}));
    for (ts, mid) in [
        (1, dec!(10)),
        (2, dec!(10.1)),
        (3, dec!(10)),
        (4, dec!(10.1)),
    ] {
        e.handle(book(ts, mid)).await.unwrap();
    }
    assert_eq!(e.sink.of("order_rejected").len(), 16);
    assert_eq!(e.state(), State::Running, "16 refusals in a row, under 20");
    e.handle(book(5, dec!(10))).await.unwrap();
    assert!(e.ex.placed.is_empty(), "nothing ever left the bot");
    let msg = e.sink.of("risk_halt")[0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        msg.starts_with("20 orders in a row refused: notional 0.")
            && msg.ends_with(" is below the market minimum 1"),
        "{msg}"
    );
    assert_halted(&mut e, "repeated_rejections").await;
}

#[tokio::test]
async fn an_accepted_order_or_another_reason_starts_the_count_again() {
    let mut e = engine(
        "market_maker",
        &json!({"levels": 1, "risk": {"max_repeated_rejections": 3}}),
    );
    e.ex.reject_with = Some("insufficient quote balance".into());
    e.handle(book(1, dec!(20))).await.unwrap(); // 2 in a row
    e.ex.reject_with = None;
    e.handle(book(2, dec!(21))).await.unwrap(); // accepted: back to 0
    e.ex.reject_with = Some("insufficient quote balance".into());
    e.handle(book(3, dec!(20))).await.unwrap(); // 2
    e.ex.reject_with = Some("post-only order would cross".into());
    e.handle(book(4, dec!(21))).await.unwrap(); // another reason: 2
    assert_eq!(e.state(), State::Running);
    e.handle(book(5, dec!(20))).await.unwrap(); // 3 of the same: halt
    assert_stuck(
        &mut e,
        "3 orders in a row refused: post-only order would cross",
    )
    .await;
}

#[tokio::test]
async fn other_halts_are_not_stuck() {
    let mut e = engine("market_maker", &json!({"order_size": 100}));
    e.handle(book(1, dec!(20))).await.unwrap();
    assert!(!e.halt_reason().unwrap().stuck());
}

fn twap(params: &serde_json::Value) -> TestEngine {
    engine("twap", params)
}

#[tokio::test]
async fn a_twap_whose_slices_are_all_refused_finishes_when_its_schedule_ends() {
    // 2 slices over 10 s: at 0 and 5 s; the schedule ends at 10 s.
    let mut e = twap(&json!({"total_quantity": 1, "slices": 2, "duration_secs": 10}));
    e.ex.reject_with = Some("insufficient quote balance".into());
    for ts in [1_000, 6_000, 10_999] {
        e.handle(book(ts, dec!(20))).await.unwrap();
        assert_eq!(e.state(), State::Running, "{ts}");
    }
    assert_eq!(e.sink.of("order_rejected").len(), 2);
    assert!(e.sink.of("finished").is_empty());
    e.handle(book(11_000, dec!(20))).await.unwrap();
    assert_eq!(e.state(), State::Finished);
    let f = e.sink.of("finished");
    assert_eq!(f.len(), 1);
    assert_eq!(
        (&f[0]["reason"], &f[0]["executed"], &f[0]["target"]),
        (&json!("schedule_ended"), &json!("0"), &json!("1"))
    );
    e.handle(book(12_000, dec!(20))).await.unwrap();
    assert_eq!(e.sink.of("finished").len(), 1, "said once");
    assert_eq!(e.ex.placed.len(), 2, "no slice after the end");
    e.stop("finished").await.unwrap();
    let last = &e.sink.0[e.sink.0.len() - 2..];
    assert_eq!(last[0]["state"], "finished", "the final status keeps it");
    assert_eq!(last[1]["reason"], "finished");
}

#[tokio::test]
async fn a_twap_that_executed_its_target_finishes_at_once() {
    let mut e = twap(&json!({"total_quantity": 1, "slices": 1, "duration_secs": 60}));
    e.handle(book(1_000, dec!(20))).await.unwrap();
    assert_eq!(e.ex.placed.len(), 1);
    let fill = Fill {
        order_id: e.open_orders()[0].id,
        side: Side::Buy,
        price: dec!(20.001),
        qty: dec!(1),
        fee: dec!(0),
        liquidity: Liquidity::Taker,
        done: true,
    };
    e.handle(MarketEvent::Fill { ts_ms: 1_001, fill })
        .await
        .unwrap();
    assert_eq!(e.state(), State::Running, "decided on the next book");
    e.handle(book(1_002, dec!(20))).await.unwrap();
    assert_eq!(e.state(), State::Finished);
    let f = &e.sink.of("finished")[0];
    assert_eq!(
        (&f["reason"], &f["executed"], &f["target"]),
        (&json!("completed"), &json!("1"), &json!("1"))
    );
}
