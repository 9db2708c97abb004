//! The `tradebot-bot` binary on the real devnet with a DELEGATED key (issues 12 and 13): the
//! live wallet W is funded and holds the funds; the bot key K never held a coin. K sits in a
//! real OpenBao at `wallets/data/<wallet>/bots/inj-usdt` and reaches the bot through the
//! secure introduction with `vault.market_key` (a wrapped token minted by the dashboard's
//! broker with policy `bot-<wallet>.inj-usdt`, which bootstrap writes from
//! policies/bot-key.hcl.tmpl for a live wallet's recorded bot key). W grants K batch updates on INJ/USDT and a
//! fee allowance in one transaction (the connector's `authz::delegation_msgs`); the spec's
//! `injective.granter` is W. Everything is checked on the chain (LCD, CometBFT), never
//! through the bot: the quotes on W's subaccount, the fill with the chain's trade id, K's INJ
//! still exactly zero (the allowance paid), nothing left after SIGTERM; a grant revoked under a
//! running bot ends it with exit 21 and `permission_gone`; a start without any grant is
//! refused before any order, exit 21.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/common/mod.rs"]
mod common;
#[path = "common/devnet.rs"]
mod devnet;
#[path = "common/live.rs"]
mod live;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rust_decimal::Decimal;
use serde_json::Value;
use tradebot_injective::address::Address;
use tradebot_injective::authz::{self, GrantSpec};
use tradebot_injective::client::{InjectiveClient, MarketRef};
use tradebot_injective::feegrant;
use tradebot_injective::keys::{InjectiveKey, PrivateKey};
use tradebot_injective::msgs::{MarketKind, Side};
use tradebot_injective::stream::backfill::{self, Target};

use devnet::devnet;
use live::{Bot, Vault};

const START: Duration = Duration::from_secs(90);
/// What the fee allowance may spend: 1 INJ.
const FEE_LIMIT: &str = "1000000000000000000inj";

fn copy(key: &PrivateKey) -> PrivateKey {
    PrivateKey::from_bytes(key.expose_secret()).unwrap()
}

fn dec(v: &Value) -> Decimal {
    live::dec(v)
}

async fn lcd(path: &str) -> (u16, Value) {
    let resp = reqwest::get(format!("{}{path}", devnet().lcd))
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Every bank balance of `address` (denom, base units), from the LCD.
async fn bank(address: Address) -> Vec<(String, u128)> {
    let (_, v) = lcd(&format!("/cosmos/bank/v1beta1/balances/{address}")).await;
    v["balances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let amount = c["amount"].as_str().unwrap().parse().unwrap();
            (c["denom"].as_str().unwrap().to_owned(), amount)
        })
        .collect()
}

async fn inj(address: Address) -> u128 {
    let all = bank(address).await;
    all.iter().find(|(d, _)| d == "inj").map_or(0, |(_, a)| *a)
}

/// What is left of the fee allowance's spend limit (inj base units); `None`: no allowance.
async fn allowance_left(granter: Address, grantee: Address) -> Option<u128> {
    let (status, v) = lcd(&format!(
        "/cosmos/feegrant/v1beta1/allowance/{granter}/{grantee}"
    ))
    .await;
    if status != 200 {
        return None;
    }
    let limit = &v["allowance"]["allowance"]["allowance"]["spend_limit"];
    let coin = limit.as_array()?.iter().find(|c| c["denom"] == "inj")?;
    coin["amount"].as_str()?.parse().ok()
}

