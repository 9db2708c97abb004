//! Live runs of the `tradebot-bot` binary against the real devnet, with its wallet key from a
//! real OpenBao through the secure introduction (a wrapped token per start), and what the tests
//! need around it: fresh funded accounts, orders of other traders, and the chain's own view of
//! the book read from the LCD (never through the bot).
// Helpers outside #[test] fns are not covered by clippy.toml's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rust_decimal::Decimal;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use tradebot::domain::{MarketId, WalletId};
use tradebot::vault::{
    bootstrap, bot_keys, connect_dashboard, wallets, BootstrapOptions, SecretsBroker, TokenLimits,
    TokenRequest, VaultBroker, VaultClient,
};
use tradebot_injective::client::{ClientConfig, InjectiveClient, MarketRef, Signer};
use tradebot_injective::keys::{InjectiveKey, PrivateKey};
use tradebot_injective::msgs::{Batch, NewOrder, Side};
use tradebot_injective::network::Network;

use super::common::Bao;
use super::devnet::{devnet, Devnet};

pub const WALLET: &str = "devnet-bot";

/// Taken by every test of one binary that puts a book on INJ/USDT (`book_around`): tests of a
/// binary run in parallel, and two books around one free price would cross each other.
/// (Test binaries themselves run one after another.)
pub static BOOK_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// OpenBao bootstrapped as the dashboard does it, holding one wallet: the bot's key.
pub struct Vault {
    pub bao: Bao,
    broker: VaultBroker,
    /// Root: what an operator (or `tradebot keys grant`) writes; never what a bot uses.
    admin: VaultClient,
    _approle: tempfile::TempDir,
}

impl Vault {
    /// A paper wallet: its bots read the wallet key (policy `bot-<wallet>`).
    pub async fn with_wallet(key: &PrivateKey) -> Self {
        Self::start(key, wallets::WalletMode::Paper, None).await
    }

    /// OpenBao bootstrapped as the dashboard does it, holding `key` as wallet [`WALLET`] of
    /// `mode` and, for a live wallet, the trade-only `bot` key of (wallet, market) with its
    /// grant recorded (what `tradebot keys grant` writes, through the dashboard's own vault
    /// code). Bootstrap then runs again, as after any key change: it writes the policies from
    /// the reviewed templates (`bot-<wallet>` for a paper wallet; `bot-<wallet>.<slug>` per
    /// bot key of a live wallet, and no `bot-<wallet>`).
    async fn start(
        key: &PrivateKey,
        mode: wallets::WalletMode,
        bot: Option<(&PrivateKey, &MarketId, &str)>,
    ) -> Self {
        let bao = Bao::start();
        let mut settings = bao.settings();
        settings.vault.bots_subnet = "127.0.0.1/32".to_owned();
        let approle = tempfile::tempdir().unwrap();
        let opts = BootstrapOptions {
            approle_dir: Some(approle.path().to_owned()),
            ..BootstrapOptions::default()
        };
        bootstrap(&settings, &opts).await.unwrap();
        let admin = VaultClient::new(&bao.address, None, settings.vault.token.clone()).unwrap();
        let meta = wallets::WalletMeta {
            label: "devnet bot".into(),
            allowed_markets: vec!["INJ/USDT".into()],
            mode,
            network: (mode == wallets::WalletMode::Live).then(|| "devnet".to_owned()),
        };
        let id = WalletId::parse(WALLET).unwrap();
        wallets::write_key(&admin, "wallets", &id, key, 0, Some(&meta))
            .await
            .unwrap();
        if let Some((bot, market, market_id)) = bot {
            bot_keys::write_key(&admin, "wallets", &id, market, bot, 0)
                .await
                .unwrap();
            let expiry = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
            let record = bot_keys::GrantRecord {
                address: address(bot),
                granter: address(key),
                market_id: market_id.to_owned(),
                network: "devnet".into(),
                grant_expiry: expiry
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap(),
                fee_spend_limit: "1000000000000000000inj".into(),
            };
            bot_keys::record_grant(&admin, "wallets", &id, market, &record)
                .await
                .unwrap();
        }
        bootstrap(&settings, &opts).await.unwrap();
        let mut dash = settings.vault.clone();
        dash.role_id_file = Some(approle.path().join("role_id"));
        dash.secret_id_file = Some(approle.path().join("secret_id"));
        let session = connect_dashboard(&dash).await.unwrap();
        let broker = VaultBroker::new(session, &settings.vault.kv_mount, TokenLimits::default());
        Self {
            bao,
            broker,
            admin,
            _approle: approle,
        }
    }

