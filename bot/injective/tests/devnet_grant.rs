//! Trade-only delegated keys against a real Injective node (`ops/devnet`, brought up by the
//! harness): the ops CLI broadcasts the authz grant and the fee allowance in one tx; a bot key
//! that never held a coin then trades the granter's subaccount through `MsgExec`, its fees paid
//! by the allowance; it cannot move the granter's funds nor trade outside its markets; a
//! revoked or expired grant is a classified error with a one-line reason. What the chain holds
//! is read with plain LCD queries, independently of the client under test.
// Helpers outside #[test] fns are not covered by clippy.toml's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/common/devnet.rs"]
mod devnet;

use std::io::Write;
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cosmos_sdk_proto::cosmos::bank::v1beta1::MsgSend;
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin;
use devnet::devnet;
use rust_decimal::Decimal;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tradebot_injective::address::Address;
use tradebot_injective::authz::{self, GrantSpec};
use tradebot_injective::client::{ClientConfig, ClientError, InjectiveClient, MarketRef, Signer};
use tradebot_injective::feegrant;
use tradebot_injective::keys::{InjectiveKey, PrivateKey};
use tradebot_injective::msgs::{Batch, CancelOrder, NewOrder, Side};
use tradebot_injective::network::Network;
use tradebot_injective::{proto, tx};

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// A key no other test (nor an earlier run) uses.
fn fresh_key(name: &str) -> PrivateKey {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let seed = format!(
        "grant-{name}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let bytes: [u8; 32] = Sha256::digest(seed.as_bytes()).into();
    PrivateKey::from_bytes(&bytes).unwrap()
}

fn copy(key: &PrivateKey) -> PrivateKey {
    PrivateKey::from_bytes(key.expose_secret()).unwrap()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn network() -> Network {
    let mut net = Network::custom(&devnet().chain_id, &devnet().lcd, &devnet().lcd);
    net.requests_per_second = 200;
    net
}

fn client(signer: Signer) -> InjectiveClient {
    let cfg = ClientConfig {
        confirm_interval: Duration::from_millis(250),
        confirm_attempts: 80,
        ..ClientConfig::default()
    };
    InjectiveClient::new(network(), cfg, Some(signer)).unwrap()
}

fn spot() -> MarketRef {
    MarketRef::spot(&devnet().market_inj_usdt)
}

fn tia() -> MarketRef {
    MarketRef::spot(&devnet().market_tia_usdt)
}

fn perp() -> MarketRef {
    MarketRef::derivative(&devnet().market_inj_usdt_perp)
}

async fn lcd(path: &str) -> Value {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let url = format!("{}{path}", devnet().lcd);
    let resp = reqwest::get(&url).await.unwrap();
    let status = resp.status();
    let body = resp.text().await.unwrap();
    assert!(status.is_success(), "{url}: {status} {body}");
    serde_json::from_str(&body).unwrap()
}

/// Every bank balance of `address`, base units, as (denom, amount).
async fn balances(address: Address) -> Vec<(String, u128)> {
    let v = lcd(&format!("/cosmos/bank/v1beta1/balances/{address}")).await;
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
    let all = balances(address).await;
    all.iter().find(|(d, _)| d == "inj").map_or(0, |(_, a)| *a)
}

/// What is left of the fee allowance's spend limit in inj, `None` when there is none.
async fn allowance_left(granter: Address, grantee: Address) -> Option<u128> {
    let url = format!(
        "{}/cosmos/feegrant/v1beta1/allowance/{granter}/{grantee}",
        devnet().lcd
    );
    let resp = reqwest::get(&url).await.unwrap();
    if !resp.status().is_success() {
        return None;
    }
    let v: Value = resp.json().await.unwrap();
    let limit = &v["allowance"]["allowance"]["allowance"]["spend_limit"];
    let coin = limit.as_array()?.iter().find(|c| c["denom"] == "inj")?;
    coin["amount"].as_str()?.parse().ok()
}

/// The authz grants from `granter` to `grantee` (type urls of what they authorize).
async fn grants(granter: Address, grantee: Address) -> Vec<String> {
    let v = lcd(&format!(
        "/cosmos/authz/v1beta1/grants?granter={granter}&grantee={grantee}"
    ))
    .await;
    v["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["authorization"]["@type"].as_str().unwrap().to_owned())
        .collect()
}

/// A funded granter (the devnet's default amounts) and its key.
async fn funded(name: &str) -> PrivateKey {
    let key = fresh_key(name);
    let address = key.address().to_bech32();
    tokio::task::spawn_blocking(move || devnet().fund(&address, None))
        .await
        .unwrap();
    key
}

/// Runs `tradebot-injective ARGS` against the devnet with `key` on stdin: (success, stdout,
/// stderr).
fn cli(args: &[&str], key: &PrivateKey) -> (bool, String, String) {
    let dn = devnet();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tradebot-injective"))
        .args(args)
        .args([
            "--network",
            "custom",
            "--lcd",
            &dn.lcd,
            "--chain-id",
            &dn.chain_id,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let hex = key.to_hex();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n", hex.as_str()).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

/// `tradebot-injective grant --broadcast` for INJ/USDT spot and perpetual, 1 INJ of fees.
async fn cli_grant(granter: &PrivateKey, grantee: Address) -> Value {
    let granter = copy(granter);
    let (spot, perp) = (spot().id, perp().id);
    let grantee = grantee.to_bech32();
    let (ok, out, err) = tokio::task::spawn_blocking(move || {
        let args = [
            "grant",
            "--broadcast",
            "--grantee",
            &grantee,
            "--spot-market",
            &spot,
            "--derivative-market",
            &perp,
            "--expires-in-days",
            "1",
            "--fee-spend-limit",
            "1000000000000000000inj",
        ];
        cli(&args, &granter)
    })
    .await
    .unwrap();
    assert!(ok, "grant failed: {err}");
    serde_json::from_str(&out).unwrap()
}

/// The bot's delegated client, with the markets loaded.
async fn bot_client(bot: &PrivateKey, granter: Address) -> InjectiveClient {
    let key = copy(bot);
    let c = client(Signer::delegated(key, granter));
    for m in [spot(), perp(), tia()] {
        c.market(&m).await.unwrap();
    }
    c
}

fn bid(market: &MarketRef, cid: &str, price: &str) -> NewOrder {
    NewOrder {
        market_id: market.id.clone(),
        side: Side::Buy,
        price: d(price),
        quantity: d("1"),
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

/// Open orders (cids) of the granter's default subaccount in INJ/USDT spot, read from the LCD.
async fn granter_orders(granter: Address) -> Vec<String> {
    let v = lcd(&format!(
        "/injective/exchange/v2/spot/orders/{}/{}",
        spot().id,
        granter.subaccount(0)
    ))
    .await;
    v["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["cid"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_grant_lets_a_zero_balance_bot_trade_with_fees_paid_by_the_granter() {
    let granter_key = funded("fees-granter").await;
    let granter = granter_key.address();
    let bot_key = fresh_key("fees-bot");
    let bot = bot_key.address();

    let out = cli_grant(&granter_key, bot).await;
    assert_eq!(out["txhash"].as_str().unwrap().len(), 64, "{out}");
    assert_eq!(
        grants(granter, bot).await,
        vec!["/injective.exchange.v2.BatchUpdateOrdersAuthz".to_owned()]
    );
    let limit_before = allowance_left(granter, bot).await.expect("an allowance");
    assert_eq!(limit_before, 1_000_000_000_000_000_000);
    // The bot key never held a coin; the allowance created its account.
    assert_eq!(balances(bot).await, vec![]);
    // One allowance per pair: a second grant is refused by the chain, on one line.
    let again = copy(&granter_key);
    let grantee = bot.to_bech32();
    let spot_id = spot().id;
    let (ok, _, err) = tokio::task::spawn_blocking(move || {
        cli(
            &[
                "grant",
                "--broadcast",
                "--grantee",
                &grantee,
                "--spot-market",
                &spot_id,
            ],
            &again,
        )
    })
    .await
    .unwrap();
    assert!(!ok);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("fee allowance already exists"), "{err}");

    let inj_before = inj(granter).await;
    let c = bot_client(&bot_key, granter).await;
    c.cancel_all(&[spot(), perp()]).await.unwrap();
    let out = c
        .batch_update(&creates(vec![bid(&spot(), "fg-1", "1.201")]))
        .await
        .unwrap();
    assert_eq!(out.placed.len(), 1, "{out:?}");
    assert_eq!(granter_orders(granter).await, vec!["fg-1".to_owned()]);
    let cancel = Batch {
        cancels: vec![CancelOrder {
            market_id: spot().id,
            cid: "fg-1".into(),
        }],
        ..Batch::default()
    };
    let out = c.batch_update(&cancel).await.unwrap();
    assert_eq!(out.cancels, vec![("fg-1".to_owned(), true)]);
    assert_eq!(granter_orders(granter).await, Vec::<String>::new());

    // Three txs, all paid by the granter through the allowance: the bot still holds nothing,
    // the granter's INJ dropped by exactly what the allowance spent.
    assert_eq!(balances(bot).await, vec![]);
    let spent = limit_before - allowance_left(granter, bot).await.unwrap();
    assert!(spent > 0);
    assert_eq!(inj_before - inj(granter).await, spent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_key_can_neither_move_funds_nor_trade_other_markets() {
    let granter_key = funded("lock-granter").await;
    let granter = granter_key.address();
    let bot_key = fresh_key("lock-bot");
    let bot = bot_key.address();
    cli_grant(&granter_key, bot).await;
    let before = balances(granter).await;

    // A send of the granter's USDT to the bot, through MsgExec, fees through the allowance:
    // the chain has no grant for it.
    let send = MsgSend {
        from_address: granter.to_bech32(),
        to_address: bot.to_bech32(),
        amount: vec![Coin {
            denom: devnet().denom_usdt.clone(),
            amount: "1000000".into(),
        }],
    };
    let e = exec_paid_by(&bot_key, granter, proto::to_any(&send)).await;
    eprintln!("exec send: {e}");
    assert!(
        e.contains("authorization not found") || e.contains("unauthorized"),
        "{e}"
    );
    // The bot key's own send: it holds nothing, and the allowance pays only for MsgExec.
    let own = MsgSend {
        from_address: bot.to_bech32(),
        to_address: granter.to_bech32(),
        amount: vec![Coin {
            denom: "inj".into(),
            amount: "1".into(),
        }],
    };
    let key = copy(&bot_key);
    let e = client(Signer::direct(key))
        .submit(vec![proto::to_any(&own)])
        .await
        .unwrap_err();
    eprintln!("own send: {e}");
    assert!(matches!(e, ClientError::TxFailed { .. }), "{e}");

    // A market outside the grant (TIA/USDT) is refused by the typed authorization.
    let c = bot_client(&bot_key, granter).await;
    let e = c
        .batch_update(&creates(vec![bid(&tia(), "lk-t", "1.5")]))
        .await
        .unwrap_err();
    eprintln!("other market: {e}");
    assert!(matches!(e, ClientError::TxFailed { .. }), "{e}");

    assert_eq!(balances(bot).await, vec![]);
    // Nothing but fees left the granter: every non-INJ balance is untouched.
    let after = balances(granter).await;
    let non_inj = |b: &[(String, u128)]| -> Vec<(String, u128)> {
        b.iter().filter(|(d, _)| d != "inj").cloned().collect()
    };
    assert_eq!(non_inj(&after), non_inj(&before));
}

/// Signs `msg` wrapped in MsgExec by `bot`, fee granted by `granter`, simulates and broadcasts
/// it, and returns the chain's refusal (simulation, CheckTx or delivery); panics if it passed.
async fn exec_paid_by(bot: &PrivateKey, granter: Address, msg: cosmos_sdk_proto::Any) -> String {
    let v = lcd(&format!("/cosmos/auth/v1beta1/accounts/{}", bot.address())).await;
    let acc = v["account"].get("base_account").unwrap_or(&v["account"]);
    let number = acc["account_number"].as_str().unwrap().parse().unwrap();
    let sequence = acc["sequence"].as_str().unwrap().parse().unwrap();
    let p = tx::TxParams {
        chain_id: devnet().chain_id.clone(),
        account_number: number,
        sequence,
        gas_limit: 300_000,
        fee_amount: tx::fee_for(300_000, d("160000000")),
        fee_denom: "inj".into(),
        timeout_height: 0,
        memo: String::new(),
        fee_granter: Some(granter),
    };
    let signed = tx::build_and_sign(bot, vec![tx::exec(bot.address(), vec![msg])], &p).unwrap();
    use base64::Engine;
    let tx_bytes = base64::engine::general_purpose::STANDARD.encode(&signed.tx_bytes);
    let http = reqwest::Client::new();
    let url = format!("{}/cosmos/tx/v1beta1/txs", devnet().lcd);
    let body = serde_json::json!({ "tx_bytes": tx_bytes, "mode": "BROADCAST_MODE_SYNC" });
    let resp = http.post(&url).json(&body).send().await.unwrap();
    let text = resp.text().await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap_or_default();
    if v["tx_response"]["code"].as_u64() != Some(0) {
        return text;
    }
    // Accepted into the mempool: the messages run in the block.
    for _ in 0..80 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let url = format!("{}/cosmos/tx/v1beta1/txs/{}", devnet().lcd, signed.hash);
        let resp = reqwest::get(&url).await.unwrap();
        if resp.status().is_success() {
            let v: Value = resp.json().await.unwrap();
            assert_ne!(v["tx_response"]["code"], 0, "the chain executed it: {v}");
            return v["tx_response"]["raw_log"].to_string();
        }
    }
    panic!("tx {} never landed", signed.hash);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_grant_is_a_halting_error_with_one_line() {
    let granter_key = funded("revoke-granter").await;
    let granter = granter_key.address();
    let bot_key = fresh_key("revoke-bot");
    let bot = bot_key.address();
    cli_grant(&granter_key, bot).await;
    let c = bot_client(&bot_key, granter).await;
    c.cancel_all(&[spot()]).await.unwrap();

    let granter2 = copy(&granter_key);
    let grantee = bot.to_bech32();
    let (ok, _, err) = tokio::task::spawn_blocking(move || {
        cli(&["revoke", "--broadcast", "--grantee", &grantee], &granter2)
    })
    .await
    .unwrap();
    assert!(ok, "revoke failed: {err}");
    assert_eq!(grants(granter, bot).await, Vec::<String>::new());
    assert_eq!(allowance_left(granter, bot).await, None);

    let e = c
        .batch_update(&creates(vec![bid(&spot(), "rv-1", "1.301")]))
        .await
        .unwrap_err();
    eprintln!("refused: {e}");
    let reason = e
        .grant_gone()
        .unwrap_or_else(|| panic!("not classified: {e}"));
    assert_eq!(reason.lines().count(), 1, "{reason}");
    assert!(reason.contains("fee allowance"), "{reason}");
    assert_eq!(granter_orders(granter).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_grant_is_a_halting_error_with_one_line() {
    let granter_key = funded("expiry-granter").await;
    let granter = granter_key.address();
    let bot_key = fresh_key("expiry-bot");
    let bot = bot_key.address();
    // Both expire a few seconds from now (the CLI counts in days).
    let spec = GrantSpec {
        granter,
        grantee: bot,
        subaccount: granter.subaccount(0),
        spot_markets: vec![spot().id],
        derivative_markets: vec![],
        expires_at: now() + 6,
    };
    let limit = feegrant::parse_coins("1000000000000000000inj").unwrap();
    let msgs = authz::delegation_msgs(&spec, limit).unwrap();
    let key = copy(&granter_key);
    client(Signer::direct(key)).submit(msgs).await.unwrap();
    let c = bot_client(&bot_key, granter).await;
    c.cancel_all(&[spot()]).await.unwrap();

    tokio::time::sleep(Duration::from_secs(8)).await;
    let e = c
        .batch_update(&creates(vec![bid(&spot(), "ex-1", "1.302")]))
        .await
        .unwrap_err();
    eprintln!("refused: {e}");
    let reason = e
        .grant_gone()
        .unwrap_or_else(|| panic!("not classified: {e}"));
    assert_eq!(reason.lines().count(), 1, "{reason}");
    assert_eq!(granter_orders(granter).await, Vec::<String>::new());
    assert_eq!(balances(bot).await, vec![]);
}
