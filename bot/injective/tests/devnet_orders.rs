//! The connector against a real Injective node (`ops/devnet`, brought up by the harness): every
//! message we send passes the chain's own validation, and every kind of refusal comes back as
//! the error or rejected order it is. Each test trades fresh accounts funded from the
//! validator, so tests can share the chain; what the chain holds is read with plain LCD queries,
//! independently of the client under test.
// Helpers outside #[test] fns are not covered by clippy.toml's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/common/devnet.rs"]
mod devnet;

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use devnet::{devnet, Devnet};
use prost::Message;
use rust_decimal::Decimal;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tradebot_injective::authz::{self, GrantSpec};
use tradebot_injective::client::{
    ClientConfig, ClientError, GasStrategy, InjectiveClient, MarketRef, Signer,
};
use tradebot_injective::feegrant;
use tradebot_injective::keys::{InjectiveKey, PrivateKey};
use tradebot_injective::msgs::{Batch, BatchOutcome, CancelOrder, NewOrder, OrderError, Side};
use tradebot_injective::network::Network;
use tradebot_injective::proto;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// Key bytes no other test (nor an earlier run) uses: sha256 of the test name, pid, time,
/// counter.
fn fresh_seed(name: &str) -> [u8; 32] {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let seed = format!(
        "{name}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    Sha256::digest(seed.as_bytes()).into()
}

fn key(seed: &[u8; 32]) -> PrivateKey {
    PrivateKey::from_bytes(seed).unwrap()
}

fn client_with(dn: &Devnet, key: PrivateKey, gas: GasStrategy) -> InjectiveClient {
    let mut net = Network::custom(&dn.chain_id, &dn.lcd, &dn.lcd);
    net.requests_per_second = 200;
    let cfg = ClientConfig {
        gas,
        confirm_interval: Duration::from_millis(250),
        confirm_attempts: 80,
        ..ClientConfig::default()
    };
    InjectiveClient::new(net, cfg, Some(Signer::direct(key))).unwrap()
}

/// A funded account (1000 INJ, 10000 USDT, 10000 TIA unless `amounts`) and its client, with
/// the INJ/USDT spot and perpetual markets loaded; the key bytes, for a second client.
async fn trader(name: &str, amounts: Option<&str>) -> (InjectiveClient, [u8; 32]) {
    let seed = fresh_seed(name);
    let address = key(&seed).address().to_bech32();
    let amounts = amounts.map(str::to_owned);
    tokio::task::spawn_blocking(move || devnet().fund(&address, amounts.as_deref()))
        .await
        .unwrap();
    let c = loaded(&seed, ClientConfig::default().gas).await;
    (c, seed)
}

/// A client of the account of `seed` with both markets loaded.
async fn loaded(seed: &[u8; 32], gas: GasStrategy) -> InjectiveClient {
    let c = client_with(devnet(), key(seed), gas);
    c.market(&spot()).await.unwrap();
    c.market(&perp()).await.unwrap();
    c
}

fn spot() -> MarketRef {
    MarketRef::spot(&devnet().market_inj_usdt)
}

fn perp() -> MarketRef {
    MarketRef::derivative(&devnet().market_inj_usdt_perp)
}

fn order(market: &MarketRef, cid: &str, side: Side, price: &str, qty: &str) -> NewOrder {
    NewOrder {
        market_id: market.id.clone(),
        side,
        price: d(price),
        quantity: d(qty),
        post_only: false,
        cid: cid.into(),
        leverage: Some(Decimal::ONE),
    }
}

fn creates(orders: Vec<NewOrder>) -> Batch {
    Batch {
        creates: orders,
        ..Batch::default()
    }
}

async fn lcd(path: &str) -> Value {
    let url = format!("{}{path}", devnet().lcd);
    let resp = reqwest::get(&url).await.unwrap();
    let status = resp.status();
    let body = resp.text().await.unwrap();
    assert!(status.is_success(), "{url}: {status} {body}");
    serde_json::from_str(&body).unwrap()
}

/// Open orders of `c`'s subaccount in `market`, read straight from the LCD: (price, quantity,
/// cid) in human units.
async fn chain_orders(c: &InjectiveClient, market: &MarketRef) -> Vec<(Decimal, Decimal, String)> {
    let kind = if market == &spot() {
        "spot"
    } else {
        "derivative"
    };
    let sub = c.subaccount().unwrap();
    let v = lcd(&format!(
        "/injective/exchange/v2/{kind}/orders/{}/{sub}",
        market.id
    ))
    .await;
    v["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                d(o["price"].as_str().unwrap()),
                d(o["quantity"].as_str().unwrap()),
                o["cid"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Bank balance of `address` in base units of `denom`.
async fn bank(address: &str, denom: &str) -> Decimal {
    let v = lcd(&format!(
        "/cosmos/bank/v1beta1/balances/{address}/by_denom?denom={denom}"
    ))
    .await;
    d(v["balance"]["amount"].as_str().unwrap())
}

async fn sequence(address: &str) -> u64 {
    let v = lcd(&format!("/cosmos/auth/v1beta1/accounts/{address}")).await;
    let acc = &v["account"];
    let base = acc.get("base_account").unwrap_or(acc);
    base["sequence"].as_str().unwrap().parse().unwrap()
}

fn placed(out: &BatchOutcome, cid: &str) -> bool {
    out.placed.iter().any(|p| p.cid == cid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_cancel_all_on_an_empty_and_a_full_book() {
    let (c, _) = trader("cancel-all", None).await;
    // Empty: nothing of ours on either market, the cancel-all still goes through.
    c.cancel_all(&[spot(), perp()]).await.unwrap();

    let out = c
        .batch_update(&creates(vec![
            order(&spot(), "ca-b1", Side::Buy, "1.001", "2"),
            order(&spot(), "ca-b2", Side::Buy, "1.002", "2"),
            order(&spot(), "ca-s1", Side::Sell, "999", "0.01"),
            order(&perp(), "ca-p1", Side::Buy, "1.5", "1"),
        ]))
        .await
        .unwrap();
    assert_eq!(out.placed.len(), 4, "{out:?}");
    assert_eq!(chain_orders(&c, &spot()).await.len(), 3);
    assert_eq!(chain_orders(&c, &perp()).await.len(), 1);

    c.cancel_all(&[spot(), perp()]).await.unwrap();
    assert_eq!(chain_orders(&c, &spot()).await, vec![]);
    assert_eq!(chain_orders(&c, &perp()).await, vec![]);
}

/// The highest bid on the INJ/USDT book (zero when none).
async fn best_bid() -> Decimal {
    let book = lcd(&format!(
        "/injective/exchange/v2/spot/orderbook/{}?limit=1",
        spot().id
    ))
    .await;
    book["buys_price_level"]
        .as_array()
        .and_then(|l| l.first())
        .map_or(Decimal::ZERO, |l| d(l["p"].as_str().unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quote_rests_on_the_book_and_a_taker_crosses_it() {
    let (maker, _) = trader("maker", None).await;
    let (taker, _) = trader("taker", None).await;
    // Above every resting bid (the chain is shared, and a failed earlier run may have left a
    // bid behind), so the taker's sell meets ours first.
    let best = best_bid().await.max(d("3.217"));
    let price = (best + d("0.013")).to_string();
    let price = price.as_str();
    let out = maker
        .batch_update(&creates(vec![order(
            &spot(),
            "mk-bid",
            Side::Buy,
            price,
            "1.5",
        )]))
        .await
        .unwrap();
    assert!(placed(&out, "mk-bid"), "{out:?}");
    let book = lcd(&format!(
        "/injective/exchange/v2/spot/orderbook/{}?limit=100",
        spot().id
    ))
    .await;
    let level = book["buys_price_level"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| d(l["p"].as_str().unwrap()) == d(price))
        .unwrap_or_else(|| panic!("our bid is not on the chain's book: {book}"));
    assert!(d(level["q"].as_str().unwrap()) >= d("1.5"), "{level}");

    let maker_addr = maker.subaccount().unwrap().address().to_bech32();
    let inj_before = bank(&maker_addr, "inj").await;
    let out = taker
        .batch_update(&creates(vec![order(
            &spot(),
            "tk-sell",
            Side::Sell,
            price,
            "1.5",
        )]))
        .await
        .unwrap();
    assert!(placed(&out, "tk-sell"), "{out:?}");
    // Matched at the end of the taker's block: the bid is gone and the maker holds 1.5 INJ more.
    assert_eq!(chain_orders(&maker, &spot()).await, vec![]);
    let inj_after = bank(&maker_addr, "inj").await;
    assert_eq!(inj_after - inj_before, d("1500000000000000000"));
    // The client's balances see the bank funds of the default subaccount.
    let bal = maker.balances().await.unwrap();
    let inj = bal.iter().find(|b| b.denom == "inj").unwrap();
    assert_eq!(inj.total, inj_after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_and_cancels_by_cid_in_one_batch() {
    let (c, _) = trader("cid", None).await;
    let out = c
        .batch_update(&creates(vec![order(
            &spot(),
            "cid-1",
            Side::Buy,
            "1.111",
            "1",
        )]))
        .await
        .unwrap();
    assert!(placed(&out, "cid-1"), "{out:?}");
    let both = Batch {
        creates: vec![order(&spot(), "cid-2", Side::Buy, "1.112", "1")],
        cancels: vec![CancelOrder {
            market_id: spot().id,
            cid: "cid-1".into(),
        }],
        ..Batch::default()
    };
    let out = c.batch_update(&both).await.unwrap();
    assert_eq!(out.cancels, vec![("cid-1".to_owned(), true)]);
    assert!(placed(&out, "cid-2"), "{out:?}");
    let cids: Vec<String> = chain_orders(&c, &spot())
        .await
        .into_iter()
        .map(|o| o.2)
        .collect();
    assert_eq!(cids, vec!["cid-2".to_owned()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_derivative_order_with_leverage_books_its_margin() {
    let (c, _) = trader("perp", None).await;
    let mut o = order(&perp(), "pp-1", Side::Buy, "2.5", "4");
    o.leverage = Some(d("2"));
    let out = c.batch_update(&creates(vec![o])).await.unwrap();
    assert!(placed(&out, "pp-1"), "{out:?}");
    let sub = c.subaccount().unwrap();
    let v = lcd(&format!(
        "/injective/exchange/v2/derivative/orders/{}/{sub}",
        perp().id
    ))
    .await;
    let o = &v["orders"][0];
    assert_eq!(d(o["quantity"].as_str().unwrap()), d("4"));
    // 2.5 x 4 / 2 = 5 USDT of margin.
    assert_eq!(d(o["margin"].as_str().unwrap()), d("5"), "{v}");
    c.cancel_all(&[perp()]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_sequence_is_resynchronised_and_retried_once() {
    let (c, seed) = trader("sequence", None).await;
    let out = c
        .batch_update(&creates(vec![order(
            &spot(),
            "sq-1",
            Side::Buy,
            "1.201",
            "1",
        )]))
        .await
        .unwrap();
    assert!(placed(&out, "sq-1"));
    // Another client of the same account moves the chain's sequence past c's cached one.
    let other = loaded(&seed, ClientConfig::default().gas).await;
    other
        .batch_update(&creates(vec![order(
            &spot(),
            "sq-2",
            Side::Buy,
            "1.202",
            "1",
        )]))
        .await
        .unwrap();
    let addr = c.subaccount().unwrap().address().to_bech32();
    let before = sequence(&addr).await;
    let out = c
        .batch_update(&creates(vec![order(
            &spot(),
            "sq-3",
            Side::Buy,
            "1.203",
            "1",
        )]))
        .await
        .unwrap();
    assert!(placed(&out, "sq-3"), "{out:?}");
    assert_eq!(sequence(&addr).await, before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_gas_is_recognised_at_check_and_at_delivery() {
    let (c, seed) = trader("gas", None).await;
    let batch = creates(vec![order(&spot(), "g-1", Side::Buy, "1.301", "1")]);
    // Too little gas for the ante handler: refused at CheckTx (HTTP 500 of the broadcast).
    let tiny = GasStrategy::Table {
        base: 20_000,
        per_order: 0,
        per_market: 0,
    };
    let starved = loaded(&seed, tiny).await;
    let addr = c.subaccount().unwrap().address().to_bech32();
    let before = sequence(&addr).await;
    let e = starved.batch_update(&batch).await.unwrap_err();
    assert!(matches!(e, ClientError::OutOfGas { .. }), "{e}");
    assert_eq!(
        sequence(&addr).await,
        before,
        "refused at CheckTx: not in a block"
    );
    // Enough for the ante handler, not for the orders: fails in the block.
    let short = GasStrategy::Simulate {
        multiplier: d("0.7"),
        margin: 0,
    };
    let short = loaded(&seed, short).await;
    let e = short.batch_update(&batch).await.unwrap_err();
    assert!(
        matches!(e, ClientError::OutOfGas { gas_wanted, gas_used } if gas_used > gas_wanted && gas_wanted > 0),
        "{e}"
    );
    assert_eq!(
        sequence(&addr).await,
        before + 1,
        "failed in a block, fee paid"
    );
    assert_eq!(chain_orders(&c, &spot()).await, vec![]);
    // The default (simulated, with a fee, x1.3 + margin) goes through.
    let out = c.batch_update(&batch).await.unwrap();
    assert!(placed(&out, "g-1"), "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crossing_post_only_order_is_rejected_with_code_59() {
    let (maker, _) = trader("po-maker", None).await;
    let (taker, _) = trader("po-taker", None).await;
    let price = "4.321";
    let out = maker
        .batch_update(&creates(vec![order(
            &spot(),
            "po-bid",
            Side::Buy,
            price,
            "1",
        )]))
        .await
        .unwrap();
    assert!(placed(&out, "po-bid"));
    let mut cross = order(&spot(), "po-x", Side::Sell, price, "1");
    cross.post_only = true;
    let out = taker.batch_update(&creates(vec![cross])).await.unwrap();
    assert!(out.placed.is_empty(), "{out:?}");
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(out.rejected[0].cid, "po-x");
    assert_eq!(out.rejected[0].code, Some(59));
    maker.cancel_all(&[spot()]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticks_and_min_notional_read_from_the_chain_are_enforced_before_sending() {
    let (c, _) = trader("ticks", None).await;
    let meta = c.market(&spot()).await.unwrap();
    assert_eq!(
        (meta.price_tick, meta.quantity_tick, meta.min_notional),
        (d("0.001"), d("0.001"), d("1"))
    );
    let addr = c.subaccount().unwrap().address().to_bech32();
    let before = sequence(&addr).await;
    let below = c
        .batch_update(&creates(vec![order(
            &spot(),
            "mn",
            Side::Buy,
            "0.999",
            "1",
        )]))
        .await
        .unwrap_err();
    assert!(
        matches!(below, ClientError::Order(OrderError::MinNotional(..))),
        "{below}"
    );
    let tick = c
        .batch_update(&creates(vec![order(
            &spot(),
            "tk",
            Side::Buy,
            "1.0005",
            "2",
        )]))
        .await
        .unwrap_err();
    assert!(
        matches!(tick, ClientError::Order(OrderError::PriceTick(..))),
        "{tick}"
    );
    // Nothing was broadcast.
    assert_eq!(sequence(&addr).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_beyond_the_funds_is_rejected_inside_the_batch() {
    // 5 USDT only: a 2 x 4 = 8 USDT bid cannot be funded; a 1 x 4 one can.
    let dn = devnet();
    let amounts = format!("10000000000000000000inj,5000000{}", dn.denom_usdt);
    let (c, _) = trader("funds", Some(&amounts)).await;
    let out = c
        .batch_update(&creates(vec![
            order(&spot(), "f-ok", Side::Buy, "4", "1"),
            order(&spot(), "f-big", Side::Buy, "4", "2"),
        ]))
        .await
        .unwrap();
    assert!(placed(&out, "f-ok"), "{out:?}");
    assert_eq!(out.rejected.len(), 1, "{out:?}");
    assert_eq!(out.rejected[0].cid, "f-big");
    assert!(out.rejected[0].code.is_some(), "{out:?}");
    c.cancel_all(&[spot()]).await.unwrap();
}

/// A granter (funded) and a bot key holding nothing, with a typed `BatchUpdateOrdersAuthz` for
/// INJ/USDT spot and perpetual and a fee allowance paying its fees; the bot's delegated client.
async fn delegated(name: &str, gas: GasStrategy) -> (InjectiveClient, InjectiveClient) {
    let (granter, _) = trader(&format!("{name}-granter"), None).await;
    let bot_seed = fresh_seed(&format!("{name}-bot"));
    let bot = key(&bot_seed).address();
    let granter_addr = granter.subaccount().unwrap().address();
    let spec = GrantSpec {
        granter: granter_addr,
        grantee: bot,
        subaccount: granter.subaccount().unwrap(),
        spot_markets: vec![spot().id],
        derivative_markets: vec![perp().id],
        expires_at: (SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 3600) as i64,
    };
    let fee_limit = feegrant::parse_coins("1000000000000000000inj").unwrap();
    let msgs = authz::delegation_msgs(&spec, fee_limit).unwrap();
    granter.submit(msgs).await.unwrap();
    let mut net = Network::custom(&devnet().chain_id, &devnet().lcd, &devnet().lcd);
    net.requests_per_second = 200;
    let cfg = ClientConfig {
        gas,
        confirm_interval: Duration::from_millis(250),
        confirm_attempts: 80,
        ..ClientConfig::default()
    };
    let signer = Signer::delegated(key(&bot_seed), granter_addr);
    let c = InjectiveClient::new(net, cfg, Some(signer)).unwrap();
    c.market(&spot()).await.unwrap();
    c.market(&perp()).await.unwrap();
    (granter, c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_authz_exec_creates_cancels_by_cid_and_cancels_all() {
    let (granter, bot) = delegated("exec", ClientConfig::default().gas).await;
    bot.cancel_all(&[spot(), perp()]).await.unwrap();
    let out = bot
        .batch_update(&creates(vec![
            order(&spot(), "ex-1", Side::Buy, "1.401", "1"),
            order(&perp(), "ex-p", Side::Buy, "1.402", "1"),
        ]))
        .await
        .unwrap();
    assert_eq!(out.placed.len(), 2, "{out:?}");
    // The orders are the granter's.
    assert_eq!(chain_orders(&granter, &spot()).await.len(), 1);
    let both = Batch {
        creates: vec![order(&spot(), "ex-2", Side::Buy, "1.403", "1")],
        cancels: vec![CancelOrder {
            market_id: spot().id,
            cid: "ex-1".into(),
        }],
        ..Batch::default()
    };
    let out = bot.batch_update(&both).await.unwrap();
    assert_eq!(out.cancels, vec![("ex-1".to_owned(), true)]);
    assert!(placed(&out, "ex-2"), "{out:?}");
    bot.cancel_all(&[spot(), perp()]).await.unwrap();
    assert_eq!(chain_orders(&granter, &spot()).await, vec![]);
    assert_eq!(chain_orders(&granter, &perp()).await, vec![]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_gas_inside_authz_exec_is_recognised() {
    let short = GasStrategy::Simulate {
        multiplier: d("0.7"),
        margin: 0,
    };
    let (granter, bot) = delegated("exec-gas", short).await;
    let e = bot
        .batch_update(&creates(vec![order(
            &spot(),
            "eg-1",
            Side::Buy,
            "1.501",
            "1",
        )]))
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::OutOfGas { .. }), "{e}");
    assert_eq!(chain_orders(&granter, &spot()).await, vec![]);
}

/// Sends `orders` as the account's own MsgBatchUpdateOrders built against a copy of the
/// market with the local pre-checks relaxed (`tick` as price tick, no min notional), so the
/// chain's own validation is what answers; the outcome read from the delivered tx.
async fn unchecked(
    c: &InjectiveClient,
    orders: Vec<NewOrder>,
    tick: &str,
) -> Result<BatchOutcome, ClientError> {
    let mut meta = c.market(&spot()).await.unwrap();
    meta.price_tick = d(tick);
    meta.quantity_tick = d(tick);
    meta.min_notional = Decimal::ZERO;
    let sub = c.subaccount().unwrap();
    let msg = tradebot_injective::msgs::batch_update(sub.address(), sub, &creates(orders), &[meta])
        .unwrap();
    let resp = c.submit(vec![proto::to_any(&msg)]).await?;
    let data = tradebot_injective::tx::msg_responses(&resp.data).unwrap();
    let resp = proto::MsgBatchUpdateOrdersResponse::decode(data[0].1.as_slice()).unwrap();
    Ok(tradebot_injective::msgs::read_outcome(&msg, &resp))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_itself_refuses_below_min_notional_and_off_tick_orders() {
    let (c, _) = trader("chain-ticks", None).await;
    // (order, code, description): 0.999 x 1 = 0.999 USDT is below the min notional of 1; 1.0005
    // is off the 0.001 price tick; 1.0005 is off the 0.001 quantity tick.
    let cases = [
        (
            order(&spot(), "cm-n", Side::Buy, "0.999", "1"),
            100,
            "invalid notional",
        ),
        (
            order(&spot(), "cm-t", Side::Buy, "1.0005", "2"),
            16,
            "invalid price",
        ),
        (
            order(&spot(), "cm-q", Side::Buy, "1.5", "1.0005"),
            17,
            "invalid quantity",
        ),
    ];
    for (o, code, reason) in cases {
        let cid = o.cid.clone();
        let out = unchecked(&c, vec![o], "0.0001").await.unwrap();
        assert!(out.placed.is_empty(), "{out:?}");
        assert_eq!(out.rejected.len(), 1, "{out:?}");
        let r = &out.rejected[0];
        assert_eq!(
            (r.cid.as_str(), r.code, r.reason.as_str()),
            (cid.as_str(), Some(code), reason)
        );
    }
    assert_eq!(chain_orders(&c, &spot()).await, vec![]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_little_inj_for_the_fee_is_refused_before_the_block() {
    // 0.00001 INJ: far below one tx's fee (gas x 160000000).
    let dn = devnet();
    let amounts = format!("10000000000000inj,5000000{}", dn.denom_usdt);
    let (c, _) = trader("poor", Some(&amounts)).await;
    let addr = c.subaccount().unwrap().address().to_bech32();
    let before = sequence(&addr).await;
    let e = c
        .batch_update(&creates(vec![order(&spot(), "p-1", Side::Buy, "1.5", "1")]))
        .await
        .unwrap_err();
    assert!(
        matches!(e, ClientError::TxFailed { code: 5, ref codespace, .. } if codespace == "sdk"),
        "{e}"
    );
    assert_eq!(sequence(&addr).await, before);
    assert_eq!(bank(&addr, "inj").await, d("10000000000000"));
}
