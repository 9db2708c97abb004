//! The `tradebot-bot` binary on the devnet's INJ/USDT perpetual with leverage 2
//! (`injective.leverage`), its key from OpenBao through the secure introduction: the market
//! maker's quotes rest on the chain's derivative book with margin = price x quantity / 2 (LCD),
//! a taker from another account crosses the bid, the bot reports the fill with the chain's trade
//! id, and the position is on chain (LCD): long the quantity at the bid, margin bid x qty / 2.
//! SIGTERM cancels the quotes (the position stays: the bot never closes it by itself).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/common/mod.rs"]
mod common;
#[path = "common/devnet.rs"]
mod devnet;
#[path = "common/live.rs"]
mod live;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rust_decimal::Decimal;
use serde_json::{json, Value};
use tradebot_injective::client::{InjectiveClient, MarketRef};
use tradebot_injective::msgs::{Batch, MarketKind, NewOrder, Side};
use tradebot_injective::stream::backfill::{self, Target};

use devnet::devnet;
use live::{Bot, Vault};

const START: Duration = Duration::from_secs(90);

fn perp() -> MarketRef {
    MarketRef::derivative(&devnet().market_inj_usdt_perp)
}

async fn lcd(path: &str) -> Value {
    let url = format!("{}{path}", devnet().lcd);
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

/// Open perp orders of `sub` from the LCD: (hash, is_buy, price, fillable, margin).
async fn perp_orders(sub: &str) -> Vec<(String, bool, Decimal, Decimal, Decimal)> {
    let v = lcd(&format!(
        "/injective/exchange/v2/derivative/orders/{}/{sub}",
        perp().id
    ))
    .await;
    v["orders"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            let f = |snake: &str, camel: &str| o.get(snake).or_else(|| o.get(camel)).cloned();
            (
                f("order_hash", "orderHash")
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned(),
                f("is_buy", "isBuy")
                    .and_then(|b| b.as_bool())
                    .unwrap_or(false),
                live::dec(&o["price"]),
                live::dec(&o["fillable"]),
                live::dec(&o["margin"]),
            )
        })
        .collect()
}

/// Best bid and ask of the perp book from the LCD.
async fn perp_top() -> (Option<Decimal>, Option<Decimal>) {
    let v = lcd(&format!(
        "/injective/exchange/v2/derivative/orderbook/{}?limit=5",
        perp().id
    ))
    .await;
    let first = |k: &str| {
        v[k].as_array()
            .and_then(|l| l.first())
            .map(|l| live::dec(&l["p"]))
    };
    (first("buys_price_level"), first("sells_price_level"))
}

/// The position of `sub` on the perp (LCD): (is_long, quantity, entry price, margin).
async fn position(sub: &str) -> Option<(bool, Decimal, Decimal, Decimal)> {
    let v = lcd(&format!(
        "/injective/exchange/v2/subaccount_positions/{sub}"
    ))
    .await;
    let all = v["state"].as_array().cloned().unwrap_or_default();
    let p = all.iter().find(|p| p["market_id"] == perp().id.as_str())?;
    let p = &p["position"];
    let long = p.get("isLong").or_else(|| p.get("is_long"));
    Some((
        long.and_then(Value::as_bool).unwrap_or(false),
        live::dec(&p["quantity"]),
        live::dec(&p["entry_price"]),
        live::dec(&p["margin"]),
    ))
}

async fn perp_client(key: tradebot_injective::keys::PrivateKey) -> InjectiveClient {
    let c = live::client(key).await;
    c.market(&perp()).await.unwrap();
    c
}

/// One perp limit order (leverage 1) from another trader; waits for its block.
async fn perp_order(c: &InjectiveClient, side: Side, price: Decimal, qty: Decimal) {
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let batch = Batch {
        creates: vec![NewOrder {
            market_id: perp().id,
            side,
            price,
            quantity: qty,
            post_only: false,
            cid: format!("p{n}"),
            leverage: Some(Decimal::ONE),
        }],
        ..Batch::default()
    };
    let out = c.batch_update(&batch).await.unwrap();
    assert_eq!(out.placed.len(), 1, "order refused: {out:?}");
}

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

