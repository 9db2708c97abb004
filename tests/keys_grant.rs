//! `tradebot keys grant | revoke-grant | list` against a real OpenBao and the real Injective
//! devnet (`ops/devnet`, brought up by the harness), through the real `tradebot` binary with a
//! key-admin token: a funded devnet key imported as live wallet `desk` on a network configured
//! as the devnet gets one trade-only bot key per market, each granted batch updates on that ONE
//! market plus a fee allowance in one tx; the chain (plain LCD queries, independent of the code
//! under test) holds both grants; the bot keys hold no INJ; `keys list` shows the expiries read
//! from the chain; `revoke-grant` removes one on chain; bad input is refused with one line that
//! holds no secret, and nothing is written.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness helpers live outside #[test] fns

mod common;
#[path = "../bot/tests/common/devnet.rs"]
mod devnet;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

use common::{Bao, ROOT_TOKEN};
use devnet::devnet;
use secrecy::SecretString;
use serde_json::{json, Value};
use tradebot::domain::{MarketId, WalletId};
use tradebot::vault::{bootstrap, bot_keys, BootstrapOptions, VaultClient};
use tradebot_injective::keys::{InjectiveKey, PrivateKey};

/// Runs `tradebot ARGS` with `token`, the devnet configured as network `devnet`; (ok, stdout,
/// stderr).
fn tradebot(bao: &Bao, token: &str, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let d = devnet();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tradebot"))
        .args(args)
        .env_clear()
        .env("TRADEBOT_VAULT__ADDRESS", &bao.address)
        .env("TRADEBOT_VAULT__DANGEROUS_ALLOW_PLAIN_HTTP", "true")
        .env("TRADEBOT_VAULT__BOTS_SUBNET", "127.0.0.1/32")
        .env("TRADEBOT_NETWORKS__DEVNET__CHAIN_ID", &d.chain_id)
        .env("TRADEBOT_NETWORKS__DEVNET__LCD", &d.lcd)
        .env("TRADEBOT_NETWORKS__DEVNET__STREAM", &d.stream)
        .env("TRADEBOT_NETWORKS__DEVNET__RPC", &d.rpc)
        .env("VAULT_TOKEN", token)
        .env("TRADEBOT_LOG__FILTER", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        let written = child.stdin.take().unwrap().write_all(input.as_bytes());
        if let Err(e) = written {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// A refusal: non-zero exit, one line on stderr containing `reason`, and no `secret` in it.
fn refused(out: (bool, String, String), reason: &str, secret: &str) {
    let (ok, stdout, stderr) = out;
    assert!(!ok, "accepted: {stdout}");
    assert_eq!(stderr.trim().lines().count(), 1, "not one line: {stderr}");
    assert!(stderr.contains(reason), "{stderr:?} lacks {reason:?}");
    assert!(!stderr.contains(secret) && !stdout.contains(secret));
}

/// Whether `text` holds a run of 64 hex digits (what a private key looks like).
fn has_hex64(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_hexdigit())
        .any(|run| run.len() >= 64)
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

/// The authz grants granter -> grantee as the LCD lists them.
async fn chain_grants(granter: &str, grantee: &str) -> Vec<Value> {
    let v = lcd(&format!(
        "/cosmos/authz/v1beta1/grants?granter={granter}&grantee={grantee}"
    ))
    .await;
    v["grants"].as_array().cloned().unwrap_or_default()
}

async fn inj_balance(address: &str) -> u128 {
    let v = lcd(&format!("/cosmos/bank/v1beta1/balances/{address}")).await;
    v["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["denom"] == "inj")
        .map_or(0, |c| c["amount"].as_str().unwrap().parse().unwrap())
}

async fn policy_token(root: &VaultClient, policy: &str) -> String {
    let created = root
        .write(
            "auth/token/create",
            &json!({ "policies": [policy], "ttl": "30m" }),
        )
        .await
        .unwrap()
        .unwrap();
    created["auth"]["client_token"].as_str().unwrap().to_owned()
}

struct World {
    bao: Bao,
    root: VaultClient,
    admin: String,
    wallet_key_hex: String,
    granter: String,
}

async fn world() -> World {
    let bao = Bao::start();
    let settings = bao.settings();
    bootstrap(&settings, &BootstrapOptions::default())
        .await
        .unwrap();
    let root = VaultClient::new(
        &bao.address,
        None,
        Some(SecretString::from(ROOT_TOKEN.to_owned())),
    )
    .unwrap();
    let admin = policy_token(&root, "tradebot-key-admin").await;
    let key = PrivateKey::generate();
    let granter = key.address().to_bech32();
    devnet().fund(&granter, None);
    let wallet_key_hex = key.to_hex().as_str().to_owned();
    World {
        bao,
        root,
        admin,
        wallet_key_hex,
        granter,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn key_admin_grants_one_trade_only_key_per_market_and_the_chain_holds_them() {
    let w = world().await;
    let (bao, admin) = (&w.bao, w.admin.as_str());
    let (ok, _, err) = tradebot(
        bao,
        admin,
        &[
            "keys",
            "import",
            "--wallet",
            "desk",
            "--new",
            "--mode",
            "live",
            "--network",
            "devnet",
            "--markets",
            "INJ/USDT,TIA/USDT,INJ/USDT-PERP,DOGE/USDT",
        ],
        Some(&w.wallet_key_hex),
    );
    assert!(ok, "{err}");
    assert!(
        err.contains("not written"),
        "a key admin writes no policy: {err}"
    );

    let mut times = Vec::new();
    for market in ["INJ/USDT", "TIA/USDT"] {
        let started = Instant::now();
        let (ok, out, err) = tradebot(
            bao,
            admin,
            &[
                "keys",
                "grant",
                "--wallet",
                "desk",
                "--market",
                market,
                "--expires-in-days",
                "7",
            ],
            None,
        );
        assert!(ok, "grant {market}: {err}");
        assert!(!out.contains(&w.wallet_key_hex) && !err.contains(&w.wallet_key_hex));
        eprintln!(
            "keys grant {market}: {} ms (CLI run) -- {}",
            started.elapsed().as_millis(),
            out.trim()
        );
        times.push(started.elapsed().as_millis());
    }
    chain_holds_the_grants(&w).await;
    listed_with_expiry(&w);
    bootstrap_writes_bot_key_policies(&w).await;
    refusals(&w).await;
    offline_then_stdin(&w).await;
    rotate_and_revoke(&w).await;
    eprintln!("grant tx (CLI run, incl. Vault and block wait) ms: {times:?}");
}

/// Both grants are on chain (plain LCD), each naming its one market, with a fee allowance,
/// and the bot keys hold no INJ.
async fn chain_holds_the_grants(w: &World) {
    let wallet = WalletId::parse("desk").unwrap();
    let d = devnet();
    for (market, id) in [
        ("INJ/USDT", &d.market_inj_usdt),
        ("TIA/USDT", &d.market_tia_usdt),
    ] {
        let m = MarketId::parse(market).unwrap();
        let info = bot_keys::info(&w.root, "wallets", &wallet, &m)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(info.granter, w.granter);
        assert_eq!(&info.market_id, id);
        assert_eq!(info.network, "devnet");
        let grants = chain_grants(&w.granter, &info.address).await;
        assert_eq!(grants.len(), 1, "{grants:?}");
        let a = &grants[0]["authorization"];
        assert_eq!(a["@type"], "/injective.exchange.v2.BatchUpdateOrdersAuthz");
        assert_eq!(a["spot_markets"], json!([id]), "exactly that one market");
        assert!(a["derivative_markets"]
            .as_array()
            .is_none_or(|v| v.is_empty()));
        assert_eq!(grants[0]["expiration"].as_str().unwrap(), info.grant_expiry);
        let allowance = lcd(&format!(
            "/cosmos/feegrant/v1beta1/allowance/{}/{}",
            w.granter, info.address
        ))
        .await;
        assert_eq!(
            allowance["allowance"]["allowance"]["@type"],
            "/cosmos.feegrant.v1beta1.AllowedMsgAllowance"
        );
        assert_eq!(
            inj_balance(&info.address).await,
            0,
            "the bot key holds no INJ"
        );
    }
}

/// `keys list` shows the live wallet and its bot keys with the expiry read from the chain.
fn listed_with_expiry(w: &World) {
    let (bao, admin) = (&w.bao, w.admin.as_str());
    let (ok, out, err) = tradebot(bao, admin, &["keys", "list"], None);
    assert!(ok, "{err}");
    eprintln!("keys list:\n{out}");
    assert!(!has_hex64(&out), "nothing that reads like key material");
    let desk = out.lines().find(|l| l.starts_with("desk ")).unwrap();
    assert!(desk.contains("live") && desk.contains("devnet"), "{desk}");
    for market in ["INJ/USDT", "TIA/USDT"] {
        let line = out
            .lines()
            .find(|l| l.contains(&format!("bot {market} ")))
            .unwrap();
        assert!(line.contains("grant until 20"), "{line}");
    }
}

/// The Vault administrator's bootstrap writes one policy per bot key and none for the wallet;
/// a token with `bot-desk.inj-usdt` reads that bot key and not the wallet's key.
async fn bootstrap_writes_bot_key_policies(w: &World) {
    let bao = &w.bao;
    // The Vault administrator's bootstrap writes one policy per bot key, none for the wallet.
    let report = bootstrap(&bao.settings(), &BootstrapOptions::default())
        .await
        .unwrap();
    assert!(
        report
            .changes
            .iter()
            .any(|c| c == "policy bot-desk.inj-usdt"),
        "{report}"
    );
    assert!(
        report
            .changes
            .iter()
            .any(|c| c == "policy bot-desk.tia-usdt"),
        "{report}"
    );
    assert!(w
        .root
        .read("sys/policies/acl/bot-desk")
        .await
        .unwrap()
        .is_none());

    let token = policy_token(&w.root, "bot-desk.inj-usdt").await;
    let bot = w.root.with_token(SecretString::from(token)).unwrap();
    assert!(bot
        .read("wallets/data/desk/bots/inj-usdt")
        .await
        .unwrap()
        .is_some());
    let denied = bot.read("wallets/data/desk").await.unwrap_err().to_string();
    assert!(denied.contains("403"), "{denied}");
}

/// Every refusal: one line, non-zero, nothing written, no key in it.
async fn refusals(w: &World) {
    let (bao, admin, secret) = (&w.bao, w.admin.as_str(), w.wallet_key_hex.as_str());
    let grant = |wallet: &str, market: &str| -> Vec<String> {
        ["keys", "grant", "--wallet", wallet, "--market", market]
            .map(str::to_owned)
            .to_vec()
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        tradebot(bao, admin, &args, None)
    };
    refused(
        run(grant("desk", "INJ/USDT")),
        "already has a granted bot key",
        secret,
    );
    refused(
        run(grant("desk", "ATOM/USDT")),
        "not among wallet desk's allowed markets",
        secret,
    );
    let other = PrivateKey::generate().to_hex().as_str().to_owned();
    let mut args = grant("desk", "INJ/USDT-PERP");
    args.push("--granter-key-stdin".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(
        tradebot(bao, admin, &args, Some(&other)),
        "the key given is not wallet desk's",
        &other,
    );
    refused(
        run(grant("desk", "DOGE/USDT")),
        "not listed on network devnet",
        secret,
    );
    refused(
        run(grant("nobody", "INJ/USDT")),
        "wallet nobody does not exist",
        secret,
    );
    let (ok, _, err) = tradebot(
        bao,
        admin,
        &[
            "keys",
            "generate",
            "--wallet",
            "paperw",
            "--markets",
            "INJ/USDT",
        ],
        None,
    );
    assert!(ok, "{err}");
    refused(run(grant("paperw", "INJ/USDT")), "paper wallet", secret);
    refused(
        tradebot(
            bao,
            admin,
            &[
                "keys",
                "generate",
                "--wallet",
                "x1",
                "--mode",
                "live",
                "--network",
                "nowhere",
            ],
            None,
        ),
        "network \"nowhere\" is not configured",
        secret,
    );
    refused(
        tradebot(
            bao,
            admin,
            &["keys", "generate", "--wallet", "x2", "--mode", "live"],
            None,
        ),
        "a live wallet needs --network",
        secret,
    );
    // A live wallet whose key is gone (metadata only).
    w.root
        .write(
            "wallets/metadata/keyless",
            &json!({"custom_metadata": {"mode": "live", "network": "devnet", "address": "0x00000000000000000000000000000000000000aa", "allowed_markets": "INJ/USDT", "label": "k"}}),
        )
        .await
        .unwrap();
    refused(
        run(grant("keyless", "INJ/USDT")),
        "wallet keyless has no key in Vault",
        secret,
    );
    let keyless = WalletId::parse("keyless").unwrap();
    let m = MarketId::parse("INJ/USDT").unwrap();
    assert!(
        bot_keys::state(&w.root, "wallets", &keyless, &m)
            .await
            .unwrap()
            .is_none(),
        "nothing written"
    );
    let paperw = WalletId::parse("paperw").unwrap();
    assert!(
        bot_keys::state(&w.root, "wallets", &paperw, &m)
            .await
            .unwrap()
            .is_none(),
        "nothing written"
    );
}

/// `--unsigned` prints the tx for an offline signer and leaves the bot key pending (nothing on
/// chain, nothing the dashboard sees); the same grant signed with the wallet key from stdin
/// then grants that same key, on the derivative market.
async fn offline_then_stdin(w: &World) {
    let (bao, admin) = (&w.bao, w.admin.as_str());
    let d = devnet();
    let args = [
        "keys",
        "grant",
        "--wallet",
        "desk",
        "--market",
        "INJ/USDT-PERP",
    ];
    let (ok, out, err) = tradebot(bao, admin, &[&args[..], &["--unsigned"]].concat(), None);
    assert!(ok, "{err}");
    let printed: Value = serde_json::from_str(&out).unwrap();
    let summary = &printed["summary"];
    assert_eq!(
        summary["derivative_markets"],
        json!([d.market_inj_usdt_perp])
    );
    assert_eq!(summary["spot_markets"], json!([]));
    let pending = summary["grantee"].as_str().unwrap().to_owned();
    assert!(
        chain_grants(&w.granter, &pending).await.is_empty(),
        "nothing broadcast"
    );
    let wallet = WalletId::parse("desk").unwrap();
    let perp = MarketId::parse("INJ/USDT-PERP").unwrap();
    let state = bot_keys::state(&w.root, "wallets", &wallet, &perp)
        .await
        .unwrap()
        .unwrap();
    assert!(state.recorded.is_none(), "pending: no grant recorded");
    let signed = [&args[..], &["--granter-key-stdin"]].concat();
    let (ok, out, err) = tradebot(bao, admin, &signed, Some(&w.wallet_key_hex));
    assert!(ok, "{err}");
    eprintln!("keys grant INJ/USDT-PERP (stdin): {}", out.trim());
    let info = bot_keys::info(&w.root, "wallets", &wallet, &perp)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (info.address.as_str(), info.current_version),
        (pending.as_str(), 1)
    );
    let grants = chain_grants(&w.granter, &pending).await;
    assert_eq!(
        grants[0]["authorization"]["derivative_markets"],
        json!([d.market_inj_usdt_perp])
    );
}

/// `--rotate` grants a new address; `revoke-grant` removes a grant on chain and `list` says so.
async fn rotate_and_revoke(w: &World) {
    let (bao, admin) = (&w.bao, w.admin.as_str());
    let wallet = WalletId::parse("desk").unwrap();
    let inj = MarketId::parse("INJ/USDT").unwrap();
    let old = bot_keys::info(&w.root, "wallets", &wallet, &inj)
        .await
        .unwrap()
        .unwrap();
    let (ok, out, err) = tradebot(
        bao,
        admin,
        &[
            "keys", "grant", "--wallet", "desk", "--market", "INJ/USDT", "--rotate",
        ],
        None,
    );
    assert!(ok, "{err}");
    let new = bot_keys::info(&w.root, "wallets", &wallet, &inj)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(new.address, old.address, "{out}");
    assert_eq!(new.current_version, 2);
    assert_eq!(chain_grants(&w.granter, &new.address).await.len(), 1);
    assert_eq!(
        chain_grants(&w.granter, &old.address).await.len(),
        1,
        "old grant kept until restart"
    );
    let (ok, _, err) = tradebot(
        bao,
        admin,
        &[
            "keys",
            "revoke-grant",
            "--wallet",
            "desk",
            "--market",
            "INJ/USDT",
            "--grantee",
            &old.address,
        ],
        None,
    );
    assert!(ok, "{err}");
    assert!(chain_grants(&w.granter, &old.address).await.is_empty());
    assert_eq!(
        chain_grants(&w.granter, &new.address).await.len(),
        1,
        "the new one untouched"
    );

    let tia = MarketId::parse("TIA/USDT").unwrap();
    let tia_key = bot_keys::info(&w.root, "wallets", &wallet, &tia)
        .await
        .unwrap()
        .unwrap();
    let (ok, out, err) = tradebot(
        bao,
        admin,
        &[
            "keys",
            "revoke-grant",
            "--wallet",
            "desk",
            "--market",
            "TIA/USDT",
        ],
        None,
    );
    assert!(ok, "{err}");
    eprintln!("revoke: {}", out.trim());
    assert!(
        chain_grants(&w.granter, &tia_key.address).await.is_empty(),
        "revoked on chain"
    );
    let (ok, out, _) = tradebot(bao, admin, &["keys", "list"], None);
    assert!(ok);
    let line = out.lines().find(|l| l.contains("bot TIA/USDT ")).unwrap();
    assert!(line.ends_with("grant missing"), "{line}");
    let recorded = bot_keys::state(&w.root, "wallets", &wallet, &tia)
        .await
        .unwrap()
        .unwrap();
    assert!(recorded.revoked_at.is_some());
    // Unsigned: the tx for an offline signer, nothing broadcast.
    let (ok, out, err) = tradebot(
        bao,
        admin,
        &[
            "keys",
            "revoke-grant",
            "--wallet",
            "desk",
            "--market",
            "INJ/USDT",
            "--unsigned",
        ],
        None,
    );
    assert!(ok, "{err}");
    let printed: Value = serde_json::from_str(&out).unwrap();
    assert!(printed["tx_body_bytes_hex"]
        .as_str()
        .is_some_and(|h| !h.is_empty()));
    assert_eq!(
        chain_grants(&w.granter, &new.address).await.len(),
        1,
        "nothing broadcast"
    );
}
