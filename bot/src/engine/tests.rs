//! The engine against a scripted venue: start-up cancels, rejections, and every risk rule
//! halting the bot (cancel all, stop quoting, say why).

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::json;

use super::*;
use crate::domain::Side;
use crate::events::Collect;
use crate::exchange::scripted::ScriptedExchange;
use crate::exchange::{Fill, Liquidity};
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
