//! The whole secure introduction against a real OpenBao: the dashboard's broker issues a
//! wrapped token, the real `tradebot-bot` binary looks it up, unwraps it, reads its key,
//! revokes itself; plus tampering, CIDR binding, unreachable Vault, and a leak search.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness helpers live outside #[test] fns

#[path = "../../tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Bao;
use secrecy::ExposeSecret;
use tradebot::config::Settings;
use tradebot::domain::WalletId;
use tradebot::vault::{
    bootstrap, connect_dashboard, wallets, BootstrapOptions, SecretsBroker, TokenLimits,
    TokenRequest, VaultBroker, VaultClient,
};

struct Setup {
    bao: Bao,
    settings: Settings,
    broker: VaultBroker,
    _approle: tempfile::TempDir,
}

async fn setup(bots_subnet: &str) -> Setup {
    let bao = Bao::start();
    let mut settings = bao.settings();
    settings.vault.bots_subnet = bots_subnet.to_owned();
    let approle = tempfile::tempdir().unwrap();
    let opts = BootstrapOptions {
        approle_dir: Some(approle.path().to_owned()),
        demo_wallet: Some(WalletId::parse("alpha").unwrap()),
        ..BootstrapOptions::default()
    };
    bootstrap(&settings, &opts).await.unwrap();
    let mut dash = settings.vault.clone();
    dash.role_id_file = Some(approle.path().join("role_id"));
    dash.secret_id_file = Some(approle.path().join("secret_id"));
    let session = connect_dashboard(&dash).await.unwrap();
    let broker = VaultBroker::new(session, &settings.vault.kv_mount, TokenLimits::default());
    Setup {
        bao,
        settings,
        broker,
        _approle: approle,
    }
}

fn spec(address: &str, wallet: &str) -> String {
    serde_json::json!({
        "bot_id": "bot-1", "wallet_id": wallet, "market": "INJ/USDT", "bot_type": "market_maker",
        "status_interval_secs": 1,
        "vault": { "address": address, "wallet_id": wallet },
    })
    .to_string()
}

