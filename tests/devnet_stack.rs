//! The live path end to end, black-box, on the devnet stack of `ops/up --devnet` (run by
//! `ops/e2e-devnet`, which brings the stack up, makes an operator and passes it in `E2E_*`
//! variables; ignored otherwise). An operator in headless Chromium starts a market maker on
//! INJ/USDT and a grid on TIA/USDT on the SAME live wallet `devnet`; both reach `ready`; their
//! orders are on the chain's books (read from the chain's LCD, never through the dashboard or
//! the bots); another account crosses the market maker's quote; the fill appears on the bot page
//! with the chain's own trade id and the position moves; Stop leaves zero orders of that bot on
//! chain and the run archived with its reason; the bot keys hold no INJ (fees paid through the
//! wallet's fee grant). Refusals: a second bot on a (wallet, market) (409), an order size below
//! the market's min notional (422), a market whose grant was revoked (refused at the form), and
//! a bot whose grant is revoked while it runs halts with its reason on the page. Screenshots of
//! the live bot page land in .stack/screenshots/.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness

#[path = "../bot/tests/common/devnet.rs"]
mod devnet;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::path::PathBuf;
use std::process::Command;
use std::str::FromStr;
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use serde_json::{json, Value};
use tradebot_injective::address::Address;
use tradebot_injective::client::{ClientConfig, InjectiveClient, MarketRef, Signer};
use tradebot_injective::keys::PrivateKey;
use tradebot_injective::msgs::{Batch, MarketKind, NewOrder, Side};
use tradebot_injective::network::Network;
use tradebot_injective::stream::backfill::{self, Target};

use devnet::Devnet;
use webdriver::Driver;

const WALLET: &str = "devnet";

/// The stack under test, from the variables `ops/e2e-devnet` sets.
struct Stack {
    url: String,
    user: String,
    password: String,
    project: String,
    /// The stack's devnet as its env file describes it, with the LCD and CometBFT RPC
    /// replaced by the ports the stack publishes on loopback.
    dn: Devnet,
    root: PathBuf,
}

fn stack() -> Stack {
    let var = |k: &str| {
        std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set (run ops/e2e-devnet)"))
    };
    // The checkout whose ops/ and .stack/ the script used (a test binary built in another
    // checkout of the same target dir keeps that checkout's CARGO_MANIFEST_DIR).
    let root = std::env::var_os("E2E_ROOT")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let project = var("E2E_PROJECT");
    let text = std::fs::read_to_string(root.join(format!(".stack/{project}/devnet.env"))).unwrap();
    let mut dn = Devnet::parse(&text).unwrap();
    let host = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap()
            .to_owned()
    };
    dn.lcd = host("DEVNET_HOST_LCD");
    dn.rpc = host("DEVNET_HOST_RPC");
    Stack {
        url: var("E2E_URL"),
        user: var("E2E_USER"),
        password: var("E2E_PASSWORD"),
        project,
        dn,
        root,
    }
}

