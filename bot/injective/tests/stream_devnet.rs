//! The chain stream against the real devnet (`ops/devnet up`, started by the harness): a
//! resting order of one fresh account crossed by another comes back as a fill with the chain's
//! trade id, price, quantity and fee; and a connection cut in the middle of fills loses none
//! and delivers none twice. Orders are placed with the node's own CLI (`injectived tx
//! exchange`), independently of the connector's signing code, from fresh accounts funded for
//! this test, on a price level no other order holds.
// Helpers outside #[test] fns are not covered by clippy.toml's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/common/devnet.rs"]
mod devnet;
#[path = "../../tests/common/relay.rs"]
mod relay;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::time::Duration;

use relay::Relay;
use rust_decimal::Decimal;
use serde_json::Value;
use tokio::sync::mpsc;
use tradebot_injective::address::Address;
use tradebot_injective::msgs::{MarketKind, Side};
use tradebot_injective::stream::{backfill, ChainEvent, Fill, FillStream, StreamConfig};

const TICKER: &str = "TIA/USDT";

/// A throw-away CLI keyring (test backend) with two fresh funded accounts.
struct Traders {
    dir: PathBuf,
    maker: String,
    taker: String,
}

impl Traders {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("stream-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut me = Self {
            dir,
            maker: String::new(),
            taker: String::new(),
        };
        me.maker = me.add_key("maker");
        me.taker = me.add_key("taker");
        let d = devnet::devnet();
        d.fund(&me.maker, None);
        d.fund(&me.taker, None);
        me
    }

    fn add_key(&self, name: &str) -> String {
        let out = self.cli(&["keys", "add", name, "--output", "json"]);
        let v: Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("keys add: {out}"));
        v["address"].as_str().unwrap().to_owned()
    }

    /// Runs the pinned `injectived` (where `ops/devnet` installed it) with this keyring.
    fn cli(&self, args: &[&str]) -> String {
        let bin = injectived_dir();
        let home = self.dir.to_str().unwrap();
        let out = Command::new(bin.join("injectived"))
            .env("LD_LIBRARY_PATH", &bin)
            .args(args)
            .args(["--keyring-backend", "test", "--home", home])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "injectived {args:?}: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    }

    /// Places a limit order (`side` buy|sell, human price and quantity) from `from` and waits
    /// until its tx is in a block with code 0; returns that height.
    async fn order(&self, from: &str, side: &str, qty: &str, price: &str, cid: &str) -> u64 {
        let d = devnet::devnet();
        let node = d.rpc.replace("http://", "tcp://");
        let out = self.cli(&[
            "tx",
            "exchange",
            "create-spot-limit-order",
            side,
            TICKER,
            qty,
            price,
            cid,
            "--from",
            from,
            "--chain-id",
            &d.chain_id,
            "--node",
            &node,
            "--gas",
            "auto",
            "--gas-adjustment",
            "1.5",
            "--gas-prices",
            "160000000inj",
            "--yes",
            "--output",
            "json",
        ]);
        let v: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
        assert_eq!(v["code"].as_u64(), Some(0), "refused: {out}");
        let hash = v["txhash"].as_str().unwrap();
        for _ in 0..80 {
            let r = reqwest::get(format!("{}/cosmos/tx/v1beta1/txs/{hash}", d.lcd))
                .await
                .unwrap();
            if r.status().is_success() {
                let tx: Value = r.json().await.unwrap();
                assert_eq!(tx["tx_response"]["code"], 0, "failed in the block: {tx}");
                return tx["tx_response"]["height"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap();
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("tx {hash} not included in 20 s");
    }
}

impl Drop for Traders {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn injectived_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("INJECTIVED_DIR") {
        return dir.into();
    }
    let tools =
        std::env::var("TRADEBOT_TOOLS_DIR").unwrap_or_else(|_| "/var/tmp/tradebot-tools".into());
    Path::new(&tools).join("injective-1.20.1")
}

fn subaccount_hex(address: &str) -> String {
    Address::from_bech32(address)
        .unwrap()
        .subaccount(0)
        .to_hex()
}

/// A price with no order of anyone at or across it: above the best bid, below the best ask,
/// on the 0.001 tick (notional >= 1 USDT for quantity 1), with a random part so that parallel
/// runs are unlikely to meet. The tests of this binary take turns (`TURN`) for the same reason.
async fn free_price() -> Decimal {
    let d = devnet::devnet();
    let url = format!(
        "{}/injective/exchange/v2/spot/orderbook/{}",
        d.lcd, d.market_tia_usdt
    );
    let book: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    let level = |side: &str| -> Vec<Decimal> {
        book[side]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| Decimal::from_str(l["p"].as_str().unwrap()).unwrap())
            .collect()
    };
    let tick = Decimal::new(1, 3);
    let low = level("buys_price_level")
        .into_iter()
        .max()
        .map_or(Decimal::ONE, |b| b + tick);
    let high = level("sells_price_level")
        .into_iter()
        .min()
        .map_or(Decimal::from(9), |a| a - tick);
    assert!(low <= high, "no free price level in {book}");
    let jitter = Decimal::from(std::process::id() % 997) * tick;
    (low + jitter).min(high).normalize()
}

static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn open(cfg_url: &str, subaccount: &str) -> FillStream {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let d = devnet::devnet();
    FillStream::connect(StreamConfig {
        stream_url: cfg_url.to_owned(),
        rpc_url: d.rpc.clone(),
        market_id: d.market_tia_usdt.clone(),
        kind: MarketKind::Spot,
        subaccount: subaccount.parse().unwrap(),
        reconnect_delay: Duration::from_millis(300),
        start_height: None,
    })
    .await
    .unwrap()
}

async fn next_fill(stream: &mut FillStream) -> Fill {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(30), stream.next_event())
            .await
            .expect("a fill within 30 s")
            .unwrap();
        if let ChainEvent::Fill(f) = event {
            return f;
        }
    }
}