#[tokio::test(flavor = "multi_thread")]
async fn the_bot_binary_quotes_the_perpetual_with_leverage_and_holds_the_position_on_chain() {
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
    let (maker, taker) = (perp_client(maker_key).await, perp_client(taker_key).await);
    let sub = live::subaccount(&bot_key);
    let vault = Vault::with_wallet(&bot_key).await;
    drop(bot_key);
    let mut spec: Value = serde_json::from_str(&live::spec(&vault.bao.address, dn, "1")).unwrap();
    spec["market"] = json!("INJ/USDT-PERP");
    spec["injective"]["market_id"] = json!(dn.market_inj_usdt_perp);
    spec["injective"]["leverage"] = json!("2");

    // The maker's book 3 % around the oracle's 25 (a free gap: nobody else quotes inside).
    let center = Decimal::from(25);
    let (lo, hi) = (center * Decimal::new(97, 2), center * Decimal::new(103, 2));
    let (bid0, ask0) = perp_top().await;
    assert!(
        bid0.is_none_or(|b| b < lo) && ask0.is_none_or(|a| a > hi),
        "another test quotes the perp inside {lo}..{hi}: {bid0:?} {ask0:?}"
    );
    perp_order(&maker, Side::Buy, lo, Decimal::ONE).await;
    perp_order(&maker, Side::Sell, hi, Decimal::ONE).await;

    // More leverage than the chain's 1 / initial margin ratio (0.05): refused at start-up.
    let mut greedy = spec.clone();
    greedy["injective"]["leverage"] = json!("50");
    let (status, events) =
        Bot::start(&greedy.to_string(), &vault.token().await).wait_exit(Duration::from_secs(60));
    assert_eq!(status.code(), Some(1), "{events:?}");
    let message = events[0]["message"].as_str().unwrap();
    assert!(
        message.contains("injective.leverage 50 is outside 1..=20"),
        "{message}"
    );
    assert!(perp_orders(&sub).await.is_empty());

    let t0 = Instant::now();
    let mut bot = Bot::start(&spec.to_string(), &vault.token().await);
    bot.wait_event("ready", START);
    let deadline = Instant::now() + START;
    let quotes = loop {
        let q = perp_orders(&sub).await;
        if q.len() == 2 {
            break q;
        }
        assert!(Instant::now() < deadline, "no perp quotes on chain: {q:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let on_book = t0.elapsed();
    let bid = quotes.iter().find(|o| o.1).unwrap().clone();
    let ask = quotes.iter().find(|o| !o.1).unwrap().clone();
    assert!(lo < bid.2 && bid.2 < center && center < ask.2 && ask.2 < hi);
    for o in [&bid, &ask] {
        assert_eq!(
            o.4,
            (o.2 * o.3 / Decimal::TWO).normalize(),
            "order margin = price x qty / leverage 2: {o:?}"
        );
    }

    let from = height().await;
    perp_order(&taker, Side::Sell, bid.2, bid.3).await;
    let (fill, _) = bot.wait_event("fill", Duration::from_secs(30));
    let target = Target {
        market_id: dn.market_inj_usdt_perp.clone(),
        kind: MarketKind::Derivative,
        subaccount_id: sub.clone(),
    };
    let http = reqwest::Client::new();
    let chain = backfill::fills_between(&http, &dn.rpc, &target, from, height().await)
        .await
        .unwrap();
    assert_eq!(chain.len(), 1, "{chain:?}");
    assert_eq!(fill["trade_id"].as_str(), Some(chain[0].trade_id.as_str()));
    assert_eq!(live::dec(&fill["price"]), bid.2);
    assert_eq!(fill["side"], "buy");

    let pos = position(&sub).await.expect("a position on chain");
    assert_eq!(
        pos,
        (
            true,
            bid.3,
            bid.2,
            (bid.2 * bid.3 / Decimal::TWO).normalize()
        ),
        "long qty at the bid, margin at leverage 2"
    );
    let (status, events) = bot.term();
    assert!(status.success(), "exit {status:?}: {events:?}");
    assert!(
        perp_orders(&sub).await.is_empty(),
        "quotes left after SIGTERM"
    );
    assert_eq!(position(&sub).await, Some(pos), "the position stays");
    maker
        .cancel_all(std::slice::from_ref(&perp()))
        .await
        .unwrap();
    println!(
        "perp, leverage 2: start->2 quotes on chain {on_book:?}; quotes {bid:?} {ask:?}; \
         position on chain (long, qty, entry, margin) {pos:?}"
    );
}