impl Stack {
    /// `ops/tradebot ARGS` against this stack (the keys CLI as devops run it).
    fn tradebot(&self, args: &[&str]) -> String {
        let out = Command::new(self.root.join("ops/tradebot"))
            .args(args)
            .env("COMPOSE_PROJECT_NAME", &self.project)
            .current_dir(&self.root)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ops/tradebot {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// A connector client of one of the devnet's funded accounts (never a bot's).
    async fn trader(&self, key_file: &std::path::Path, market: &str) -> InjectiveClient {
        let hex = std::fs::read_to_string(key_file).unwrap();
        let key = PrivateKey::from_hex(hex.trim()).unwrap();
        let mut net = Network::custom(&self.dn.chain_id, &self.dn.lcd, "");
        net.requests_per_second = 200;
        let cfg = ClientConfig {
            confirm_interval: Duration::from_millis(200),
            confirm_attempts: 100,
            ..ClientConfig::default()
        };
        let c = InjectiveClient::new(net, cfg, Some(Signer::direct(key))).unwrap();
        c.market(&MarketRef::spot(market)).await.unwrap();
        c
    }

    /// The wallet's default subaccount (the granter's: the bots trade it through authz).
    fn wallet_subaccount(&self) -> String {
        Address::from_str(&self.dn.trader.address)
            .unwrap()
            .subaccount(0)
            .to_hex()
    }

    /// Open orders of the wallet on a spot market, from the chain's LCD: (is_buy, price, qty).
    async fn chain_orders(&self, market: &str) -> Vec<(bool, Decimal, Decimal)> {
        let url = format!(
            "{}/injective/exchange/v2/spot/orders/{market}/{}",
            self.dn.lcd,
            self.wallet_subaccount()
        );
        let v: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
        v["orders"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| {
                let buy = o.get("is_buy").or_else(|| o.get("isBuy"));
                (
                    buy.and_then(Value::as_bool).unwrap_or(false),
                    dec(&o["price"]),
                    dec(&o["fillable"]),
                )
            })
            .collect()
    }

    /// Waits until `ok` holds for the wallet's orders on `market`; returns them.
    async fn wait_orders(
        &self,
        market: &str,
        secs: u64,
        ok: impl Fn(&[(bool, Decimal, Decimal)]) -> bool,
    ) -> Vec<(bool, Decimal, Decimal)> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let orders = self.chain_orders(market).await;
            if ok(&orders) {
                return orders;
            }
            assert!(Instant::now() < deadline, "orders on {market}: {orders:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// An account's bank balance of `denom`, from the LCD (0 when it holds none).
    async fn balance(&self, address: &str, denom: &str) -> Decimal {
        let url = format!(
            "{}/cosmos/bank/v1beta1/balances/{address}/by_denom?denom={denom}",
            self.dn.lcd
        );
        let v: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
        v["balance"]["amount"]
            .as_str()
            .map_or(Decimal::ZERO, |a| Decimal::from_str(a).unwrap())
    }

    async fn height(&self) -> u64 {
        let v: Value = reqwest::get(format!("{}/status", self.dn.rpc))
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
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or("0")).unwrap_or_default()
}

/// One limit order of `c` on a spot market, waiting for its block.
async fn order(c: &InjectiveClient, market: &str, side: Side, price: Decimal, qty: Decimal) {
    let cid = format!(
        "e2e{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let batch = Batch {
        creates: vec![NewOrder {
            market_id: market.to_owned(),
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
    assert!(
        out.placed.iter().any(|p| p.cid == cid),
        "order refused: {out:?}"
    );
}

fn shots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".stack/screenshots")
}

async fn sign_in(web: &Driver, s: &Stack) {
    let login = format!("{}/login", s.url);
    web.sign_in(&login, &s.user, &s.password, "#start-bot")
        .await;
}

/// Starts a bot from the form; returns its page's URL once it shows `running`.
async fn start_from_form(
    web: &Driver,
    s: &Stack,
    market: &str,
    bot_type: &str,
    params: &[(&str, &str)],
) -> String {
    web.goto(&format!("{}/bots/new", s.url)).await;
    web.wait_for("#start-form", 30).await;
    web.select("#wallet", WALLET).await;
    web.select("#market", market).await;
    web.select("#bot_type", bot_type).await;
    for (name, value) in params {
        web.type_into(
            &format!("fieldset[data-type={bot_type}] input[name='p.{name}']"),
            value,
        )
        .await;
    }
    web.click("#start-submit").await;
    let badge = web
        .wait_text("#bot-state", 120, |t| t == "running" || t == "failed")
        .await;
    assert_eq!(badge, "running", "{}", web.source().await);
    web.url().await
}

/// Stop from the bot's page; once the dashboard says `stopped`, the page shows it and why.
async fn stop_from_page(web: &Driver, bot_url: &str) -> String {
    web.goto(bot_url).await;
    web.click("#stop-bot").await;
    let id = bot_url.rsplit('/').next().unwrap().to_owned();
    // Chromium runs on the Docker host here: when the stopped bot's container (its veth) goes
    // away, it sees a network change and aborts the Stop POST in flight with its own error
    // page (ERR_NETWORK_CHANGED), though the stop completes on the server (it runs in a task of
    // its own). An operator's browser on another machine never sees this. Said, then checked
    // where it matters: the dashboard's state and the bot's page.
    tokio::time::sleep(Duration::from_secs(2)).await;
    if web.url().await.ends_with("/stop") {
        let text = web.source().await;
        let code = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .find(|w| w.starts_with("ERR_"))
            .unwrap_or("no ERR_ code in the first 2000 characters");
        println!("after Stop on {id} the browser shows its error page ({code})");
        web.goto(bot_url).await;
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let (status, body) = web.api("GET", &format!("/api/bots/{id}"), None).await;
        if status == 200 && body["bot"]["state"] == "stopped" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{id} never stopped: {status} {body} (page {}: {})",
            web.url().await,
            web.source().await
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    if !web.url().await.ends_with(&id) {
        println!(
            "after Stop the browser shows {}: {}",
            web.url().await,
            web.source().await
        );
    }
    web.goto(bot_url).await;
    let badge = web.wait_text("#bot-state", 30, |t| t == "stopped").await;
    assert_eq!(badge, "stopped");
    web.text("#exit-reason").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the devnet stack: run by ops/e2e-devnet"]
async fn live_bots_on_one_wallet_trade_the_devnet_from_the_browser() {
    let s = stack();
    let (inj, tia) = (s.dn.market_inj_usdt.clone(), s.dn.market_tia_usdt.clone());
    // Other traders' books: a bid and an ask 3 % around 10 USDT on both markets.
    let maker_key = s.dn.spares[0].key_file.clone();
    for market in [&inj, &tia] {
        let maker = s.trader(&maker_key, market).await;
        order(
            &maker,
            market,
            Side::Buy,
            Decimal::new(970, 2),
            Decimal::ONE,
        )
        .await;
        order(
            &maker,
            market,
            Side::Sell,
            Decimal::new(1030, 2),
            Decimal::ONE,
        )
        .await;
    }

    let web = Driver::start().await;
    sign_in(&web, &s).await;

    // Below the min notional (1 USDT on the devnet: 0.05 INJ at ~10 USDT is 0.5, on the
    // quantity tick 0.001): refused with the reason, nothing started.
    let (status, body) = web
        .api(
            "POST",
            "/api/bots",
            Some(
                json!({"wallet": WALLET, "market": "INJ/USDT", "bot_type": "market_maker",
                        "params": {"order_size": "0.05"}}),
            ),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("notional"), "{body}");

    let t0 = Instant::now();
    let mm = start_from_form(
        &web,
        &s,
        "INJ/USDT",
        "market_maker",
        &[("order_size", "0.5"), ("spread_bps", "40"), ("levels", "1")],
    )
    .await;
    let quotes = s
        .wait_orders(&inj, 60, |o| {
            o.iter().any(|x| x.0) && o.iter().any(|x| !x.0)
        })
        .await;
    println!(
        "market maker: click to both quotes on the chain's book {:?}",
        t0.elapsed()
    );
    web.screenshot(&shots().join("live-bot-running.png")).await;

    let grid = start_from_form(
        &web,
        &s,
        "TIA/USDT",
        "grid",
        // Levels at 9.6, 10, 10.4: the grid rests a buy below the book's bid (9.70) and a sell
        // above its ask (10.30), nothing in between; all within the default price band (5 %).
        &[
            ("lower_price", "9.6"),
            ("upper_price", "10.4"),
            ("levels", "3"),
            ("size_per_level", "0.5"),
        ],
    )
    .await;
    s.wait_orders(&tia, 60, |o| {
        o.iter().filter(|x| x.0).count() == 1 && o.len() == 2
    })
    .await;
    // Both on one wallet, side by side.
    web.goto(&format!("{}/", s.url)).await;
    let rows = web
        .wait_text("#bots tbody", 30, |t| t.matches("running").count() >= 2)
        .await;
    assert!(
        rows.contains("INJ/USDT") && rows.contains("TIA/USDT"),
        "{rows}"
    );

    // A second bot on (devnet, INJ/USDT): 409, nothing started.
    let (status, body) = web
        .api(
            "POST",
            "/api/bots",
            Some(json!({"wallet": WALLET, "market": "INJ/USDT", "bot_type": "twap"})),
        )
        .await;
    assert_eq!(status, 409, "{body}");

    // The taker crosses the market maker's ask.
    let ask = quotes.iter().filter(|o| !o.0).map(|o| o.1).min().unwrap();
    let from = s.height().await;
    let taker = s.trader(&s.dn.taker.key_file, &inj).await;
    order(&taker, &inj, Side::Buy, ask, Decimal::new(1, 1)).await;
    let target = Target {
        market_id: inj.clone(),
        kind: MarketKind::Spot,
        subaccount_id: s.wallet_subaccount(),
    };
    let http = reqwest::Client::new();
    let fills = backfill::fills_between(&http, &s.dn.rpc, &target, from, s.height().await)
        .await
        .unwrap();
    let fill = fills.first().expect("the chain recorded the wallet's fill");
    web.goto(&mm).await;
    let table = web
        .wait_text("#fills", 60, |t| t.contains(&fill.trade_id))
        .await;
    assert!(table.contains("sell"), "{table}");
    // The position comes with the bot's next status event (every 2 s).
    let deadline = Instant::now() + Duration::from_secs(30);
    let position = loop {
        web.goto(&mm).await;
        let p = web.text("#position").await;
        if p.starts_with('-') || Instant::now() > deadline {
            break p;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    assert!(
        position.starts_with('-'),
        "the maker sold: position {position}"
    );
    let pnl = web.text("#pnl").await;
    assert!(!pnl.is_empty(), "PnL shown: {pnl:?}");
    web.screenshot(&shots().join("live-bot-fill.png")).await;

    // Stop each: nothing of it left on the chain, the run archived with its reason.
    let reason = stop_from_page(&web, &mm).await;
    assert!(
        reason.contains(&format!("stopped by {}", s.user)),
        "{reason}"
    );
    s.wait_orders(&inj, 30, |o| o.is_empty()).await;
    let reason = stop_from_page(&web, &grid).await;
    assert!(reason.contains("exit code 0"), "{reason}");
    s.wait_orders(&tia, 30, |o| o.is_empty()).await;

    // Fees were paid through the wallet's fee grant: no bot key holds INJ.
    let keys = s.tradebot(&["keys", "list"]);
    let bot_addresses: Vec<&str> = keys
        .split_whitespace()
        .filter(|w| w.starts_with("inj1") && *w != s.dn.trader.address)
        .collect();
    assert!(bot_addresses.len() >= 2, "{keys}");
    for a in bot_addresses {
        assert_eq!(s.balance(a, &s.dn.denom_inj).await, Decimal::ZERO, "{a}");
    }

    // A revoked grant is refused at the form, before anything starts.
    s.tradebot(&[
        "keys",
        "revoke-grant",
        "--wallet",
        WALLET,
        "--market",
        "INJ/USDT-PERP",
    ]);
    let (status, body) = web
        .api(
            "POST",
            "/api/bots",
            Some(
                json!({"wallet": WALLET, "market": "INJ/USDT-PERP", "bot_type": "market_maker",
                        "params": {"order_size": "0.5"}}),
            ),
        )
        .await;
    assert!((400..500).contains(&status), "{status} {body}");
    assert!(body.to_string().contains("grant"), "{body}");

    // A grant revoked while its bot runs: the bot halts, and the page says why.
    let again = start_from_form(
        &web,
        &s,
        "TIA/USDT",
        "market_maker",
        &[("order_size", "0.5")],
    )
    .await;
    s.wait_orders(&tia, 60, |o| !o.is_empty()).await;
    s.tradebot(&[
        "keys",
        "revoke-grant",
        "--wallet",
        WALLET,
        "--market",
        "TIA/USDT",
    ]);
    web.goto(&again).await;
    let badge = web
        .wait_text("#bot-state", 120, |t| t == "failed" || t == "stopped")
        .await;
    let why = web.source().await;
    assert!(
        why.contains("grant") || why.contains("permission"),
        "{badge}: {why}"
    );
    web.screenshot(&shots().join("live-bot-grant-revoked.png"))
        .await;
}

/// The p-th percentile (nearest rank) of `xs`, in milliseconds.
fn percentile(xs: &mut [Duration], p: usize) -> u128 {
    xs.sort_unstable();
    let rank = (p * xs.len()).div_ceil(100).max(1);
    xs[rank - 1].as_millis()
}

/// `ops/bench/live-start`: Start click to the bot's first order on the chain's book, over 10
/// starts of a market maker on (devnet, INJ/USDT), next to a paper bot's Start click to
/// `running` (ready) in the same run. Prints figures; asserts only that each start worked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark on the devnet stack: run by ops/bench/live-start"]
async fn bench_live_start() {
    let s = stack();
    let inj = s.dn.market_inj_usdt.clone();
    let maker = s.trader(&s.dn.spares[1].key_file, &inj).await;
    order(&maker, &inj, Side::Buy, Decimal::new(970, 2), Decimal::ONE).await;
    order(
        &maker,
        &inj,
        Side::Sell,
        Decimal::new(1030, 2),
        Decimal::ONE,
    )
    .await;
    let web = Driver::start().await;
    sign_in(&web, &s).await;
    let (mut live, mut paper) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        let t0 = Instant::now();
        let url = start_from_form(
            &web,
            &s,
            "INJ/USDT",
            "market_maker",
            &[("order_size", "0.5")],
        )
        .await;
        s.wait_orders(&inj, 60, |o| !o.is_empty()).await;
        live.push(t0.elapsed());
        stop_from_page(&web, &url).await;
        s.wait_orders(&inj, 30, |o| o.is_empty()).await;

        web.goto(&format!("{}/bots/new", s.url)).await;
        web.wait_for("#start-form", 30).await;
        web.select("#wallet", "demo").await;
        let t0 = Instant::now();
        web.click("#start-submit").await;
        web.wait_text("#bot-state", 120, |t| t == "running").await;
        paper.push(t0.elapsed());
        let url = web.url().await;
        stop_from_page(&web, &url).await;
    }
    println!(
        "live start (click -> first order on the devnet's book): p50 {} ms, p95 {} ms over {}",
        percentile(&mut live, 50),
        percentile(&mut live, 95),
        live.len()
    );
    println!(
        "paper start (click -> running): p50 {} ms, p95 {} ms over {}",
        percentile(&mut paper, 50),
        percentile(&mut paper, 95),
        paper.len()
    );
}