fn start_bot(spec: &str, token: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tradebot-bot"))
        .arg("run")
        .env_clear()
        .env("TRADEBOT_BOT_SPEC", spec)
        .env("TRADEBOT_WRAPPING_TOKEN", token)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs a bot that is expected to fail at start-up; returns (exit code, stdout, stderr).
fn run_to_exit(spec: &str, token: &str) -> (i32, String, String) {
    let out = start_bot(spec, token).wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

async fn issue(broker: &VaultBroker, wallet: &str) -> tradebot::vault::IssuedToken {
    let wallet = WalletId::parse(wallet).unwrap();
    broker
        .issue_bot_token(&TokenRequest {
            bot_id: "bot-1",
            wallet: &wallet,
            market_key: None,
            operator: "alice",
            launch_id: "l-1",
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn full_flow_then_token_is_dead_and_key_never_leaks() {
    let s = setup("127.0.0.1/32").await;
    let issued = issue(&s.broker, "alpha").await;
    assert!(s
        .broker
        .accessor_alive(&issued.wrapped_accessor)
        .await
        .unwrap());

    let mut bot = start_bot(
        &spec(&s.bao.address, "alpha"),
        issued.wrapping_token.expose_secret(),
    );
    let mut stdout = BufReader::new(bot.stdout.take().unwrap());
    let mut events = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !events.contains("\"event\":\"ready\"") {
        assert!(Instant::now() < deadline, "no ready event: {events}");
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            let err = std::io::read_to_string(bot.stderr.take().unwrap()).unwrap();
            panic!("bot exited before ready: {events} {err}");
        }
        events.push_str(&line);
    }
    // After ready the bot revoked its own token: the accessor is gone.
    assert!(
        !s.broker
            .accessor_alive(&issued.wrapped_accessor)
            .await
            .unwrap(),
        "bot token still alive after start-up"
    );
    // Revoking again is idempotent.
    s.broker.revoke(&issued.wrapped_accessor).await.unwrap();
    // Issue 15, item 8: seconds after start-up no hex copy of the key is left anywhere in the
    // bot's memory (the Vault answer's buffers are wiped; the key itself is kept as bytes).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let admin = VaultClient::new(&s.bao.address, None, s.settings.vault.token.clone()).unwrap();
    let key = wallets::read_key(&admin, "wallets", &WalletId::parse("alpha").unwrap(), None)
        .await
        .unwrap()
        .unwrap();
    match hex_copies_in_memory(bot.id(), key.to_hex().as_str()) {
        Some(n) => assert_eq!(n, 0, "hex copies of the key in the bot's memory"),
        None => eprintln!(
            "memory scan skipped: /proc/{}/mem is not readable here (not root)",
            bot.id()
        ),
    }

    Command::new("kill")
        .args(["-TERM", &bot.id().to_string()])
        .status()
        .unwrap();
    let status = bot.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    events.push_str(&rest);
    let stderr = std::io::read_to_string(bot.stderr.take().unwrap()).unwrap();
    assert!(status.success(), "exit {status:?}: {stderr}");
    assert!(
        events
            .lines()
            .last()
            .unwrap()
            .contains("\"event\":\"stopped\""),
        "{events}"
    );

    // The key never appears in anything we captured, in any encoding.
    let admin = VaultClient::new(&s.bao.address, None, s.settings.vault.token.clone()).unwrap();
    let key = wallets::read_key(&admin, "wallets", &WalletId::parse("alpha").unwrap(), None)
        .await
        .unwrap()
        .unwrap();
    let hex_key = key.to_hex();
    let haystacks = [
        events.as_str(),
        stderr.as_str(),
        &s.bao.audit_log(),
        &s.bao.server_log(),
    ];
    for (i, text) in haystacks.iter().enumerate() {
        assert!(
            !text.to_lowercase().contains(hex_key.as_str()),
            "key hex found in output #{i}"
        );
    }
    let raw = hex::decode(hex_key.as_str()).unwrap();
    for text in haystacks {
        assert!(
            !text
                .as_bytes()
                .windows(raw.len())
                .any(|w| w == raw.as_slice()),
            "raw key bytes found"
        );
    }
    assert!(
        !stderr.contains(issued.wrapping_token.expose_secret()),
        "wrapping token in the bot's logs"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_unwrapped_by_someone_else_first_means_tampering() {
    let s = setup("127.0.0.1/32").await;
    let issued = issue(&s.broker, "alpha").await;
    // The attacker unwraps first.
    let attacker =
        VaultClient::new(&s.bao.address, None, Some(issued.wrapping_token.clone())).unwrap();
    attacker
        .write("sys/wrapping/unwrap", &serde_json::json!({}))
        .await
        .unwrap();

    let (code, out, err) = run_to_exit(
        &spec(&s.bao.address, "alpha"),
        issued.wrapping_token.expose_secret(),
    );
    assert_eq!(code, 10, "{out}{err}");
    assert!(err.contains("tampering suspected"), "{err}");
    assert!(out.contains("\"class\":\"tampering_suspected\""), "{out}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrapped_token_from_another_path_means_tampering() {
    let s = setup("127.0.0.1/32").await;
    // A genuine wrapping token, but of a plain token create (not through role bot).
    let admin = VaultClient::new(&s.bao.address, None, s.settings.vault.token.clone()).unwrap();
    let wrapped = admin
        .write_wrapped(
            "auth/token/create",
            &serde_json::json!({"policies": ["bot-alpha"]}),
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    let token = wrapped["wrap_info"]["token"].as_str().unwrap();
    let (code, _, err) = run_to_exit(&spec(&s.bao.address, "alpha"), token);
    assert_eq!(code, 10, "{err}");
    assert!(err.contains("auth/token/create"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bot_token_used_outside_its_bound_cidr_is_refused() {
    // Tokens bound to a subnet that excludes this test client (127.0.0.1).
    let s = setup("10.99.0.0/24").await;
    let issued = issue(&s.broker, "alpha").await;
    let (code, out, err) = run_to_exit(
        &spec(&s.bao.address, "alpha"),
        issued.wrapping_token.expose_secret(),
    );
    assert_eq!(code, 12, "{out}{err}");
    assert!(err.contains("access denied"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_vault_and_missing_token_exit_with_their_codes() {
    let (code, _, err) = run_to_exit(&spec("http://127.0.0.1:9", "alpha"), "s.whatever");
    assert_eq!(code, 11, "{err}");
    assert!(err.contains("Vault unreachable"), "{err}");
    let (code, _, err) = run_to_exit(&spec("http://127.0.0.1:9", "alpha"), "");
    assert_eq!(code, 14, "{err}");
    let (code, _, err) = run_to_exit("{\"bot_id\":1}", "x");
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1);
}

/// How many times `hex` (either case) occurs in the readable memory of process `pid`;
/// `None` when its memory cannot be read (the bot is not dumpable: only root reads it).
fn hex_copies_in_memory(pid: u32, hex: &str) -> Option<usize> {
    use std::io::{Read, Seek, SeekFrom};
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).ok()?;
    let mut mem = std::fs::File::open(format!("/proc/{pid}/mem")).ok()?;
    let mut found = 0;
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        let Some((from, to)) = range.split_once('-') else {
            continue;
        };
        let (Ok(from), Ok(to)) = (u64::from_str_radix(from, 16), u64::from_str_radix(to, 16))
        else {
            continue;
        };
        if !perms.starts_with('r') || line.contains("[vvar]") {
            continue;
        }
        let mut buf = vec![0u8; usize::try_from(to - from).ok()?];
        if mem.seek(SeekFrom::Start(from)).is_err() || mem.read_exact(&mut buf).is_err() {
            continue;
        }
        found += buf
            .windows(hex.len())
            .filter(|w| w.eq_ignore_ascii_case(hex.as_bytes()))
            .count();
    }
    Some(found)
}