    /// A live wallet `wallet` (the granter's key, which no bot reads) and the trade-only bot
    /// key of (wallet, `market`) at `wallets/data/<wallet>/bots/<slug>`, readable with policy
    /// `bot-<wallet>.<slug>` only (written by bootstrap from policies/bot-key.hcl.tmpl).
    pub async fn with_bot_key(wallet: &PrivateKey, bot: &PrivateKey, market: &str) -> Self {
        let market_id = match market {
            "INJ/USDT" => devnet().market_inj_usdt.clone(),
            "INJ/USDT-PERP" => devnet().market_inj_usdt_perp.clone(),
            "TIA/USDT" => devnet().market_tia_usdt.clone(),
            other => panic!("no devnet market {other}"),
        };
        let market = MarketId::parse(market).unwrap();
        Self::start(
            wallet,
            wallets::WalletMode::Live,
            Some((bot, &market, &market_id)),
        )
        .await
    }

    /// The names of the ACL policies in this OpenBao (read as root).
    pub async fn policies(&self) -> Vec<String> {
        self.admin.list("sys/policies/acl").await.unwrap()
    }

    /// A fresh single-use wrapped token for a live bot of `market`: the dashboard broker's
    /// `TokenRequest` with `market_key`, so the token carries policy `bot-<wallet>.<slug>`.
    pub async fn market_token(&self, market: &str) -> String {
        static LAUNCH: AtomicU32 = AtomicU32::new(0);
        let launch = format!("m-{}", LAUNCH.fetch_add(1, Ordering::Relaxed));
        let market = MarketId::parse(market).unwrap();
        let issued = self
            .broker
            .issue_bot_token(&TokenRequest {
                bot_id: "live-1",
                wallet: &WalletId::parse(WALLET).unwrap(),
                market_key: Some(&market),
                operator: "alice",
                launch_id: &launch,
            })
            .await
            .unwrap();
        issued.wrapping_token.expose_secret().to_owned()
    }

    /// A fresh single-use wrapped token for the next start (what the dashboard hands a bot).
    pub async fn token(&self) -> String {
        static LAUNCH: AtomicU32 = AtomicU32::new(0);
        let launch = format!("l-{}", LAUNCH.fetch_add(1, Ordering::Relaxed));
        let issued = self
            .broker
            .issue_bot_token(&TokenRequest {
                bot_id: "live-1",
                wallet: &WalletId::parse(WALLET).unwrap(),
                market_key: None,
                operator: "alice",
                launch_id: &launch,
            })
            .await
            .unwrap();
        issued.wrapping_token.expose_secret().to_owned()
    }
}

/// The bot's spec: a market maker on INJ/USDT of the devnet, fills from the chain stream.
pub fn spec(vault: &str, dn: &Devnet, order_size: &str) -> String {
    json!({
        "bot_id": "live-1", "wallet_id": WALLET, "market": "INJ/USDT", "bot_type": "market_maker",
        "exchange": "injective", "status_interval_secs": 60,
        "params": {"spread_bps": "20", "levels": 1, "order_size": order_size,
                   "refresh_tolerance_bps": "200"},
        "vault": {"address": vault, "wallet_id": WALLET},
        "injective": {"network": "custom", "market_id": dn.market_inj_usdt, "poll_ms": 300,
            "endpoints": {"chain_id": dn.chain_id, "lcd": dn.lcd, "stream": dn.stream,
                          "rpc": dn.rpc}},
    })
    .to_string()
}

/// The spec of a live bot trading `granter`'s INJ/USDT with its delegated key: the bot reads
/// the trade-only key of (WALLET, INJ/USDT) (`vault.market_key`), and `injective.granter` is
/// the wallet's address.
pub fn delegated_spec(vault: &str, dn: &Devnet, order_size: &str, granter: &str) -> String {
    let mut v: Value = serde_json::from_str(&spec(vault, dn, order_size)).unwrap();
    v["vault"]["market_key"] = json!("INJ/USDT");
    v["injective"]["granter"] = json!(granter);
    v.to_string()
}

/// A paper bot on the devnet's live INJ/USDT book: exchange "paper" with an `injective`
/// section (no granter; the Vault key is the paper wallet's).
pub fn paper_live_spec(vault: &str, dn: &Devnet, order_size: &str) -> String {
    let mut v: Value = serde_json::from_str(&spec(vault, dn, order_size)).unwrap();
    v["exchange"] = json!("paper");
    v.to_string()
}

/// A running bot: its stdout event lines arrive on a channel, its stderr is collected. A bot
/// still running when its test fails gets SIGTERM (so it cancels its orders on the shared
/// chain), and SIGKILL if it has not exited after 20 s.
pub struct Bot {
    pub child: Child,
    lines: mpsc::Receiver<(Instant, String)>,
    pub events: Vec<Value>,
    stderr: Arc<Mutex<String>>,
}

