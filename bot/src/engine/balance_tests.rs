//! The venue's balances in status events: the paper account as of the fills the engine has
//! handled (a fill still queued at the venue is not shown yet), exact; none from a chain venue.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::json;

use super::*;
use crate::domain::Side;
use crate::events::Collect;
use crate::exchange::scripted::ScriptedExchange;
use crate::exchange::Placed;
use crate::markets::market;
use crate::paper::feed::Feed;
use crate::paper::{PaperConfig, PaperExchange};

type PaperEngine = Engine<PaperExchange, Collect>;

/// A market maker on a replayed INJ/USDT path (10000 USDT, 250 INJ, maker 0.05 %, taker
/// 0.1 %). The tests feed the engine fills only: its strategy never sees a book, so every
/// order is the test's own.
fn paper(market_name: &str, path: &str) -> PaperEngine {
    let m = market(market_name).unwrap();
    let cfg = PaperConfig {
        realtime: false,
        ..PaperConfig::default()
    };
    let feed = Feed::replay_text(path, m.price_tick, m.qty_tick).unwrap();
    let p = BotParams::parse("market_maker", market_name, &json!({})).unwrap();
    Engine::new(
        PaperExchange::with_feed(m, cfg, feed),
        Collect::default(),
        "b1",
        &p,
    )
}

/// The next venue event but trade prints: a fill goes to the engine as well.
async fn step(e: &mut PaperEngine) -> MarketEvent {
    loop {
        let ev = e.ex.next_event().await.unwrap();
        match ev {
            MarketEvent::Trade { .. } => continue,
            MarketEvent::Fill { .. } => {
                e.handle(ev).await.unwrap();
            }
            _ => {}
        }
        return ev;
    }
}

async fn place(e: &mut PaperEngine, side: Side, price: Decimal, qty: Decimal) {
    let o = e.ex.market().order(side, price, qty).unwrap();
    let placed = e.ex.place(&[o]).await.unwrap();
    assert!(matches!(placed[0], Placed::Accepted(_)), "{placed:?}");
}

/// The last status's balances as (asset, total, available).
fn balances(e: &mut PaperEngine) -> Vec<(String, Decimal, Decimal)> {
    e.report_status();
    let status = e.sink.of("status").pop().unwrap().clone();
    let d = |v: &serde_json::Value| v.as_str().unwrap().parse::<Decimal>().unwrap();
    status["balances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let asset = b["asset"].as_str().unwrap().to_owned();
            (asset, d(&b["total"]), d(&b["available"]))
        })
        .collect()
}

fn line(asset: &str, total: Decimal, available: Decimal) -> (String, Decimal, Decimal) {
    (asset.to_owned(), total, available)
}

#[tokio::test]
async fn a_buy_and_a_sell_move_the_status_balances_when_their_fills_are_handled() {
    let mut e = paper("INJ/USDT", "1,20.000,0.1\n2,19.900,0.1\n3,19.900,0.1\n");
    let (base0, quote0) = (dec!(250), dec!(10000));
    assert!(matches!(step(&mut e).await, MarketEvent::Book { .. })); // 19.998 / 20.002
    assert_eq!(
        balances(&mut e),
        vec![line("INJ", base0, base0), line("USDT", quote0, quote0)]
    );

    // A resting buy holds its worst-case cost (taker fee) of the quote: total unchanged.
    place(&mut e, Side::Buy, dec!(19.95), dec!(1)).await;
    let held = dec!(19.95) * (Decimal::ONE + dec!(0.001));
    assert_eq!(
        balances(&mut e),
        vec![
            line("INJ", base0, base0),
            line("USDT", quote0, quote0 - held)
        ]
    );

    // The book moves through it (19.898 / 19.902): filled at the venue, the fill still queued
    // behind the book: the status does not show it yet.
    assert!(matches!(step(&mut e).await, MarketEvent::Book { .. }));
    assert_eq!(e.ex.account().base, base0 + dec!(1));
    assert_eq!(balances(&mut e)[0], line("INJ", base0, base0));
    assert_eq!(balances(&mut e)[1].1, quote0);

    // Handled: quote down by price × qty + the maker fee, base up by qty, exactly.
    assert!(matches!(step(&mut e).await, MarketEvent::Fill { .. }));
    let buy_fee = dec!(19.95) * dec!(1) * dec!(0.0005);
    let (base1, quote1) = (base0 + dec!(1), quote0 - dec!(19.95) - buy_fee);
    assert_eq!(quote1, dec!(9980.040025));
    assert_eq!(
        balances(&mut e),
        vec![line("INJ", base1, base1), line("USDT", quote1, quote1)]
    );
    assert_eq!(e.sink.of("fill").len(), 1);

    // A sell at the bid fills at once (taker): queued until the engine handles it.
    place(&mut e, Side::Sell, dec!(19.898), dec!(0.5)).await;
    assert_eq!(balances(&mut e)[0].1, base1);
    assert!(matches!(step(&mut e).await, MarketEvent::Fill { .. }));
    let notional = dec!(19.898) * dec!(0.5);
    let sell_fee = notional * dec!(0.001);
    let (base2, quote2) = (base1 - dec!(0.5), quote1 + notional - sell_fee);
    assert_eq!(
        balances(&mut e),
        vec![line("INJ", base2, base2), line("USDT", quote2, quote2)]
    );
    // Every fill handled: the status equals the venue's account to the last digit.
    assert_eq!((e.ex.account().base, e.ex.account().quote), (base2, quote2));
    let status = e.sink.of("status").pop().unwrap().clone();
    assert_eq!(
        status["balances"][1]["total"],
        quote2.normalize().to_string()
    );
}

#[tokio::test]
async fn a_perpetual_lists_its_quote_collateral_only() {
    let mut e = paper("INJ/USDT-PERP", "1,20.000,0.1\n");
    step(&mut e).await;
    assert_eq!(
        balances(&mut e),
        vec![line("USDT", dec!(10000), dec!(10000))]
    );
}

#[tokio::test]
async fn a_chain_venue_writes_no_balances() {
    let p = BotParams::parse("market_maker", "INJ/USDT", &json!({})).unwrap();
    let mut e = Engine::new(
        ScriptedExchange::new(market("INJ/USDT").unwrap()),
        Collect::default(),
        "b1",
        &p,
    );
    e.report_status();
    let status = e.sink.of("status")[0].clone();
    assert!(status.get("balances").is_none(), "{status}");
    assert!(status.get("orders").is_some(), "{status}");
}