/// The raw execution trade with `cid` in `block_results` of `height`, read without the
/// connector: (price, quantity, fee) strings as the chain wrote them.
async fn raw_trade(height: u64, cid: &str) -> (Decimal, Decimal, Decimal) {
    let d = devnet::devnet();
    let v: Value = reqwest::get(format!("{}/block_results?height={height}", d.rpc))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for e in v["result"]["finalize_block_events"].as_array().unwrap() {
        if e["type"] != "injective.exchange.v2.EventBatchSpotExecution" {
            continue;
        }
        for a in e["attributes"].as_array().unwrap() {
            if a["key"] != "trades" {
                continue;
            }
            let trades: Vec<Value> = serde_json::from_str(a["value"].as_str().unwrap()).unwrap();
            if let Some(t) = trades.iter().find(|t| t["cid"] == cid) {
                let n = |k: &str| {
                    Decimal::from_str(t[k].as_str().unwrap())
                        .unwrap()
                        .normalize()
                };
                return (n("price"), n("quantity"), n("fee"));
            }
        }
    }
    panic!("no trade with cid {cid} at height {height}");
}

async fn market_rate(field: &str) -> Decimal {
    let d = devnet::devnet();
    let v: Value = reqwest::get(format!(
        "{}/injective/exchange/v2/spot/markets/{}",
        d.lcd, d.market_tia_usdt
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let m = v["market"].get("market").unwrap_or(&v["market"]);
    Decimal::from_str(m[field].as_str().unwrap()).unwrap()
}

fn cid(tag: &str, n: u32) -> String {
    format!("{tag}{}n{n}", std::process::id())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crossed_resting_order_comes_back_as_the_chains_fill() {
    let _turn = TURN.lock().await;
    let t = Traders::new("fill");
    let d = devnet::devnet();
    let mut stream = open(&d.stream, &subaccount_hex(&t.maker)).await;
    let price = free_price().await;
    let (ps, maker_cid) = (price.to_string(), cid("m", 0));
    t.order("maker", "sell", "2", &ps, &maker_cid).await;
    let height = t.order("taker", "buy", "2", &ps, &cid("t", 0)).await;

    let fill = next_fill(&mut stream).await;
    assert_eq!(fill.cid.as_deref(), Some(maker_cid.as_str()));
    assert_eq!(
        (fill.side, fill.execution_type.as_str()),
        (Side::Sell, "LimitMatchRestingOrder")
    );
    assert_eq!((fill.price, fill.quantity), (price, Decimal::from(2)));
    assert!(
        fill.height >= height,
        "executed at the end of the tx's block or later"
    );
    assert_eq!(
        (fill.price, fill.quantity, fill.fee),
        raw_trade(fill.height, &maker_cid).await
    );
    let maker_fee = price * Decimal::from(2) * market_rate("maker_fee_rate").await;
    assert_eq!(
        fill.fee,
        maker_fee.normalize(),
        "maker fee = notional x maker rate"
    );
    assert_eq!(fill.subaccount_id, subaccount_hex(&t.maker));
    assert!(fill.order_hash.starts_with("0x") && fill.order_hash.len() == 66);

    // The backfill rebuilds the same fill, trade id included (the dedupe key).
    let target = backfill::Target {
        market_id: d.market_tia_usdt.clone(),
        kind: MarketKind::Spot,
        subaccount_id: fill.subaccount_id.clone(),
    };
    let again = backfill::fills_between(
        &reqwest::Client::new(),
        &d.rpc,
        &target,
        fill.height,
        fill.height,
    )
    .await
    .unwrap();
    assert_eq!(again, vec![fill]);
}

type Events = mpsc::UnboundedReceiver<(ChainEvent, u64)>;

/// The next fill from the reader task, with the reconnect count at that time; 40 s at most.
async fn recv_fill(rx: &mut Events) -> Result<(Fill, u64), tokio::time::error::Elapsed> {
    tokio::time::timeout(Duration::from_secs(40), async {
        loop {
            if let (ChainEvent::Fill(f), r) = rx.recv().await.unwrap() {
                return (f, r);
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cut_in_the_middle_of_fills_loses_none_and_counts_none_twice() {
    let _turn = TURN.lock().await;
    let t = Traders::new("cut");
    let d = devnet::devnet();
    let relay = Relay::start(&d.stream).await;
    let mut stream = open(&relay.url, &subaccount_hex(&t.maker)).await;
    let price = free_price().await.to_string();
    let makers: Vec<String> = (0..4).map(|n| cid("m", n)).collect();
    for c in &makers {
        t.order("maker", "sell", "1", &price, c).await;
    }
    // The stream is read by a task, as the bot would, so the cut lands while it is reading.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let reader = tokio::spawn(async move {
        loop {
            let event = stream.next_event().await.unwrap();
            if tx.send((event, stream.reconnects())).is_err() {
                return;
            }
        }
    });
    t.order("taker", "buy", "1", &price, &cid("t", 0)).await;
    let (first, _) = recv_fill(&mut rx).await.expect("first fill live");
    relay.cut();
    t.order("taker", "buy", "1", &price, &cid("t", 1)).await;
    t.order("taker", "buy", "1", &price, &cid("t", 2)).await;
    tokio::time::sleep(Duration::from_secs(2)).await; // reconnects are refused meanwhile
    relay.restore();
    t.order("taker", "buy", "1", &price, &cid("t", 3)).await;

    let mut fills = vec![first];
    let mut reconnects = 0;
    while fills.len() < 4 {
        let (f, r) = recv_fill(&mut rx)
            .await
            .expect("every fill after the reconnect");
        fills.push(f);
        reconnects = r;
    }
    // Nothing more may come: a duplicate would show up here.
    let extra = tokio::time::timeout(Duration::from_secs(4), rx.recv()).await;
    assert!(
        !matches!(extra, Ok(Some((ChainEvent::Fill(_), _)))),
        "a fill came twice: {extra:?}"
    );
    reader.abort();

    assert!(reconnects >= 1, "the stream reconnected");
    let ids: HashSet<&str> = fills.iter().map(|f| f.trade_id.as_str()).collect();
    assert_eq!(ids.len(), 4, "trade ids unique: {fills:?}");
    let mut cids: Vec<String> = fills.iter().map(|f| f.cid.clone().unwrap()).collect();
    cids.sort();
    assert_eq!(cids, makers, "each resting order filled once, none missing");
    for f in &fills {
        assert_eq!(
            (f.price, f.quantity, f.fee),
            raw_trade(f.height, f.cid.as_deref().unwrap()).await
        );
    }
}