impl Bot {
    pub fn start(spec: &str, token: &str) -> Self {
        // The bench runs a release build (`TRADEBOT_BOT_BIN`); tests the one cargo built.
        let bin = std::env::var("TRADEBOT_BOT_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_tradebot-bot").to_owned());
        let mut child = Command::new(bin)
            .arg("run")
            .env_clear()
            .env("TRADEBOT_BOT_SPEC", spec)
            .env("TRADEBOT_WRAPPING_TOKEN", token)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let out = BufReader::new(child.stdout.take().unwrap());
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                let _ = tx.send((Instant::now(), line));
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let (sink, mut err) = (Arc::clone(&stderr), child.stderr.take().unwrap());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = err.read(&mut buf) {
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Self {
            child,
            lines,
            events: Vec::new(),
            stderr,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits for the next event line of `kind`; returns it and when it was read.
    pub fn wait_event(&mut self, kind: &str, within: Duration) -> (Value, Instant) {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((at, line)) => {
                    let v: Value = serde_json::from_str(&line)
                        .unwrap_or_else(|e| panic!("not an event line ({e}): {line}"));
                    self.events.push(v.clone());
                    if v["event"] == kind {
                        return (v, at);
                    }
                    assert_ne!(v["event"], "error", "bot error: {v} {}", self.stderr());
                }
                Err(_) => panic!(
                    "no {kind} event within {within:?}; events {:?}; stderr {}",
                    self.events,
                    self.stderr()
                ),
            }
        }
    }

    /// SIGTERM, then the exit status and every event line left.
    pub fn term(mut self) -> (ExitStatus, Vec<Value>) {
        signal(self.pid(), "-TERM");
        let status = self.child.wait().unwrap();
        while let Ok((_, line)) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.events.push(serde_json::from_str(&line).unwrap());
        }
        (status, std::mem::take(&mut self.events))
    }

    /// Waits (up to `within`) for the bot to exit by itself; its status and every event line.
    pub fn wait_exit(mut self, within: Duration) -> (ExitStatus, Vec<Value>) {
        let deadline = Instant::now() + within;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the bot did not exit within {within:?}: {:?}; stderr {}",
                self.events,
                self.stderr()
            );
            if let Ok((_, line)) = self.lines.recv_timeout(Duration::from_millis(100)) {
                self.events.push(serde_json::from_str(&line).unwrap());
            }
        };
        while let Ok((_, line)) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.events.push(serde_json::from_str(&line).unwrap());
        }
        (status, std::mem::take(&mut self.events))
    }

    /// SIGKILL: nothing runs after it (no cancel-all).
    pub fn kill(mut self) {
        signal(self.pid(), "-KILL");
        self.child.wait().unwrap();
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        for _ in 0..200 {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success(), "kill {sig} {pid}");
}

/// Cancels every INJ/USDT and INJ/USDT-PERP order of its key when dropped, so a test that fails half-way leaves
/// no orders of a key nobody holds anymore on the shared devnet (they would block the next
/// test's book). Runs on its own thread and runtime: `Drop` cannot await.
pub struct CancelOnDrop(Option<PrivateKey>);

pub fn cancel_on_drop(key: &PrivateKey) -> CancelOnDrop {
    CancelOnDrop(Some(PrivateKey::from_bytes(key.expose_secret()).unwrap()))
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        let Some(key) = self.0.take() else { return };
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let spot = MarketRef::spot(&devnet().market_inj_usdt);
                let perp = MarketRef::derivative(&devnet().market_inj_usdt_perp);
                let c = client(key).await;
                let _ = c.market(&perp).await;
                let _ = c.cancel_all(&[spot, perp]).await;
            });
        })
        .join();
        if done.is_err() {
            eprintln!("cleanup: cancelling a test account's orders failed");
        }
    }
}

/// A fresh key, never used on this chain before (shared devnet: no other test touches it).
pub fn fresh_key() -> PrivateKey {
    PrivateKey::generate()
}

pub fn address(key: &PrivateKey) -> String {
    key.address().to_bech32()
}

pub fn subaccount(key: &PrivateKey) -> String {
    key.address().subaccount(0).to_hex()
}

/// A connector client of a funded account with INJ/USDT loaded: other traders of the tests
/// (never the bot).
pub async fn client(key: PrivateKey) -> InjectiveClient {
    let dn = devnet();
    let mut net = Network::custom(&dn.chain_id, &dn.lcd, "");
    net.requests_per_second = 200;
    let cfg = ClientConfig {
        confirm_interval: Duration::from_millis(200),
        confirm_attempts: 100,
        ..ClientConfig::default()
    };
    let c = InjectiveClient::new(net, cfg, Some(Signer::direct(key))).unwrap();
    c.market(&MarketRef::spot(&dn.market_inj_usdt))
        .await
        .unwrap();
    c
}

