//! The `tradebot-bot` binary trading the real devnet (`ops/devnet up`, started by the harness)
//! with its wallet key from a real OpenBao through the secure introduction (one wrapped token
//! per start). Every claim is checked on the chain, through the LCD or CometBFT, never through
//! the bot: the start-up cancel-all on an empty and on a non-empty book, quotes on the chain's
//! book, a taker from another account crossing, the fill reported with the chain's price,
//! quantity, fee and trade id, nothing left after SIGTERM, orphans left by SIGKILL cancelled
//! first by the next start.
//!
//! `bench_live_devnet` (ignored; `ops/bench/injective-live`) prints latency and memory figures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/bench.rs"]
mod bench;
#[path = "../../tests/common/mod.rs"]
mod common;
#[path = "common/devnet.rs"]
mod devnet;
#[path = "common/live.rs"]
mod live;

use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::Value;
use tradebot_injective::msgs::{MarketKind, Side};
use tradebot_injective::stream::backfill::{self, Target};

use devnet::devnet;
use live::{Bot, Vault};

const START: Duration = Duration::from_secs(90);

fn dec(v: &Value) -> Decimal {
    live::dec(v)
}

/// Three fresh funded accounts: the bot's wallet, a book maker, a taker.
async fn accounts() -> (
    tradebot_injective::keys::PrivateKey,
    tradebot_injective::client::InjectiveClient,
    tradebot_injective::client::InjectiveClient,
) {
    let (bot, maker, taker) = (live::fresh_key(), live::fresh_key(), live::fresh_key());
    for k in [&bot, &maker, &taker] {
        devnet().fund(&live::address(k), None);
    }
    (bot, live::client(maker).await, live::client(taker).await)
}

