//! The client against a scripted fake chain/indexer on 127.0.0.1: sequence resync, out of gas,
//! per-order rejections, and a book feed that drops and comes back.
// Helpers outside #[test] fns are not covered by clippy.toml's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, VecDeque};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Method, StatusCode, Uri};
use base64::Engine;
use cosmos_sdk_proto::cosmos::base::abci::v1beta1::TxMsgData;
use cosmos_sdk_proto::cosmos::tx::v1beta1::Tx;
use prost::Message;
use rust_decimal::Decimal;
use tradebot_injective::client::{
    BookEvent, ClientConfig, ClientError, GasStrategy, InjectiveClient, MarketRef, Signer,
};
use tradebot_injective::keys::{InjectiveKey, PrivateKey};
use tradebot_injective::msgs::{Batch, NewOrder, Side};
use tradebot_injective::network::Network;
use tradebot_injective::proto;

const MARKET: &str = "0x0611780ba69656949525013d947713300f56c37b6175e02f26bffa495c3208fe";

/// Per "METHOD path" queue of (status, body); the last entry of a queue repeats.
#[derive(Default)]
struct Script {
    routes: HashMap<String, VecDeque<(u16, String)>>,
    log: Vec<(String, String)>,
}

type Shared = Arc<Mutex<Script>>;

