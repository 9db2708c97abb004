//! The chain stream cut under the `tradebot-bot` binary in the middle of fills (issue 12 must
//! show), on the real devnet: the bot's `endpoints.stream` is a loopback TCP relay that the
//! test drops (every live connection closed, new ones refused) while a taker keeps crossing
//! the bot's bid, then restores. Every fill of the bot's subaccount on chain (CometBFT
//! `block_results` between the heights) must come out as exactly one `fill` event line with
//! its trade id: none lost, none twice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/common/mod.rs"]
mod common;
#[path = "common/devnet.rs"]
mod devnet;
#[path = "common/live.rs"]
mod live;
#[path = "common/relay.rs"]
mod relay;

use std::collections::BTreeSet;
use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::Value;
use tradebot_injective::msgs::{MarketKind, Side};
use tradebot_injective::stream::backfill::{self, Target};

use devnet::devnet;
use live::{Bot, Vault};
use relay::Relay;

const START: Duration = Duration::from_secs(90);

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

/// The taker sells 1 at the bot's current bid (read from the chain), then cancels what of it
/// rests: the bot may have replaced its bid in between, and then the sale fills nothing.
async fn cross_bid(taker: &tradebot_injective::client::InjectiveClient, sub: &str) {
    let orders =
        live::wait_chain(sub, START, |o| o.iter().any(|o| o.1 && o.3 >= Decimal::ONE)).await;
    let bid = orders.iter().find(|o| o.1 && o.3 >= Decimal::ONE).unwrap();
    live::order(taker, Side::Sell, bid.2, Decimal::ONE).await;
    live::cancel_all(taker).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stream_cut_in_the_middle_of_fills_loses_none_and_counts_none_twice() {
    let dn = devnet();
    let (bot_key, maker_key, taker_key) = (live::fresh_key(), live::fresh_key(), live::fresh_key());
    for k in [&bot_key, &maker_key, &taker_key] {
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
    let sub = live::subaccount(&bot_key);
    let vault = Vault::with_wallet(&bot_key).await;
    drop(bot_key);
    let relay = Relay::start(&dn.stream).await;
    let mut spec: Value = serde_json::from_str(&live::spec(&vault.bao.address, dn, "4")).unwrap();
    spec["injective"]["endpoints"]["stream"] = relay.url.clone().into();
    live::book_around(&maker).await;

    let mut bot = Bot::start(&spec.to_string(), &vault.token().await);
    bot.wait_event("ready", START);
    let from = height().await;
    cross_bid(&taker, &sub).await;
    let (first, _) = bot.wait_event("fill", Duration::from_secs(30));

    // Cut: more fills on chain while the stream is down and reconnects are refused.
    relay.cut();
    let cut_at = height().await;
    cross_bid(&taker, &sub).await;
    cross_bid(&taker, &sub).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let restored_at = height().await;
    relay.restore();
    cross_bid(&taker, &sub).await;
    let to = height().await;

    let target = Target {
        market_id: dn.market_inj_usdt.clone(),
        kind: MarketKind::Spot,
        subaccount_id: sub.clone(),
    };
    let http = reqwest::Client::new();
    let chain = backfill::fills_between(&http, &dn.rpc, &target, from, to)
        .await
        .unwrap();
    assert!(
        chain
            .iter()
            .any(|f| cut_at < f.height && f.height <= restored_at),
        "a fill while the stream was cut ({cut_at}..{restored_at}): {chain:?}"
    );
    let mut waited = vec![first];
    while waited.len() < chain.len() {
        let (fill, _) = bot.wait_event("fill", Duration::from_secs(40));
        waited.push(fill);
    }
    // Nothing more may come: a duplicate would show up in the events read until the stop.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (status, events) = bot.term();
    assert!(status.success(), "exit {status:?}: {events:?}");
    // `events` holds every line the bot wrote, the fills waited for above included.
    let reported: Vec<Value> = events
        .into_iter()
        .filter(|e| e["event"] == "fill")
        .collect();
    let to = height().await;
    // The bot's last quotes may have been crossed after `to` was first read: count them too.
    let chain = backfill::fills_between(&http, &dn.rpc, &target, from, to)
        .await
        .unwrap();
    let chain_ids: BTreeSet<String> = chain.iter().map(|f| f.trade_id.clone()).collect();
    let ids: Vec<String> = reported
        .iter()
        .map(|f| f["trade_id"].as_str().unwrap().to_owned())
        .collect();
    let unique: BTreeSet<String> = ids.iter().cloned().collect();
    assert!(chain.len() >= 3, "fills of the bot on chain: {chain:?}");
    assert_eq!(ids.len(), unique.len(), "a fill reported twice: {ids:?}");
    assert_eq!(unique, chain_ids, "every chain fill reported, nothing else");
    for f in &reported {
        let c = chain
            .iter()
            .find(|c| Some(c.trade_id.as_str()) == f["trade_id"].as_str())
            .unwrap();
        assert_eq!(live::dec(&f["price"]), c.price.normalize(), "{f}");
        assert_eq!(live::dec(&f["quantity"]), c.quantity.normalize(), "{f}");
    }
    assert!(live::chain_orders(&sub).await.is_empty());
    live::cancel_all(&maker).await;
    println!(
        "stream cut at height {cut_at}, restored at {restored_at}: {} fills on chain \
         ({chain_ids:?}), as many fill lines, none twice",
        chain.len()
    );
}
