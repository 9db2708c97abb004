//! The Injective adapter against a scripted fake chain LCD + indexer on 127.0.0.1: market
//! metadata mapped from the chain, start-up cancel-all for the bot's market, a market-maker
//! quote cycle whose tx carries tick-quantized LegacyDec prices, a failed cid surfaced as a
//! rejected order, fills derived from the indexer's trades, requotes cancelling by cid.
// Helpers outside #[test] fns are not covered by clippy.toml's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{Method, StatusCode, Uri};
use base64::Engine as _;
use cosmos_sdk_proto::cosmos::base::abci::v1beta1::TxMsgData;
use cosmos_sdk_proto::cosmos::tx::v1beta1::Tx;
use prost::Message;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::json;
use tradebot_bot::engine::Engine;
use tradebot_bot::events::Collect;
use tradebot_bot::exchange::injective::InjectiveExchange;
use tradebot_bot::exchange::Exchange;
use tradebot_bot::markets::market;
use tradebot_bot::params::BotParams;
use tradebot_injective::client::{ClientConfig, GasStrategy, InjectiveClient, Signer};
use tradebot_injective::keys::{InjectiveKey, PrivateKey};
use tradebot_injective::legacy_dec;
use tradebot_injective::network::Network;
use tradebot_injective::proto::{self, MsgBatchUpdateOrders, OrderType};

const MARKET: &str = "0x0611780ba69656949525013d947713300f56c37b6175e02f26bffa495c3208fe";
const BATCH_URL: &str = "/injective.exchange.v2.MsgBatchUpdateOrders";

/// The fake chain: scripted GET routes (the last entry of a queue repeats) and a tx endpoint
/// that decodes each batch and answers it: every create gets an order hash, except sells while
/// `fail_sells` (failed cid, error code 6 = insufficient deposits); every cancel succeeds.
#[derive(Default)]
struct Chain {
    routes: HashMap<String, VecDeque<String>>,
    batches: Vec<MsgBatchUpdateOrders>,
    /// (cid, order hash, is buy) of every order the fake accepted.
    accepted: Vec<(String, String, bool)>,
    fail_sells: bool,
    delivered: String,
}

type Shared = Arc<Mutex<Chain>>;

fn script(s: &Shared, route: &str, body: &str) {
    let mut c = s.lock().unwrap();
    c.routes
        .entry(route.to_owned())
        .or_default()
        .push_back(body.to_owned());
}

/// Replaces a route's answers.
fn set(s: &Shared, route: &str, body: &str) {
    s.lock().unwrap().routes.remove(route);
    script(s, route, body);
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/injective/tests/fixtures/docs_examples/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn bot_key() -> PrivateKey {
    PrivateKey::from_hex("e6888cb164d52e4880e08a8a5dbe69cd62f67fde3d5906f2c5c951be553b2267")
        .unwrap()
}

fn answer(c: &mut Chain, msg: &MsgBatchUpdateOrders) -> proto::MsgBatchUpdateOrdersResponse {
    let mut resp = proto::MsgBatchUpdateOrdersResponse {
        spot_cancel_success: vec![true; msg.spot_orders_to_cancel.len()],
        ..Default::default()
    };
    for o in &msg.spot_orders_to_create {
        let cid = o.order_info.as_ref().unwrap().cid.clone();
        let buy = o.order_type == OrderType::Buy as i32;
        if c.fail_sells && !buy {
            resp.spot_order_hashes.push("6".into());
            resp.failed_spot_orders_cids.push(cid);
        } else {
            let hash = format!("0x{:064x}", c.accepted.len() + 1);
            resp.spot_order_hashes.push(hash.clone());
            resp.created_spot_orders_cids.push(cid.clone());
            c.accepted.push((cid, hash, buy));
        }
    }
    resp
}

fn broadcast(c: &mut Chain, body: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v["tx_bytes"].as_str().unwrap())
        .unwrap();
    let any = Tx::decode(bytes.as_slice()).unwrap().body.unwrap().messages[0].clone();
    assert_eq!(
        any.type_url, BATCH_URL,
        "a direct key sends the batch itself"
    );
    let msg = MsgBatchUpdateOrders::decode(any.value.as_slice()).unwrap();
    let resp = answer(c, &msg);
    c.batches.push(msg);
    let data = TxMsgData {
        msg_responses: vec![proto::to_any(&resp)],
        ..Default::default()
    };
    c.delivered = json!({"tx_response": {"height": "1001", "txhash": "X", "code": 0,
        "raw_log": "", "data": hex::encode_upper(data.encode_to_vec()),
        "gas_wanted": "200000", "gas_used": "100000"}})
    .to_string();
    r#"{"tx_response":{"txhash":"ABC","code":0,"raw_log":""}}"#.to_owned()
}