/// Places one limit order on INJ/USDT spot and waits for its block; returns its order hash.
pub async fn order(c: &InjectiveClient, side: Side, price: Decimal, qty: Decimal) -> String {
    let dn = devnet();
    let cid = format!("t{}", unique());
    let batch = Batch {
        creates: vec![NewOrder {
            market_id: dn.market_inj_usdt.clone(),
            side,
            price,
            quantity: qty,
            post_only: false,
            cid: cid.clone(),
            leverage: None,
        }],
        ..Batch::default()
    };
    let out = c.batch_update(&batch).await.unwrap();
    let placed = out.placed.iter().find(|p| p.cid == cid);
    placed
        .unwrap_or_else(|| panic!("order refused: {out:?}"))
        .order_hash
        .clone()
}

fn unique() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// Cancels every order of `c` on INJ/USDT: tests leave nothing on the shared chain.
pub async fn cancel_all(c: &InjectiveClient) {
    let market = MarketRef::spot(&devnet().market_inj_usdt);
    c.cancel_all(std::slice::from_ref(&market)).await.unwrap();
}

/// The book a test's quotes go into: one account's bid and ask 3 % around a free price.
pub async fn book_around(maker: &InjectiveClient) -> (Decimal, Decimal, Decimal) {
    let center = free_center().await;
    let (lo, hi) = (center * Decimal::new(97, 2), center * Decimal::new(103, 2));
    order(maker, Side::Buy, lo, Decimal::ONE).await;
    order(maker, Side::Sell, hi, Decimal::ONE).await;
    (lo, center, hi)
}

/// Open orders of `subaccount` on INJ/USDT, read from the LCD: (hash, is_buy, price, qty).
pub async fn chain_orders(subaccount: &str) -> Vec<(String, bool, Decimal, Decimal)> {
    let dn = devnet();
    let url = format!(
        "{}/injective/exchange/v2/spot/orders/{}/{subaccount}",
        dn.lcd, dn.market_inj_usdt
    );
    let v: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    v["orders"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            (
                field(o, "order_hash", "orderHash")
                    .as_str()
                    .unwrap()
                    .to_owned(),
                field(o, "is_buy", "isBuy").as_bool().unwrap_or(false),
                dec(&o["price"]),
                dec(&o["fillable"]),
            )
        })
        .collect()
}

/// The book's price levels from the LCD: (bids, asks), best first.
pub async fn chain_book() -> (Vec<Decimal>, Vec<Decimal>) {
    let dn = devnet();
    let url = format!(
        "{}/injective/exchange/v2/spot/orderbook/{}?limit=50",
        dn.lcd, dn.market_inj_usdt
    );
    let v: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    let levels = |k: &str| -> Vec<Decimal> {
        v[k].as_array()
            .into_iter()
            .flatten()
            .map(|l| dec(&l["p"]))
            .collect()
    };
    (levels("buys_price_level"), levels("sells_price_level"))
}

/// The LCD spells some fields in snake case, others in camel case.
fn field<'a>(o: &'a Value, snake: &str, camel: &str) -> &'a Value {
    o.get(snake)
        .or_else(|| o.get(camel))
        .unwrap_or(&Value::Null)
}

pub fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or("0"))
        .unwrap()
        .normalize()
}

/// Polls `chain_orders(subaccount)` until `done` holds; the last read.
pub async fn wait_chain(
    subaccount: &str,
    within: Duration,
    done: impl Fn(&[(String, bool, Decimal, Decimal)]) -> bool,
) -> Vec<(String, bool, Decimal, Decimal)> {
    let deadline = Instant::now() + within;
    loop {
        let orders = chain_orders(subaccount).await;
        if done(&orders) {
            return orders;
        }
        assert!(
            Instant::now() < deadline,
            "chain never reached the state: {orders:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A price around which the test's book is free: other tests share this chain and may leave
/// orders, so quotes go between the best bid and the best ask (or above every bid, or
/// below every ask), never crossing anyone.
pub async fn free_center() -> Decimal {
    let (bids, asks) = chain_book().await;
    let ten = Decimal::TEN;
    let center = match (bids.first(), asks.first()) {
        (None, None) => ten,
        (Some(b), None) => (*b * Decimal::TWO).max(ten),
        (None, Some(a)) => *a / Decimal::TWO,
        (Some(b), Some(a)) => {
            assert!(
                *a > *b * Decimal::new(107, 2),
                "no room between {b} and {a}"
            );
            (*a + *b) / Decimal::TWO
        }
    };
    center.round_dp(1)
}
