//! Paper trading on live market data (issue 12 item 6, issue 13 item 4), with the bot binary
//! on the real devnet: spec `exchange: "paper"` with an `injective` section (no granter; the
//! Vault key is the paper wallet's, through the secure introduction). The paper market maker
//! quotes around the chain's INJ/USDT book; when another account's order on chain reaches its
//! paper bid, the bot reports a simulated fill at its own price; the paper wallet never sends a
//! transaction (no account on chain, no order of its subaccount on the book).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/common/mod.rs"]
mod common;
#[path = "common/devnet.rs"]
mod devnet;
#[path = "common/live.rs"]
mod live;

use std::str::FromStr;
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use serde_json::Value;
use tradebot_injective::msgs::Side;

use devnet::devnet;
use live::{Bot, Vault};

const START: Duration = Duration::from_secs(90);

/// The paper bot's resting quotes from its next status event: (bid, ask) prices.
fn paper_quotes(bot: &mut Bot) -> (Decimal, Decimal) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, _) = bot.wait_event("status", Duration::from_secs(10));
        let orders = status["orders"].as_array().cloned().unwrap_or_default();
        let price = |side: &str| {
            orders.iter().find(|o| o["side"] == side).map(|o| {
                Decimal::from_str(o["price"].as_str().unwrap())
                    .unwrap()
                    .normalize()
            })
        };
        if let (Some(bid), Some(ask)) = (price("buy"), price("sell")) {
            return (bid, ask);
        }
        assert!(Instant::now() < deadline, "no paper quotes: {status}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paper_market_maker_fills_in_simulation_on_the_chains_book_and_sends_nothing() {
    let dn = devnet();
    let (paper_key, maker_key, taker_key) =
        (live::fresh_key(), live::fresh_key(), live::fresh_key());
    for k in [&maker_key, &taker_key] {
        let a = live::address(k);
        tokio::task::spawn_blocking(move || devnet().fund(&a, None))
            .await
            .unwrap();
    }
    let _cleanup = [
        live::cancel_on_drop(&maker_key),
        live::cancel_on_drop(&taker_key),
    ];
    let (maker, taker) = (live::client(maker_key).await, live::client(taker_key).await);
    let paper_address = live::address(&paper_key);
    let paper_sub = live::subaccount(&paper_key);
    let vault = Vault::with_wallet(&paper_key).await;
    drop(paper_key);
    let mut spec: Value =
        serde_json::from_str(&live::paper_live_spec(&vault.bao.address, dn, "1")).unwrap();
    spec["status_interval_secs"] = 1.into();
    let (lo, center, hi) = live::book_around(&maker).await;

    let t0 = Instant::now();
    let mut bot = Bot::start(&spec.to_string(), &vault.token().await);
    let (_, ready_at) = bot.wait_event("ready", START);
    let (bid, ask) = paper_quotes(&mut bot);
    let quoted = t0.elapsed();
    assert!(
        lo < bid && bid < center && center < ask && ask < hi,
        "paper quotes {bid} {ask} inside the chain's {lo}..{hi}"
    );
    // Nothing of the paper bot on chain: the top is still the maker's, no level at its quotes
    // (other tests may have left orders far below; this devnet is shared).
    let (bids, asks) = live::chain_book().await;
    assert_eq!((bids.first(), asks.first()), (Some(&lo), Some(&hi)));
    assert!(
        !bids.contains(&bid) && !asks.contains(&ask),
        "{bids:?} {asks:?}"
    );

    // Another account's sell order rests on chain at the paper bid: the chain's best ask now
    // reaches the paper bid, which fills in simulation (maker, at its own price).
    assert!(
        bot.events.iter().all(|e| e["event"] != "fill"),
        "no simulated fill before the chain's book reaches a quote: {:?}",
        bot.events
    );
    let placed = Instant::now();
    live::order(&taker, Side::Sell, bid, Decimal::ONE).await;
    let (fill, fill_at) = bot.wait_event("fill", Duration::from_secs(30));
    assert_eq!(
        (fill["side"].as_str(), fill["liquidity"].as_str()),
        (Some("buy"), Some("maker")),
        "{fill}"
    );
    assert_eq!(live::dec(&fill["price"]), bid, "{fill}");
    assert_eq!(live::dec(&fill["quantity"]), Decimal::ONE, "{fill}");
    assert!(
        fill["trade_id"].is_null(),
        "a simulated fill has no chain trade: {fill}"
    );
    // The chain's order is untouched by the simulation: still resting, nothing traded.
    assert_eq!(live::chain_book().await.1.first(), Some(&bid));

    let (status, events) = bot.term();
    assert!(status.success(), "exit {status:?}: {events:?}");
    // Never a transaction: the paper wallet has no account on chain and no order.
    let url = format!("{}/cosmos/auth/v1beta1/accounts/{paper_address}", dn.lcd);
    let code = reqwest::get(url).await.unwrap().status().as_u16();
    assert_ne!(code, 200, "the paper wallet has an account on chain");
    assert!(live::chain_orders(&paper_sub).await.is_empty());
    live::cancel_all(&taker).await;
    live::cancel_all(&maker).await;
    println!(
        "paper on live data: start->ready {:?}, start->quotes seen {quoted:?}, chain order \
         placed->simulated fill line {:?}",
        ready_at - t0,
        fill_at - placed
    );
}