async fn serve() -> (Shared, String) {
    let shared: Shared = Arc::default();
    let state = Arc::clone(&shared);
    let app = axum::Router::new().fallback(move |method: Method, uri: Uri, body: Bytes| {
        let state = Arc::clone(&state);
        async move {
            let key = format!("{method} {}", uri.path());
            let mut c = state.lock().unwrap();
            let found = match key.as_str() {
                "POST /cosmos/tx/v1beta1/txs" => Some(broadcast(&mut c, &body)),
                k if k.starts_with("GET /cosmos/tx/v1beta1/txs/") => Some(c.delivered.clone()),
                k => c.routes.get_mut(k).and_then(|q| {
                    if q.len() > 1 {
                        q.pop_front()
                    } else {
                        q.front().cloned()
                    }
                }),
            };
            match found {
                Some(body) => (StatusCode::OK, body),
                None => (
                    StatusCode::NOT_FOUND,
                    r#"{"code":5,"message":"not found"}"#.to_owned(),
                ),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (shared, format!("http://{addr}"))
}

fn book(bid: &str, ask: &str) -> String {
    json!({"buys_price_level": [{"p": bid, "q": "10.000000000000000000"}],
           "sells_price_level": [{"p": ask, "q": "10.000000000000000000"}]})
    .to_string()
}

/// Market, account, block height, an empty trade history, no open orders, a steady book.
async fn chain() -> (Shared, InjectiveExchange, String) {
    let (s, base) = serve().await;
    assert!(
        base.starts_with("http://127.0.0.1:"),
        "tests never leave the machine"
    );
    let addr = bot_key().address().to_bech32();
    let sub = bot_key().address().subaccount(0).to_hex();
    script(
        &s,
        &format!("GET /injective/exchange/v2/spot/markets/{MARKET}"),
        &fixture("spot__SpotMarket__0_json"),
    );
    script(
        &s,
        &format!("GET /cosmos/auth/v1beta1/accounts/{addr}"),
        &json!({"account": {"@type": "/injective.types.v1beta1.EthAccount",
            "base_account": {"address": addr, "account_number": "77", "sequence": "5"}}})
        .to_string(),
    );
    script(
        &s,
        "GET /cosmos/base/tendermint/v1beta1/blocks/latest",
        r#"{"block":{"header":{"height":"1000"}}}"#,
    );
    script(&s, "GET /api/exchange/spot/v2/trades", r#"{"trades":[]}"#);
    script(
        &s,
        &format!("GET /injective/exchange/v2/spot/orders/{MARKET}/{sub}"),
        r#"{"orders":[]}"#,
    );
    script(
        &s,
        &format!("GET /injective/exchange/v2/spot/orderbook/{MARKET}"),
        &book("19.990000000000000000", "20.010000000000000000"),
    );
    let mut net = Network::custom("injective-888", &base, &base);
    net.requests_per_second = 1000;
    let cfg = ClientConfig {
        gas: GasStrategy::Table {
            base: 100_000,
            per_order: 20_000,
            per_market: 30_000,
        },
        confirm_interval: Duration::from_millis(5),
        confirm_attempts: 5,
        backoff_initial: Duration::from_millis(5),
        backoff_max: Duration::from_millis(20),
        ..ClientConfig::default()
    };
    let client = InjectiveClient::new(net, cfg, Some(Signer::direct(bot_key()))).unwrap();
    let ex = InjectiveExchange::connect(
        Arc::new(client),
        MARKET,
        &market("INJ/USDT").unwrap(),
        Duration::from_millis(10),
    )
    .await
    .unwrap();
    (s, ex, sub)
}

type TestEngine = Engine<InjectiveExchange, Collect>;

/// Drives the engine until `done` holds (or fails after 10 s).
async fn run_until(e: &mut TestEngine, done: impl Fn(&TestEngine) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done(e) {
        assert!(
            Instant::now() < deadline,
            "condition not reached: {:?}",
            e.sink.0
        );
        let ev = tokio::time::timeout(Duration::from_secs(5), e.ex.next_event())
            .await
            .unwrap()
            .unwrap();
        assert!(e.handle(ev).await.unwrap());
    }
}

#[tokio::test]
async fn market_metadata_comes_from_the_chain_and_startup_cancels_all() {
    let (s, ex, sub) = chain().await;
    let m = ex.market();
    assert_eq!(
        (m.name, m.price_tick, m.qty_tick),
        ("INJ/USDT", dec!(0.001), dec!(0.001))
    );
    assert_eq!(m.min_notional, dec!(0.000000000001));
    assert_eq!((m.base_decimals, m.quote_decimals), (18, 6));
    // A predecessor's orphan is reported among the cancelled.
    set(
        &s,
        &format!("GET /injective/exchange/v2/spot/orders/{MARKET}/{sub}"),
        &fixture("spot__TraderSpotOrders__0_json"),
    );
    let p = BotParams::parse("market_maker", "INJ/USDT", &json!({})).unwrap();
    let mut e = Engine::new(ex, Collect::default(), "b1", &p);
    e.start().await.unwrap();
    let c = s.lock().unwrap();
    assert_eq!(c.batches.len(), 1);
    assert_eq!(c.batches[0].spot_market_ids_to_cancel_all, [MARKET]);
    assert_eq!(c.batches[0].subaccount_id, sub);
    assert!(c.batches[0].spot_orders_to_create.is_empty());
    let cancelled = e.sink.of("orders_cancelled");
    assert_eq!(cancelled[0]["reason"], "startup");
    assert_eq!(cancelled[0]["count"], 1);
}

#[tokio::test]
async fn market_maker_quotes_rejects_fills_and_requotes_against_the_fake_chain() {
    let (s, ex, sub) = chain().await;
    s.lock().unwrap().fail_sells = true;
    let p = BotParams::parse("market_maker", "INJ/USDT", &json!({})).unwrap();
    let mut e = Engine::new(ex, Collect::default(), "b1", &p);
    e.start().await.unwrap();

    // 1. First quote cycle: one batch of bids and asks; the asks' cids fail on chain.
    run_until(&mut e, |e| !e.sink.of("order_rejected").is_empty()).await;
    let create = s.lock().unwrap().batches[1].clone();
    let sells = create
        .spot_orders_to_create
        .iter()
        .filter(|o| o.order_type == OrderType::Sell as i32)
        .count();
    let buys = create.spot_orders_to_create.len() - sells;
    assert!(sells >= 1 && buys == sells, "{create:?}");
    for o in &create.spot_orders_to_create {
        let info = o.order_info.as_ref().unwrap();
        let price = legacy_dec::from_wire(&info.price).unwrap();
        let qty = legacy_dec::from_wire(&info.quantity).unwrap();
        assert!(
            (price % dec!(0.001)).is_zero() && (qty % dec!(0.001)).is_zero(),
            "{info:?}"
        );
        // LegacyDec on the wire: the human value x 10^18, no decimal point.
        assert_eq!(info.price, legacy_dec::to_wire(price).unwrap());
        assert!(!info.price.contains('.') && info.price.len() > 18);
        assert!(price > dec!(19) && price < dec!(21), "{price}");
    }
    let rejected = e.sink.of("order_rejected");
    assert_eq!(rejected.len(), sells);
    for r in rejected {
        assert_eq!(r["side"], "sell");
        assert_eq!(
            r["reason"], "subaccount has insufficient deposits (exchange code 6)",
            "the chain's reason and code"
        );
    }
    assert_eq!(
        e.open_orders().len(),
        buys,
        "rejected asks are not held open"
    );
    assert!(e
        .open_orders()
        .iter()
        .all(|o| o.side == tradebot_bot::domain::Side::Buy));
    let (bid_cid, bid_hash, is_buy) = s.lock().unwrap().accepted[0].clone();
    assert!(is_buy);

    // 2. The indexer prints a partial fill of our bid (chain format: price x 10^(6-18),
    //    quantity x 10^18, fee x 10^6) and someone else's trade: one fill, ours.
    let now = tradebot_bot::clock::now_ms() + 1;
    let bid_price = e.open_orders().iter().find(|o| o.id.0 == 1).unwrap().price;
    let chain_price = (bid_price * Decimal::new(1, 12)).normalize().to_string();
    let trades = json!({"trades": [
        {"order_hash": bid_hash, "subaccount_id": sub, "market_id": MARKET,
         "trade_direction": "buy", "price": {"price": chain_price, "quantity": "100000000000000000"},
         "fee": "-200", "executed_at": now, "trade_id": "t2", "execution_side": "maker", "cid": bid_cid},
        {"order_hash": format!("0x{}", "ab".repeat(32)), "subaccount_id": format!("0x{}", "cd".repeat(32)),
         "market_id": MARKET, "trade_direction": "sell",
         "price": {"price": chain_price, "quantity": "100000000000000000"},
         "fee": "1000", "executed_at": now, "trade_id": "t1", "execution_side": "taker"}
    ]});
    set(&s, "GET /api/exchange/spot/v2/trades", &trades.to_string());
    run_until(&mut e, |e| !e.sink.of("fill").is_empty()).await;
    let fill = e.sink.of("fill")[0].clone();
    assert_eq!(
        (fill["side"].as_str(), fill["liquidity"].as_str()),
        (Some("buy"), Some("maker"))
    );
    assert_eq!(fill["quantity"], "0.1");
    assert_eq!(e.portfolio.position, dec!(0.1));

    // 3. The market moves: the maker requotes, cancelling its bid by client order id.
    s.lock().unwrap().fail_sells = false;
    set(
        &s,
        &format!("GET /injective/exchange/v2/spot/orderbook/{MARKET}"),
        &book("20.490000000000000000", "20.510000000000000000"),
    );
    run_until(&mut e, |_| {
        s.lock()
            .unwrap()
            .batches
            .iter()
            .any(|b| !b.spot_orders_to_cancel.is_empty())
    })
    .await;
    run_until(&mut e, |e| {
        e.open_orders().iter().any(|o| o.price > dec!(20.2))
    })
    .await;
    let c = s.lock().unwrap();
    let cancel = c
        .batches
        .iter()
        .find(|b| !b.spot_orders_to_cancel.is_empty())
        .unwrap();
    assert_eq!(cancel.spot_orders_to_cancel[0].cid, bid_cid);
    assert_eq!(cancel.spot_orders_to_cancel[0].market_id, MARKET);
    assert!(
        e.open_orders().iter().all(|o| o.price > dec!(20.2)),
        "{:?}",
        e.open_orders()
    );
    assert_eq!(e.sink.of("fill").len(), 1, "each trade id reported once");
}