/// The latest block height, from CometBFT.
async fn height() -> u64 {
    let v: Value = reqwest::get(format!("{}/status", devnet().rpc))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["result"]["sync_info"]["latest_block_height"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// The chain's own record of the bot's fills between two heights (CometBFT block results).
async fn chain_fills(sub: &str, from: u64) -> Vec<tradebot_injective::stream::Fill> {
    let target = Target {
        market_id: devnet().market_inj_usdt.clone(),
        kind: MarketKind::Spot,
        subaccount_id: sub.to_owned(),
    };
    let http = reqwest::Client::new();
    backfill::fills_between(&http, &devnet().rpc, &target, from, height().await)
        .await
        .unwrap()
}

fn cancelled(events: &[Value], reason: &str) -> Value {
    events
        .iter()
        .find(|e| e["event"] == "orders_cancelled" && e["reason"] == reason)
        .cloned()
        .unwrap_or_else(|| panic!("no orders_cancelled {reason}: {events:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bot_binary_quotes_fills_and_cleans_up_on_the_real_chain() {
    let dn = devnet();
    let (bot_key, maker, taker) = accounts().await;
    let sub = live::subaccount(&bot_key);
    let vault = Vault::with_wallet(&bot_key).await;
    drop(bot_key);
    let spec = live::spec(&vault.bao.address, dn, "1");

    // Someone else's book, around a price no other test's order is near.
    let (lo, center, hi) = live::book_around(&maker).await;
    let (bids, asks) = live::chain_book().await;
    assert_eq!(
        (bids.first(), asks.first()),
        (Some(&lo), Some(&hi)),
        "another test trades INJ/USDT on this devnet right now"
    );

    // 1. Empty book of the bot: start-up cancel-all succeeds (nothing to cancel), quotes go up.
    let mut bot = Bot::start(&spec, &vault.token().await);
    bot.wait_event("ready", START);
    assert_eq!(cancelled(&bot.events, "startup")["count"], 0);
    let quotes = live::wait_chain(&sub, START, |o| o.len() == 2).await;
    let (bid, ask) = {
        let b = quotes.iter().find(|o| o.1);
        let a = quotes.iter().find(|o| !o.1);
        let both = b
            .zip(a)
            .unwrap_or_else(|| panic!("a bid and an ask: {quotes:?}"));
        (both.0.clone(), both.1.clone())
    };
    assert!(
        lo < bid.2 && bid.2 < center && center < ask.2 && ask.2 < hi,
        "quotes {bid:?} {ask:?} inside {lo}..{hi}"
    );
    let (bids, asks) = live::chain_book().await;
    assert_eq!(
        (bids.first(), asks.first()),
        (Some(&bid.2), Some(&ask.2)),
        "the bot's quotes are the chain's top of book"
    );

    // 2. A taker from another account sells into the bot's bid.
    let from = height().await;
    live::order(&taker, Side::Sell, bid.2, bid.3).await;
    let (fill, _) = bot.wait_event("fill", Duration::from_secs(30));
    let on_chain = chain_fills(&sub, from).await;
    assert_eq!(
        on_chain.len(),
        1,
        "one fill of the bot on chain: {on_chain:?}"
    );
    let c = &on_chain[0];
    assert_eq!(
        fill["trade_id"].as_str(),
        Some(c.trade_id.as_str()),
        "{fill}"
    );
    assert_eq!((dec(&fill["price"]), c.price.normalize()), (bid.2, bid.2));
    assert_eq!(dec(&fill["quantity"]), c.quantity.normalize());
    assert_eq!(c.quantity.normalize(), bid.3);
    assert_eq!(dec(&fill["fee"]), c.fee.normalize(), "the chain's fee");
    assert_eq!(
        (fill["side"].as_str(), fill["liquidity"].as_str()),
        (Some("buy"), Some("maker"))
    );
    assert_eq!(
        c.order_hash, bid.0,
        "the fill is of the bid the chain showed"
    );

    // 3. SIGTERM: everything of the bot cancelled before it exits.
    let (status, events) = bot.term();
    assert!(status.success(), "exit {status:?}: {events:?}");
    assert_eq!(events.last().unwrap()["event"], "stopped");
    assert!(cancelled(&events, "shutdown")["count"].as_u64().unwrap() >= 1);
    let left = live::chain_orders(&sub).await;
    assert!(left.is_empty(), "orders left after SIGTERM: {left:?}");
    assert_eq!(
        events.iter().filter(|e| e["event"] == "fill").count(),
        1,
        "the fill reported once: {events:?}"
    );

    // 4. SIGKILL leaves the quotes resting; the next start cancels them first (non-empty book).
    let mut bot = Bot::start(&spec, &vault.token().await);
    bot.wait_event("ready", START);
    let orphans = live::wait_chain(&sub, START, |o| o.len() == 2).await;
    bot.kill();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        live::chain_orders(&sub).await,
        orphans,
        "SIGKILL cancels nothing"
    );
    let mut bot = Bot::start(&spec, &vault.token().await);
    bot.wait_event("ready", START);
    let still: Vec<_> = live::chain_orders(&sub)
        .await
        .into_iter()
        .filter(|o| orphans.iter().any(|x| x.0 == o.0))
        .collect();
    assert!(still.is_empty(), "orphans open after start-up: {still:?}");
    assert_eq!(cancelled(&bot.events, "startup")["count"], 2);
    live::wait_chain(&sub, START, |o| o.len() == 2).await;
    let (status, _) = bot.term();
    assert!(status.success());
    let left = live::chain_orders(&sub).await;
    assert!(left.is_empty(), "orders left after SIGTERM: {left:?}");
    live::cancel_all(&maker).await;
}

/// Figures, not checks: `ops/bench/injective-live` runs this with `--ignored --nocapture`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: ops/bench/injective-live"]
async fn bench_live_devnet() {
    let dn = devnet();
    let n: usize = std::env::var("BENCH_ORDERS").map_or(20, |v| v.parse().unwrap());
    let fills: usize = std::env::var("BENCH_FILLS").map_or(5, |v| v.parse().unwrap());
    let placer = live::fresh_key();
    devnet().fund(&live::address(&placer), None);
    let (mut returned, mut on_book) = bench::placement(placer, n).await;

    let (bot_key, maker, taker_key) = (live::fresh_key(), live::fresh_key(), live::fresh_key());
    for k in [&bot_key, &maker, &taker_key] {
        devnet().fund(&live::address(k), None);
    }
    let maker = live::client(maker).await;
    let sub = live::subaccount(&bot_key);
    let vault = Vault::with_wallet(&bot_key).await;
    drop(bot_key);
    let spec = live::spec(&vault.bao.address, dn, "1");
    live::book_around(&maker).await;
    let watch = Duration::from_secs(10);
    let ((rss, hwm), mut latency) =
        bench::live_bot((&spec, &vault, &sub), taker_key, fills, watch).await;
    live::cancel_all(&maker).await;

    let (r50, r95) = bench::percentiles(&mut returned);
    let (b50, b95) = bench::percentiles(&mut on_book);
    let (f50, f95) = bench::percentiles(&mut latency);
    let bin = std::env::var("TRADEBOT_BOT_BIN").unwrap_or_else(|_| "debug build".into());
    println!("injective live (devnet {}, blocks ~0.5 s)", dn.chain_id);
    println!("  order decision -> place() returned (tx in a block), {n} orders: p50 {r50} ms, p95 {r95} ms");
    println!(
        "  order decision -> order seen on the chain's book (LCD): p50 {b50} ms, p95 {b95} ms"
    );
    println!("  fill (block time) -> bot fill event line, {fills} fills: p50 {f50} ms, p95 {f95} ms, all {latency:?}");
    println!(
        "  bot RSS after {watch:?} quoting live: VmRSS {} KiB ({:.1} MiB), VmHWM {} KiB ({bin})",
        rss,
        rss as f64 / 1024.0,
        hwm
    );
}