fn script(s: &Shared, route: &str, status: u16, body: &str) {
    s.lock()
        .unwrap()
        .routes
        .entry(route.to_owned())
        .or_default()
        .push_back((status, body.to_owned()));
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/docs_examples/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn bot_key() -> PrivateKey {
    PrivateKey::from_hex("e6888cb164d52e4880e08a8a5dbe69cd62f67fde3d5906f2c5c951be553b2267")
        .unwrap()
}

async fn client(base: &str, gas: GasStrategy) -> Arc<InjectiveClient> {
    assert!(
        base.starts_with("http://127.0.0.1:"),
        "tests never leave the machine"
    );
    let mut net = Network::custom("injective-888", base, base);
    net.requests_per_second = 1000;
    let cfg = ClientConfig {
        gas,
        confirm_interval: Duration::from_millis(5),
        confirm_attempts: 5,
        backoff_initial: Duration::from_millis(5),
        backoff_max: Duration::from_millis(20),
        ..ClientConfig::default()
    };
    let c = InjectiveClient::new(net, cfg, Some(Signer::direct(bot_key()))).unwrap();
    Arc::new(c)
}

fn chain_basics(s: &Shared, sequence: u64) {
    let addr = bot_key().address().to_bech32();
    script(
        s,
        "GET /injective/exchange/v2/spot/markets/"
            .to_owned()
            .as_str()
            .trim_end_matches('/'),
        404,
        "{}",
    );
    script(
        s,
        &format!("GET /injective/exchange/v2/spot/markets/{MARKET}"),
        200,
        &fixture("spot__SpotMarket__0_json"),
    );
    let account = format!(
        r#"{{"account":{{"@type":"/injective.types.v1beta1.EthAccount","base_account":{{"address":"{addr}","account_number":"77","sequence":"{sequence}"}}}}}}"#
    );
    script(
        s,
        &format!("GET /cosmos/auth/v1beta1/accounts/{addr}"),
        200,
        &account,
    );
    script(
        s,
        "GET /cosmos/base/tendermint/v1beta1/blocks/latest",
        200,
        r#"{"block":{"header":{"height":"1000"}}}"#,
    );
    script(
        s,
        "POST /cosmos/tx/v1beta1/simulate",
        200,
        r#"{"gas_info":{"gas_wanted":"0","gas_used":"100000"}}"#,
    );
}

fn order(cid: &str) -> NewOrder {
    NewOrder {
        market_id: MARKET.into(),
        side: Side::Buy,
        price: Decimal::from_str("21.5").unwrap(),
        quantity: Decimal::from_str("0.5").unwrap(),
        post_only: true,
        cid: cid.into(),
        leverage: None,
    }
}

fn delivered(resp: &proto::MsgBatchUpdateOrdersResponse, code: u32, log: &str) -> String {
    let data = TxMsgData {
        msg_responses: vec![proto::to_any(resp)],
        ..Default::default()
    };
    format!(
        r#"{{"tx_response":{{"height":"1001","txhash":"X","code":{code},"codespace":"{}","raw_log":"{log}","data":"{}","gas_wanted":"130000","gas_used":"{}"}}}}"#,
        if code == 0 { "" } else { "sdk" },
        hex::encode_upper(data.encode_to_vec()),
        if code == 0 { 100_000 } else { 130_001 }
    )
}

fn broadcast_ok() -> String {
    r#"{"tx_response":{"txhash":"ABC","code":0,"raw_log":""}}"#.to_owned()
}

fn sent_sequences(s: &Shared) -> Vec<u64> {
    s.lock()
        .unwrap()
        .log
        .iter()
        .filter(|(k, _)| k == "POST /cosmos/tx/v1beta1/txs")
        .map(|(_, body)| {
            let v: serde_json::Value = serde_json::from_str(body).unwrap();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(v["tx_bytes"].as_str().unwrap())
                .unwrap();
            Tx::decode(bytes.as_slice())
                .unwrap()
                .auth_info
                .unwrap()
                .signer_infos[0]
                .sequence
        })
        .collect()
}

/// Scripts the tx query for whatever hash the client computes (the fake routes by prefix).
fn script_confirm(s: &Shared, body: &str) {
    script(s, "GET /cosmos/tx/v1beta1/txs/", 200, body);
}

async fn serve() -> (Shared, String) {
    // The tx hash is only known after signing; route every GET /cosmos/tx/v1beta1/txs/<hash>
    // to one queue by rewriting the key in the handler below.
    let shared: Shared = Arc::default();
    let state = Arc::clone(&shared);
    let app = axum::Router::new().fallback(move |method: Method, uri: Uri, body: Bytes| {
        let state = Arc::clone(&state);
        async move {
            let mut key = format!("{method} {}", uri.path());
            if key.starts_with("GET /cosmos/tx/v1beta1/txs/") {
                key = "GET /cosmos/tx/v1beta1/txs/".to_owned();
            }
            let mut s = state.lock().unwrap();
            s.log
                .push((key.clone(), String::from_utf8_lossy(&body).into_owned()));
            let (status, body) = match s.routes.get_mut(&key) {
                Some(q) if q.len() > 1 => q.pop_front().unwrap(),
                Some(q) if !q.is_empty() => q[0].clone(),
                _ => (404, r#"{"code":5,"message":"not found"}"#.to_owned()),
            };
            (StatusCode::from_u16(status).unwrap(), body)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (shared, format!("http://{addr}"))
}

#[tokio::test]
async fn sequence_mismatch_resyncs_and_retries_once() {
    let (s, base) = serve().await;
    let c = client(
        &base,
        GasStrategy::Simulate {
            multiplier: Decimal::from_str("1.3").unwrap(),
            margin: 5_000,
        },
    )
    .await;
    chain_basics(&s, 5);
    // CheckTx refusals come back as a gateway HTTP 500 with a JSON message.
    script(
        &s,
        "POST /cosmos/tx/v1beta1/txs",
        500,
        r#"{"code":2,"message":"account sequence mismatch, expected 6, got 5: incorrect account sequence","details":[]}"#,
    );
    script(&s, "POST /cosmos/tx/v1beta1/txs", 200, &broadcast_ok());
    // Not yet in a block, then delivered.
    script(
        &s,
        "GET /cosmos/tx/v1beta1/txs/",
        404,
        r#"{"code":5,"message":"tx not found"}"#,
    );
    let hash = format!("0x{}", "cd".repeat(32));
    let resp = proto::MsgBatchUpdateOrdersResponse {
        spot_order_hashes: vec![hash.clone()],
        created_spot_orders_cids: vec!["c1".into()],
        ..Default::default()
    };
    script_confirm(&s, &delivered(&resp, 0, ""));

    c.market(&MarketRef::spot(MARKET)).await.unwrap();
    let out = c
        .batch_update(&Batch {
            creates: vec![order("c1")],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(out.placed.len(), 1);
    assert_eq!(out.placed[0].order_hash, hash);
    assert_eq!(sent_sequences(&s), vec![5, 6]);

    // Local sequence advanced: the next batch signs with 7 without re-reading the account.
    script(&s, "POST /cosmos/tx/v1beta1/txs", 200, &broadcast_ok());
    c.batch_update(&Batch {
        creates: vec![order("c2")],
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(sent_sequences(&s), vec![5, 6, 7]);
    let fees = |route: &str| -> Vec<(u64, String)> {
        let log = s.lock().unwrap().log.clone();
        log.iter()
            .filter(|(k, _)| k == route)
            .map(|(_, b)| {
                let v: serde_json::Value = serde_json::from_str(b).unwrap();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(v["tx_bytes"].as_str().unwrap())
                    .unwrap();
                let fee = Tx::decode(bytes.as_slice())
                    .unwrap()
                    .auth_info
                    .unwrap()
                    .fee
                    .unwrap();
                (fee.gas_limit, fee.amount[0].amount.clone())
            })
            .collect()
    };
    let sent = fees("POST /cosmos/tx/v1beta1/txs");
    assert!(
        sent.iter().all(|(g, _)| *g == 135_000),
        "simulated 100000 x 1.3 + 5000: {sent:?}"
    );
    // The simulation pays a real fee, so the node counts the fee transfer's gas.
    let probes = fees("POST /cosmos/tx/v1beta1/simulate");
    assert_eq!(probes.len(), 3);
    assert!(probes.iter().all(|(_, amount)| amount != "0"), "{probes:?}");
}

#[tokio::test]
async fn persistent_sequence_mismatch_is_an_error_not_a_loop() {
    let (s, base) = serve().await;
    let c = client(
        &base,
        GasStrategy::Table {
            base: 100_000,
            per_order: 20_000,
            per_market: 30_000,
        },
    )
    .await;
    chain_basics(&s, 5);
    script(
        &s,
        "POST /cosmos/tx/v1beta1/txs",
        200,
        r#"{"tx_response":{"code":32,"codespace":"sdk","raw_log":"account sequence mismatch, expected 9, got 5: incorrect account sequence"}}"#,
    );
    c.market(&MarketRef::spot(MARKET)).await.unwrap();
    let err = c
        .batch_update(&Batch {
            creates: vec![order("c1")],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::SequenceMismatch(_)), "{err}");
    assert_eq!(sent_sequences(&s), vec![5, 9]);
}

#[tokio::test]
async fn out_of_gas_is_a_clear_error() {
    let (s, base) = serve().await;
    let c = client(
        &base,
        GasStrategy::Table {
            base: 100_000,
            per_order: 20_000,
            per_market: 30_000,
        },
    )
    .await;
    chain_basics(&s, 1);
    script(&s, "POST /cosmos/tx/v1beta1/txs", 200, &broadcast_ok());
    script_confirm(
        &s,
        &delivered(
            &Default::default(),
            11,
            "out of gas in location: WriteFlat; gasWanted: 130000, gasUsed: 130001",
        ),
    );
    c.market(&MarketRef::spot(MARKET)).await.unwrap();
    let err = c
        .batch_update(&Batch {
            creates: vec![order("c1")],
            ..Default::default()
        })
        .await
        .unwrap_err();
    match err {
        ClientError::OutOfGas {
            gas_wanted,
            gas_used,
        } => assert_eq!((gas_wanted, gas_used), (130_000, 130_001)),
        other => panic!("{other}"),
    }
    assert!(err_text_mentions_gas());
}

fn err_text_mentions_gas() -> bool {
    ClientError::OutOfGas {
        gas_wanted: 1,
        gas_used: 2,
    }
    .to_string()
    .contains("out of gas")
}

#[tokio::test]
async fn failed_cids_in_a_successful_tx_are_rejected() {
    let (s, base) = serve().await;
    let c = client(
        &base,
        GasStrategy::Table {
            base: 100_000,
            per_order: 20_000,
            per_market: 30_000,
        },
    )
    .await;
    chain_basics(&s, 1);
    script(&s, "POST /cosmos/tx/v1beta1/txs", 200, &broadcast_ok());
    let hash = format!("0x{}", "ef".repeat(32));
    let resp = proto::MsgBatchUpdateOrdersResponse {
        spot_order_hashes: vec![hash.clone(), "6".into()],
        created_spot_orders_cids: vec!["good".into()],
        failed_spot_orders_cids: vec!["poor".into()],
        ..Default::default()
    };
    script_confirm(&s, &delivered(&resp, 0, ""));
    c.market(&MarketRef::spot(MARKET)).await.unwrap();
    let out = c
        .batch_update(&Batch {
            creates: vec![order("good"), order("poor")],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        out.placed
            .iter()
            .map(|p| p.cid.as_str())
            .collect::<Vec<_>>(),
        ["good"]
    );
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(out.rejected[0].cid, "poor");
    assert_eq!(
        out.rejected[0].reason,
        "subaccount has insufficient deposits"
    );
}

#[tokio::test]
async fn book_feed_reconnects_after_a_drop() {
    let (s, base) = serve().await;
    let c = client(
        &base,
        GasStrategy::Table {
            base: 1,
            per_order: 1,
            per_market: 1,
        },
    )
    .await;
    let route = format!("GET /injective/exchange/v2/spot/orderbook/{MARKET}");
    let book = fixture("spot__SpotOrderBook__0_json");
    script(&s, &route, 200, &book);
    script(&s, &route, 502, "bad gateway");
    script(&s, &route, 502, "bad gateway");
    script(&s, &route, 200, &book);
    let mut rx = c.subscribe_orderbook(MarketRef::spot(MARKET), 10, Duration::from_millis(5));
    let mut events = Vec::new();
    while events.len() < 4 {
        let e = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .unwrap();
        events.push(e);
    }
    assert!(matches!(events[0], BookEvent::Snapshot(_)));
    assert!(matches!(&events[1], BookEvent::Disconnected(why) if why.contains("502")));
    assert_eq!(events[2], BookEvent::Reconnected);
    match &events[3] {
        BookEvent::Snapshot(b) => assert_eq!(b.bids[0].price, Decimal::from_str("29.414").unwrap()),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn account_state_reads() {
    let (s, base) = serve().await;
    let c = client(
        &base,
        GasStrategy::Table {
            base: 1,
            per_order: 1,
            per_market: 1,
        },
    )
    .await;
    let sub = c.subaccount().unwrap();
    script(
        &s,
        &format!("GET /injective/exchange/v2/spot/orders/{MARKET}/{sub}"),
        200,
        &fixture("spot__TraderSpotOrders__0_json"),
    );
    script(
        &s,
        &format!("GET /injective/exchange/v2/subaccount_positions/{sub}"),
        200,
        &fixture("derivatives__SubaccountPositions__0_json"),
    );
    script(
        &s,
        "GET /injective/exchange/v2/exchange/subaccountDeposits",
        200,
        &fixture("chainexchange__SubaccountDeposits__0_json"),
    );
    script(
        &s,
        "GET /injective/txfees/v1beta1/cur_eip_base_fee",
        200,
        &fixture("txfees__GetEipBaseFee__0_json"),
    );
    assert_eq!(
        c.open_orders(&MarketRef::spot(MARKET)).await.unwrap()[0].price,
        Decimal::from(21)
    );
    assert_eq!(c.positions().await.unwrap().len(), 5);
    // The default subaccount trades from the bank: bank coins add to what orders hold.
    let addr = bot_key().address().to_bech32();
    script(
        &s,
        &format!("GET /cosmos/bank/v1beta1/balances/{addr}"),
        200,
        r#"{"balances":[{"denom":"inj","amount":"1000"},{"denom":"ibc/TIA","amount":"7"}],"pagination":{"next_key":null,"total":"2"}}"#,
    );
    let held: tradebot_injective::models::SubaccountDepositsResponse =
        serde_json::from_str(&fixture("chainexchange__SubaccountDeposits__0_json")).unwrap();
    let held_inj = held
        .into_balances()
        .into_iter()
        .find(|b| b.denom == "inj")
        .unwrap();
    let all = c.balances().await.unwrap();
    let inj = all.iter().find(|b| b.denom == "inj").unwrap();
    assert_eq!(inj.available, held_inj.available + Decimal::from(1000));
    assert_eq!(inj.total, held_inj.total + Decimal::from(1000));
    let tia = all.iter().find(|b| b.denom == "ibc/TIA").unwrap();
    assert_eq!(
        (tia.available, tia.total),
        (Decimal::from(7), Decimal::from(7))
    );
    assert_eq!(
        c.refresh_gas_price().await.unwrap(),
        Decimal::from(160_000_000)
    );
    // Trades need market metadata first: refuse rather than guess decimals.
    assert!(matches!(
        c.trades(&MarketRef::spot(MARKET), 10).await,
        Err(ClientError::UnknownMarket(_))
    ));
}
