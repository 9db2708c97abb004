//! Bootstrap and the key lifecycle CLI against a real OpenBao dev server.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness helpers live outside #[test] fns

mod common;

use common::Bao;
use tradebot::vault::{bootstrap, BootstrapOptions};

use std::process::{Command, Stdio};

const ROOT_TOKEN: &str = common::ROOT_TOKEN;

/// Runs the `tradebot` binary with env pointing at `bao`; returns (success, stdout, stderr).
fn cli(bao: &Bao, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tradebot"))
        .args(args)
        .env_clear()
        .env("TRADEBOT_VAULT__ADDRESS", &bao.address)
        .env("TRADEBOT_VAULT__DANGEROUS_ALLOW_PLAIN_HTTP", "true")
        .env("TRADEBOT_VAULT__BOTS_SUBNET", "127.0.0.1/32")
        .env("VAULT_TOKEN", ROOT_TOKEN)
        .env("TRADEBOT_LOG__FILTER", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        // The CLI may refuse (bad wallet id, unknown wallet) and exit before reading stdin:
        // a broken pipe then is the CLI's answer, not a test failure.
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

#[tokio::test(flavor = "multi_thread")]
async fn bootstrap_is_idempotent_and_writes_dashboard_credentials() {
    let bao = Bao::start();
    let settings = bao.settings();
    let approle = tempfile::tempdir().unwrap();
    let opts = BootstrapOptions {
        approle_dir: Some(approle.path().to_owned()),
        demo_wallet: Some("demo".parse().unwrap()),
        ..BootstrapOptions::default()
    };
    let first = bootstrap(&settings, &opts).await.unwrap();
    assert!(
        first.changes.iter().any(|c| c.contains("token role bot ")),
        "{first}"
    );
    assert!(
        first
            .changes
            .iter()
            .any(|c| c.starts_with("demo wallet demo")),
        "{first}"
    );
    assert!(
        first.changes.iter().any(|c| c == "mount alerts/: KV v2"),
        "the mount of alert webhook URLs: {first}"
    );
    let secret_id = std::fs::read_to_string(approle.path().join("secret_id")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(approle.path().join("secret_id"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);

    let second = bootstrap(&settings, &opts).await.unwrap();
    assert!(second.changes.is_empty(), "second run changed: {second}");
    assert_eq!(
        std::fs::read_to_string(approle.path().join("secret_id")).unwrap(),
        secret_id
    );

    // A rotation over a secret_id file left loose (by hand, or by an older version) tightens it.
    let secret_id_file = approle.path().join("secret_id");
    std::fs::set_permissions(&secret_id_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let rotate = BootstrapOptions {
        rotate_secret_id: true,
        ..opts.clone()
    };
    bootstrap(&settings, &rotate).await.unwrap();
    let mode = std::fs::metadata(&secret_id_file)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "a rotated secret_id kept a loose mode");
    assert_ne!(std::fs::read_to_string(&secret_id_file).unwrap(), secret_id);

    // The credentials written are the dashboard's: AppRole login works with them.
    let mut dash = settings.clone();
    dash.vault.role_id_file = Some(approle.path().join("role_id"));
    dash.vault.secret_id_file = Some(approle.path().join("secret_id"));
    tradebot::vault::connect_dashboard(&dash.vault)
        .await
        .unwrap();
    old_secret_ids_are_destroyed(&bao, &settings, &opts, approle.path()).await;
    let mut dash = settings.clone();
    dash.vault.role_id_file = Some(approle.path().join("role_id"));
    dash.vault.secret_id_file = Some(approle.path().join("secret_id"));
    tradebot::vault::connect_dashboard(&dash.vault)
        .await
        .unwrap();
    assert!(
        !bao.audit_log().is_empty(),
        "the audit device records requests"
    );
}

#[test]
fn keys_cli_lifecycle_and_bad_input() {
    let bao = Bao::start();
    let (ok, out, err) = cli(&bao, &["vault", "bootstrap"], None);
    assert!(ok, "{out}{err}");

    // generate: only the address is printed.
    let (ok, out, err) = cli(
        &bao,
        &[
            "keys",
            "generate",
            "--wallet",
            "desk-1",
            "--markets",
            "INJ/USDT,TIA/USDT",
        ],
        None,
    );
    assert!(ok, "{err}");
    assert!(out.contains("address 0x"), "{out}");
    assert_eq!(out.lines().count(), 1);

    // import: from stdin, validated, into a new wallet.
    let key = "5d386fbdbf11f1141010f81a46b40f94887367562bd33b452bbaa6ce1cd1381e";
    let (ok, out, err) = cli(
        &bao,
        &["keys", "import", "--wallet", "desk-2", "--new"],
        Some(key),
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("0xAF79152AC5dF276D9A8e1E2E22822f9713474902"),
        "{out}"
    );
    assert!(!out.contains(key) && !err.contains(key));

    let before = cli(&bao, &["keys", "list"], None).1;
    assert!(
        before.contains("desk-1") && before.contains("desk-2"),
        "{before}"
    );
    assert!(before.contains("INJ/USDT,TIA/USDT"));
    assert!(!before.contains(key));

    // Bad input: clear refusal, one line, Vault unchanged.
    for (args, stdin, expect) in [
        (
            vec!["keys", "import", "--wallet", "desk-3", "--new"],
            Some("not-a-key"),
            "64 hexadecimal",
        ),
        (
            vec!["keys", "import", "--wallet", "desk-3", "--new"],
            Some(&"0".repeat(64)[..]),
            "not a valid secp256k1",
        ),
        (
            vec!["keys", "import", "--wallet", "nobody"],
            Some(key),
            "does not exist",
        ),
        (
            vec!["keys", "import", "--wallet", "../x", "--new"],
            Some(key),
            "invalid wallet id",
        ),
        (
            vec!["keys", "import", "--wallet", "a/b", "--new"],
            Some(key),
            "invalid wallet id",
        ),
        (
            vec!["keys", "import", "--wallet", "a b", "--new"],
            Some(key),
            "invalid wallet id",
        ),
        (
            vec!["keys", "generate", "--wallet", "desk-1"],
            None,
            "already exists",
        ),
        (
            vec!["keys", "generate", "--wallet", "x", "--markets", "inj/usdt"],
            None,
            "invalid market",
        ),
        (
            vec![
                "keys",
                "destroy-version",
                "--wallet",
                "desk-1",
                "--version",
                "1",
            ],
            None,
            "current key",
        ),
        (
            vec![
                "keys",
                "rollback",
                "--wallet",
                "desk-1",
                "--to-version",
                "7",
            ],
            None,
            "version 7",
        ),
    ] {
        let (ok, out, err) = cli(&bao, &args, stdin);
        assert!(!ok, "{args:?} succeeded: {out}");
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(!err.contains(key), "the key leaked into an error");
    }
    assert_eq!(
        cli(&bao, &["keys", "list"], None).1,
        before,
        "a refused command changed Vault"
    );

    // rotate -> rollback -> destroy the rotated-away version.
    let (ok, out, _) = cli(&bao, &["keys", "rotate", "--wallet", "desk-2"], None);
    assert!(ok && out.contains("version 2"), "{out}");
    let (ok, out, _) = cli(
        &bao,
        &[
            "keys",
            "rollback",
            "--wallet",
            "desk-2",
            "--to-version",
            "1",
        ],
        None,
    );
    assert!(
        ok && out.contains("0xAF79152AC5dF276D9A8e1E2E22822f9713474902")
            && out.contains("version 3"),
        "{out}"
    );
    let (ok, out, err) = cli(
        &bao,
        &[
            "keys",
            "destroy-version",
            "--wallet",
            "desk-2",
            "--version",
            "2",
        ],
        None,
    );
    assert!(ok, "{out}{err}");
    let (ok, _, err) = cli(
        &bao,
        &[
            "keys",
            "rollback",
            "--wallet",
            "desk-2",
            "--to-version",
            "2",
        ],
        None,
    );
    assert!(!ok && err.contains("destroyed"), "{err}");
    assert!(
        !bao.audit_log().contains(key),
        "the audit log holds the key in clear"
    );
}

/// BIP-39's first test phrase; at m/44'/60'/0'/0/0 it is the account
/// 0x9858EfFD232B4033E47d90003D41EC34EcaEda94 (injective-ts PrivateKey.spec.ts, kept in
/// bot/injective/tests/fixtures/vectors.json; the same address in many Ethereum wallet tests).
const ABANDON: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

#[test]
fn keys_cli_imports_a_mnemonic_and_refuses_bad_ones_without_writing() {
    let bao = Bao::start();
    let (ok, out, err) = cli(&bao, &["vault", "bootstrap"], None);
    assert!(ok, "{out}{err}");

    let import = [
        "keys",
        "import",
        "--wallet",
        "desk-m",
        "--new",
        "--mnemonic",
    ];
    let (ok, out, err) = cli(&bao, &import, Some(&format!("{ABANDON}\n")));
    assert!(ok, "{err}");
    assert!(
        out.contains("version 1, address 0x9858EfFD232B4033E47d90003D41EC34EcaEda94"),
        "{out}"
    );
    assert!(!out.contains("abandon") && !err.contains("abandon"));
    let before = cli(&bao, &["keys", "list"], None).1;
    assert!(before.contains("0x9858EfFD232B4033E47d90003D41EC34EcaEda94"));

    let words: Vec<&str> = ABANDON.split(' ').collect();
    let mut typo = words.clone();
    typo[6] = "abandom";
    let hex = "5d386fbdbf11f1141010f81a46b40f94887367562bd33b452bbaa6ce1cd1381e";
    let new_wallet = [
        "keys",
        "import",
        "--wallet",
        "desk-n",
        "--new",
        "--mnemonic",
    ];
    let next_version = ["keys", "import", "--wallet", "desk-m", "--mnemonic"];
    for (args, stdin, expect) in [
        (&new_wallet[..], words[..11].join(" "), "has 11"),
        (&new_wallet, typo.join(" "), "word 7"),
        (&new_wallet, ["abandon"; 12].join(" "), "checksum"),
        (&new_wallet, String::new(), "has 0"),
        (&new_wallet, hex.to_owned(), "has 1"),
        (&next_version[..], typo.join(" "), "word 7"),
    ] {
        let (ok, out, err) = cli(&bao, args, Some(&stdin));
        assert!(!ok, "{args:?} succeeded: {out}");
        assert!(err.contains(expect), "{args:?}: {err}");
        // One error line (vaultrs' own log lines about the 404 of a new wallet aside).
        let reasons = err.lines().filter(|l| l.starts_with("tradebot: ")).count();
        assert_eq!(reasons, 1, "{err}");
        assert!(!err.contains("abando") && !err.contains(hex), "{err}");
    }
    // A mnemonic without --mnemonic is not a hex key either.
    let (ok, _, err) = cli(
        &bao,
        &["keys", "import", "--wallet", "desk-n", "--new"],
        Some(ABANDON),
    );
    assert!(!ok && err.contains("64 hexadecimal") && !err.contains("abandon"));
    assert_eq!(
        cli(&bao, &["keys", "list"], None).1,
        before,
        "a refused import changed Vault"
    );
    assert!(!bao.audit_log().contains("abandon"));
}

/// The dashboard's session survives its token's TTL and max TTL: renewed, then re-logged-in.
/// A second session without keep-alive, opened at the same moment, is dead by then (so the
/// check can fail).
#[tokio::test(flavor = "multi_thread")]
async fn dashboard_session_renews_and_logs_in_again_past_max_ttl() {
    let bao = Bao::start();
    let settings = bao.settings();
    let approle = tempfile::tempdir().unwrap();
    let opts = BootstrapOptions {
        approle_dir: Some(approle.path().to_owned()),
        ..BootstrapOptions::default()
    };
    tradebot::vault::bootstrap(&settings, &opts).await.unwrap();
    // Short lifetimes for the test: 4 s tokens, 10 s max.
    let root = tradebot::vault::VaultClient::new(&bao.address, None, settings.vault.token.clone())
        .unwrap();
    root.write(
        "auth/approle/role/dashboard",
        &serde_json::json!({ "token_ttl": 4, "token_max_ttl": 10 }),
    )
    .await
    .unwrap();
    let mut dash = settings.vault.clone();
    dash.role_id_file = Some(approle.path().join("role_id"));
    dash.secret_id_file = Some(approle.path().join("secret_id"));
    let kept = tradebot::vault::connect_dashboard(&dash).await.unwrap();
    let idle = tradebot::vault::connect_dashboard(&dash).await.unwrap();
    assert_eq!(kept.lease().as_secs(), 4);
    let task = kept.keep_alive();
    tokio::time::sleep(std::time::Duration::from_secs(14)).await;
    let alive = kept.client().list("wallets/metadata").await;
    let dead = idle.client().list("wallets/metadata").await;
    task.abort();
    assert!(alive.is_ok(), "kept-alive session failed: {alive:?}");
    assert!(
        dead.is_err(),
        "a session without keep-alive should have expired by now"
    );
}

/// AppRole login with a secret id from a file; the HTTP status.
async fn approle_login(bao: &Bao, dir: &std::path::Path, secret_id: &str) -> u16 {
    let role_id = std::fs::read_to_string(dir.join("role_id")).unwrap();
    reqwest::Client::new()
        .post(format!("{}/v1/auth/approle/login", bao.address))
        .json(&serde_json::json!({ "role_id": role_id.trim(), "secret_id": secret_id.trim() }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Issue 15: after `--rotate-secret-id` the old secret id logs in no more, and neither does a
/// secret id minted behind bootstrap's back; a secret id lives 30 days, not forever, and one
/// that never expires is replaced on the next run.
async fn old_secret_ids_are_destroyed(
    bao: &Bao,
    settings: &tradebot::config::Settings,
    opts: &BootstrapOptions,
    dir: &std::path::Path,
) {
    let root = tradebot::vault::VaultClient::new(&bao.address, None, settings.vault.token.clone())
        .unwrap();
    let before = std::fs::read_to_string(dir.join("secret_id")).unwrap();
    assert_eq!(approle_login(bao, dir, &before).await, 200);
    let stray = root
        .write(
            "auth/approle/role/dashboard/secret-id",
            &serde_json::json!({}),
        )
        .await
        .unwrap()
        .unwrap();
    let stray = stray["data"]["secret_id"].as_str().unwrap().to_owned();
    assert_eq!(approle_login(bao, dir, &stray).await, 200);
    let rotate = BootstrapOptions {
        rotate_secret_id: true,
        ..opts.clone()
    };
    let report = bootstrap(settings, &rotate).await.unwrap();
    assert!(
        report
            .changes
            .iter()
            .any(|c| c.contains("destroyed 2 other")),
        "{report}"
    );
    let after = std::fs::read_to_string(dir.join("secret_id")).unwrap();
    assert_ne!(after, before);
    assert_eq!(approle_login(bao, dir, &after).await, 200);
    for old in [&before, &stray] {
        let status = approle_login(bao, dir, old).await;
        assert!(
            status == 400 || status == 403,
            "an old secret id still logs in: {status}"
        );
    }
    let role = root
        .read("auth/approle/role/dashboard")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        role["data"]["secret_id_ttl"].as_u64(),
        Some(tradebot::vault::SECRET_ID_TTL_SECS)
    );
    // A stray secret id is destroyed by the next run, even without a rotation.
    let stray = root
        .write(
            "auth/approle/role/dashboard/secret-id",
            &serde_json::json!({}),
        )
        .await
        .unwrap()
        .unwrap();
    let stray = stray["data"]["secret_id"].as_str().unwrap().to_owned();
    let report = bootstrap(settings, opts).await.unwrap();
    assert!(
        report
            .changes
            .iter()
            .any(|c| c.contains("destroyed 1 other")),
        "{report}"
    );
    assert_ne!(approle_login(bao, dir, &stray).await, 200);
    assert_eq!(
        std::fs::read_to_string(dir.join("secret_id")).unwrap(),
        after
    );
    // A secret id on disk that never expires (an older bootstrap's role had secret_id_ttl 0)
    // is replaced by a finite one.
    root.write(
        "auth/approle/role/dashboard",
        &serde_json::json!({ "secret_id_ttl": 0 }),
    )
    .await
    .unwrap();
    let forever = root
        .write(
            "auth/approle/role/dashboard/secret-id",
            &serde_json::json!({}),
        )
        .await
        .unwrap()
        .unwrap();
    let forever = forever["data"]["secret_id"].as_str().unwrap().to_owned();
    std::fs::write(dir.join("secret_id"), format!("{forever}\n")).unwrap();
    let report = bootstrap(settings, opts).await.unwrap();
    assert!(
        report
            .changes
            .iter()
            .any(|c| c.contains("past half its life")),
        "{report}"
    );
    assert_ne!(approle_login(bao, dir, &forever).await, 200);
    let quiet = bootstrap(settings, opts).await.unwrap();
    assert!(quiet.changes.is_empty(), "{quiet}");
}

/// Issue 15: the KV mount keeps every version (the 11th write no longer purges version 1), and
/// a mount left at `max_versions` 10 by an older bootstrap is corrected.
#[tokio::test(flavor = "multi_thread")]
async fn twelve_rotations_keep_version_one_readable() {
    let bao = Bao::start();
    let (ok, out, err) = cli(&bao, &["vault", "bootstrap"], None);
    assert!(ok, "{out}{err}");
    let root = tradebot::vault::VaultClient::new(
        &bao.address,
        None,
        Some(secrecy::SecretString::from(ROOT_TOKEN.to_owned())),
    )
    .unwrap();
    let config = root.read("wallets/config").await.unwrap().unwrap();
    assert_eq!(
        config["data"]["max_versions"].as_u64(),
        Some(tradebot::vault::versions::KEPT_VERSIONS),
        "{config}"
    );
    root.write(
        "wallets/config",
        &serde_json::json!({ "max_versions": 10, "cas_required": true }),
    )
    .await
    .unwrap();
    let (ok, out, err) = cli(&bao, &["vault", "bootstrap"], None);
    assert!(ok && out.contains("every version kept"), "{out}{err}");

    let (ok, out, err) = cli(&bao, &["keys", "generate", "--wallet", "desk-r"], None);
    assert!(ok, "{out}{err}");
    let wallet = tradebot::domain::WalletId::parse("desk-r").unwrap();
    let first = tradebot::vault::wallets::read_key(&root, "wallets", &wallet, Some(1))
        .await
        .unwrap()
        .unwrap();
    for n in 2..=13 {
        let (ok, out, err) = cli(&bao, &["keys", "rotate", "--wallet", "desk-r"], None);
        assert!(ok && out.contains(&format!("version {n}")), "{out}{err}");
    }
    let again = tradebot::vault::wallets::read_key(&root, "wallets", &wallet, Some(1))
        .await
        .unwrap()
        .expect("version 1 is still there after 12 rotations");
    assert_eq!(again.eth_address(), first.eth_address());

    // Where a wallet keeps fewer versions (its own max_versions), a rotation that would purge a
    // version nobody destroyed is refused, and nothing is written; once that version is
    // destroyed, the rotation goes through.
    let (ok, out, err) = cli(&bao, &["keys", "generate", "--wallet", "desk-s"], None);
    assert!(ok, "{out}{err}");
    root.write(
        "wallets/metadata/desk-s",
        &serde_json::json!({ "max_versions": 3 }),
    )
    .await
    .unwrap();
    for n in 2..=3 {
        let (ok, out, err) = cli(&bao, &["keys", "rotate", "--wallet", "desk-s"], None);
        assert!(ok && out.contains(&format!("version {n}")), "{out}{err}");
    }
    let before = cli(&bao, &["keys", "list"], None).1;
    let (ok, out, err) = cli(&bao, &["keys", "rotate", "--wallet", "desk-s"], None);
    assert!(!ok, "a rotation purged version 1: {out}");
    assert!(
        err.contains("would purge version 1, which was never destroyed"),
        "{err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("tradebot: ")).count(),
        1,
        "{err}"
    );
    assert_eq!(cli(&bao, &["keys", "list"], None).1, before);
    let s = tradebot::domain::WalletId::parse("desk-s").unwrap();
    assert!(
        tradebot::vault::wallets::read_key(&root, "wallets", &s, Some(1))
            .await
            .unwrap()
            .is_some()
    );
    let destroy = [
        "keys",
        "destroy-version",
        "--wallet",
        "desk-s",
        "--version",
        "1",
    ];
    let (ok, out, err) = cli(&bao, &destroy, None);
    assert!(ok, "{out}{err}");
    let (ok, out, err) = cli(&bao, &["keys", "rotate", "--wallet", "desk-s"], None);
    assert!(ok && out.contains("version 4"), "{out}{err}");
}