async fn grant_count(granter: Address, grantee: Address) -> usize {
    let (_, v) = lcd(&format!(
        "/cosmos/authz/v1beta1/grants?granter={granter}&grantee={grantee}"
    ))
    .await;
    v["grants"].as_array().map_or(0, Vec::len)
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

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The parties: W (funded, its own client), K (never funded), a book maker, a taker.
struct Parties {
    wallet_key: PrivateKey,
    wallet: InjectiveClient,
    bot_key: PrivateKey,
    maker: InjectiveClient,
    taker: InjectiveClient,
    /// W's and the maker's orders go when the test ends, even when it fails.
    _cleanup: [live::CancelOnDrop; 2],
}

async fn parties() -> Parties {
    let (w, maker, taker) = (live::fresh_key(), live::fresh_key(), live::fresh_key());
    for k in [&w, &maker, &taker] {
        let a = live::address(k);
        tokio::task::spawn_blocking(move || devnet().fund(&a, None))
            .await
            .unwrap();
    }
    Parties {
        _cleanup: [live::cancel_on_drop(&w), live::cancel_on_drop(&maker)],
        wallet: live::client(copy(&w)).await,
        wallet_key: w,
        bot_key: live::fresh_key(),
        maker: live::client(maker).await,
        taker: live::client(taker).await,
    }
}

/// W grants K batch updates on INJ/USDT (W's default subaccount) and a fee allowance of
/// [`FEE_LIMIT`], both for an hour, in ONE transaction signed by W (library code).
async fn grant(p: &Parties) -> String {
    let (granter, grantee) = (p.wallet_key.address(), p.bot_key.address());
    let spec = GrantSpec {
        granter,
        grantee,
        subaccount: granter.subaccount(0),
        spot_markets: vec![devnet().market_inj_usdt.clone()],
        derivative_markets: vec![],
        expires_at: now() + 3600,
    };
    let msgs = authz::delegation_msgs(&spec, feegrant::parse_coins(FEE_LIMIT).unwrap()).unwrap();
    let tx = p.wallet.submit(msgs).await.unwrap();
    assert_eq!(grant_count(granter, grantee).await, 1);
    tx.txhash
}

fn cancelled(events: &[Value], reason: &str) -> Value {
    events
        .iter()
        .find(|e| e["event"] == "orders_cancelled" && e["reason"] == reason)
        .cloned()
        .unwrap_or_else(|| panic!("no orders_cancelled {reason}: {events:?}"))
}

/// The bot's quotes on chain under W's subaccount: (bid, ask) as (hash, is_buy, price, qty).
type ChainOrder = (String, bool, Decimal, Decimal);
async fn quotes(sub: &str) -> (ChainOrder, ChainOrder) {
    let q = live::wait_chain(sub, START, |o| o.len() == 2).await;
    let bid = q.iter().find(|o| o.1).cloned();
    let ask = q.iter().find(|o| !o.1).cloned();
    bid.zip(ask)
        .unwrap_or_else(|| panic!("a bid and an ask: {q:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delegated_key_quotes_fills_and_stops_with_fees_paid_by_the_grant() {
    let _turn = live::BOOK_TURN.lock().await;
    let dn = devnet();
    let p = parties().await;
    let (granter, grantee) = (p.wallet_key.address(), p.bot_key.address());
    let sub = granter.subaccount(0).to_hex();
    let vault = Vault::with_bot_key(&p.wallet_key, &p.bot_key, "INJ/USDT").await;
    // Bootstrap wrote the bot key's policy from the reviewed template; a live wallet has no
    // `bot-<wallet>` policy (its own key is read by key admins only).
    let policies = vault.policies().await;
    assert!(
        policies.contains(&format!("bot-{}.inj-usdt", live::WALLET)),
        "{policies:?}"
    );
    assert!(
        !policies.contains(&format!("bot-{}", live::WALLET)),
        "{policies:?}"
    );
    let txhash = grant(&p).await;
    assert_eq!(bank(grantee).await, vec![], "K holds nothing");
    let limit_before = allowance_left(granter, grantee).await.unwrap();
    let w_inj_before = inj(granter).await;
    let spec = live::delegated_spec(&vault.bao.address, dn, "1", &granter.to_bech32());
    let (lo, center, hi) = live::book_around(&p.maker).await;

    let t0 = Instant::now();
    let mut bot = Bot::start(&spec, &vault.market_token("INJ/USDT").await);
    let (_, ready_at) = bot.wait_event("ready", START);
    assert_eq!(cancelled(&bot.events, "startup")["count"], 0);
    let (bid, ask) = quotes(&sub).await;
    let on_book = t0.elapsed();
    assert!(
        lo < bid.2 && bid.2 < center && center < ask.2 && ask.2 < hi,
        "quotes {bid:?} {ask:?} inside {lo}..{hi}"
    );
    let (bids, asks) = live::chain_book().await;
    assert_eq!((bids.first(), asks.first()), (Some(&bid.2), Some(&ask.2)));

    // A taker crosses the bot's bid: W's subaccount buys; the bot reports the chain's fill.
    let from = height().await;
    let crossed = Instant::now();
    live::order(&p.taker, Side::Sell, bid.2, bid.3).await;
    let (fill, fill_at) = bot.wait_event("fill", Duration::from_secs(30));
    let target = Target {
        market_id: dn.market_inj_usdt.clone(),
        kind: MarketKind::Spot,
        subaccount_id: sub.clone(),
    };
    let http = reqwest::Client::new();
    let on_chain = backfill::fills_between(&http, &dn.rpc, &target, from, height().await)
        .await
        .unwrap();
    assert_eq!(on_chain.len(), 1, "one fill of W on chain: {on_chain:?}");
    let c = &on_chain[0];
    assert_eq!(
        fill["trade_id"].as_str(),
        Some(c.trade_id.as_str()),
        "{fill}"
    );
    assert_eq!(
        (dec(&fill["price"]), dec(&fill["quantity"])),
        (bid.2, bid.3)
    );
    assert_eq!(dec(&fill["fee"]), c.fee.normalize(), "the chain's fee");
    assert_eq!(
        c.order_hash, bid.0,
        "the fill is of the bid the chain showed"
    );

    // SIGTERM: nothing of the bot left on W's book.
    let (status, events) = bot.term();
    assert!(status.success(), "exit {status:?}: {events:?}");
    assert!(cancelled(&events, "shutdown")["count"].as_u64().unwrap() >= 1);
    let left = live::chain_orders(&sub).await;
    assert!(left.is_empty(), "orders left after SIGTERM: {left:?}");

    // K's balance is still exactly zero: every fee went through the allowance, out of W.
    assert_eq!(bank(grantee).await, vec![], "K holds nothing after trading");
    let limit_after = allowance_left(granter, grantee).await.unwrap();
    let spent = limit_before - limit_after;
    assert!(spent > 0, "the allowance paid the bot's fees");
    // W bought the fill's quantity of INJ (18 decimals; the spot maker fee is in USDT) and
    // paid the fees in INJ: nothing else moved.
    let bought = (bid.3 * Decimal::from(1_000_000_000_000_000_000u64))
        .to_string()
        .parse::<u128>()
        .unwrap();
    let w_inj_after = inj(granter).await;
    assert_eq!(
        w_inj_after + spent,
        w_inj_before + bought,
        "W's INJ: + the fill, - exactly the fees"
    );
    live::cancel_all(&p.maker).await;
    println!(
        "delegated bot (grant tx {txhash}): start->ready {:?}, start->2 quotes on chain {:?}, \
         taker order->fill line {:?}; fees paid by the allowance {} inj base units \
         ({:.6} INJ); K's INJ 0 before and after",
        ready_at - t0,
        on_book,
        fill_at - crossed,
        spent,
        spent as f64 / 1e18
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn revoking_the_grant_under_a_running_bot_ends_it_with_exit_21() {
    let _turn = live::BOOK_TURN.lock().await;
    let dn = devnet();
    let p = parties().await;
    let (granter, grantee) = (p.wallet_key.address(), p.bot_key.address());
    let sub = granter.subaccount(0).to_hex();
    let vault = Vault::with_bot_key(&p.wallet_key, &p.bot_key, "INJ/USDT").await;
    grant(&p).await;
    let spec = live::delegated_spec(&vault.bao.address, dn, "1", &granter.to_bech32());
    live::book_around(&p.maker).await;
    let mut bot = Bot::start(&spec, &vault.market_token("INJ/USDT").await);
    bot.wait_event("ready", START);
    let (bid, _) = quotes(&sub).await;

    // W revokes grant and allowance (one tx); the bot's next transaction is refused.
    p.wallet
        .submit(authz::revocation_msgs(granter, grantee))
        .await
        .unwrap();
    assert_eq!(grant_count(granter, grantee).await, 0);
    let revoked = Instant::now();
    // A fill makes the market maker replace its bid: that batch is its next transaction.
    live::order(&p.taker, Side::Sell, bid.2, bid.3).await;
    let (status, events) = bot.wait_exit(Duration::from_secs(60));
    assert_eq!(status.code(), Some(21), "exit {status:?}: {events:?}");
    let error = events
        .iter()
        .find(|e| e["event"] == "error")
        .unwrap_or_else(|| panic!("no error event: {events:?}"));
    let message = error["message"].as_str().unwrap();
    assert_eq!(error["class"], "permission", "{error}");
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("tradebot-injective grant"), "{message}");
    assert_eq!(events.last().unwrap()["event"], "stopped");
    assert_eq!(events.last().unwrap()["reason"], "permission_gone");
    println!(
        "revoked grant: bot exit 21 {:?} after the revocation; reason: {message}",
        revoked.elapsed()
    );
    // The bot key cannot cancel anymore: W cleans its own book.
    p.wallet
        .cancel_all(&[MarketRef::spot(&dn.market_inj_usdt)])
        .await
        .unwrap();
    assert!(live::chain_orders(&sub).await.is_empty());
    assert_eq!(bank(grantee).await, vec![]);
    live::cancel_all(&p.maker).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_start_without_a_grant_is_refused_before_any_order_with_exit_21() {
    let dn = devnet();
    let p = parties().await;
    let granter = p.wallet_key.address();
    let sub = granter.subaccount(0).to_hex();
    let vault = Vault::with_bot_key(&p.wallet_key, &p.bot_key, "INJ/USDT").await;
    let spec = live::delegated_spec(&vault.bao.address, dn, "1", &granter.to_bech32());
    let t0 = Instant::now();
    let bot = Bot::start(&spec, &vault.market_token("INJ/USDT").await);
    let (status, events) = bot.wait_exit(Duration::from_secs(60));
    assert_eq!(status.code(), Some(21), "exit {status:?}: {events:?}");
    assert!(
        events.iter().all(|e| e["event"] != "ready"),
        "refused before ready: {events:?}"
    );
    let error = &events[0];
    assert_eq!(
        (&error["event"], &error["class"]),
        (&Value::from("error"), &Value::from("permission")),
        "{events:?}"
    );
    let message = error["message"].as_str().unwrap();
    assert_eq!(message.lines().count(), 1);
    assert!(message.contains("no trading grant"), "{message}");
    assert!(live::chain_orders(&sub).await.is_empty());
    println!(
        "no grant: refused in {:?}, exit 21: {message}",
        t0.elapsed()
    );
}

/// Not a check: takes every order left on the devnet's INJ/USDT book within 5..20 (by tests
/// that crashed before cleaning up, whose keys are gone) with a fresh funded account, so the
/// live tests find room for their book again. `cargo test --test live_delegated -- --ignored
/// sweep`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "maintenance of the shared devnet"]
async fn sweep_the_inj_usdt_book() {
    let _turn = live::BOOK_TURN.lock().await;
    let key = live::fresh_key();
    let a = live::address(&key);
    tokio::task::spawn_blocking(move || devnet().fund(&a, None))
        .await
        .unwrap();
    let c = live::client(key).await;
    let (lo, hi) = (Decimal::from(5), Decimal::from(20));
    let url = format!(
        "{}/injective/exchange/v2/spot/orderbook/{}?limit=50",
        devnet().lcd,
        devnet().market_inj_usdt
    );
    let v: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    for (side, levels) in [
        (Side::Sell, "buys_price_level"),
        (Side::Buy, "sells_price_level"),
    ] {
        for l in v[levels].as_array().into_iter().flatten() {
            let (p, q) = (dec(&l["p"]), dec(&l["q"]));
            if lo <= p && p <= hi {
                live::order(&c, side, p, q).await;
                println!("took {q} at {p}");
            }
        }
    }
    live::cancel_all(&c).await;
}
