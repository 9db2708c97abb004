//! Alerts to webhooks, black-box: the whole dashboard (real OpenBao, socket proxy, Docker)
//! with `alerts.dangerous_allow_plain_http_webhooks` so a local plain-HTTP receiver in this
//! test can take the deliveries. Bad targets are refused with nothing saved; the test button
//! is delivered (after a retry); a killed bot container reaches the receiver as `bot_crashed`
//! within 5 s; the kill switch as `kill_switch`; every delivery is in the audit log; no token,
//! key or webhook URL in any message. The URL is in Vault (`alerts/data/webhooks/<ref>`), never
//! in the database's bytes; with Vault sealed the cached URL still carries `vault_down`, and
//! adding or removing a target is a 503 that changes nothing. A URL the previous version left
//! in the database moves into Vault at startup and leaves no byte behind.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness

#[path = "common/app.rs"]
mod app;
mod common;
#[path = "common/docker.rs"]
mod docker_harness;
#[path = "common/receiver.rs"]
mod receiver;

use std::time::{Duration, Instant};

use app::spawn_app_with;
use receiver::Receiver;
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use tradebot::domain::WalletId;
use tradebot::vault::wallets;

async fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < until {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_get_tests_crashes_and_the_kill_switch_with_no_secret_in_them() {
    let app = spawn_app_with("al1", &[], |s| {
        s.alerts.dangerous_allow_plain_http_webhooks = true;
    })
    .await;
    let a = app.admin.clone();
    let (rx, url) = Receiver::start(1).await;
    let targets = |token: &str| app.request(Method::GET, "/api/alerts/targets", Some(token));
    let add = |body: Value| {
        app.request(Method::POST, "/api/alerts/targets", Some(&a))
            .json(&body)
    };

    // Admins only.
    assert_eq!(
        app.call(targets(&app.operator)).await.0,
        StatusCode::FORBIDDEN
    );
    // Bad input: clear 4xx, nothing saved, the URL not echoed.
    for (body, says) in [
        (
            json!({"name": "x", "format": "json", "url": url, "rules": ["bot_exploded"]}),
            "bot_exploded",
        ),
        (
            json!({"name": "x", "format": "json", "url": "ftp://h/WEBHOOKSECRET", "rules": ["bot_crashed"]}),
            "https",
        ),
        (
            json!({"name": "x", "format": "json", "url": "WEBHOOKSECRET", "rules": ["bot_crashed"]}),
            "absolute URL",
        ),
        (
            json!({"name": "x", "format": "pager", "url": url, "rules": ["bot_crashed"]}),
            "format",
        ),
        (
            json!({"name": "x", "format": "telegram", "url": url, "rules": ["bot_crashed"]}),
            "chat_id",
        ),
    ] {
        let (s, e) = app.call(add(body)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        let msg = e["error"].as_str().unwrap();
        assert!(msg.contains(says), "{msg}");
        assert!(!msg.contains("WEBHOOKSECRET"), "{msg}");
    }
    let (s, e) = app.call(add(json!({"name": "x", "url": url}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    let (_, list) = app.call(targets(&a)).await;
    assert_eq!(list, json!([]), "nothing saved");

    let rules = [
        "bot_crashed",
        "bot_failed",
        "bot_halted",
        "kill_switch",
        "vault_down",
        "proxy_down",
    ];
    let (s, made) = app
        .call(add(
            json!({"name": "ops", "format": "json", "url": url, "rules": rules}),
        ))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let id = made["id"].as_i64().unwrap();
    let (_, list) = app.call(targets(&a)).await;
    assert!(!list.to_string().contains("WEBHOOKSECRET"), "{list}");
    let url_ref = in_vault_not_in_db(&app, id, &url).await;

    // The test button: the first try gets a 503, the retry is delivered.
    let (s, d) = app
        .call(app.request(
            Method::POST,
            &format!("/api/alerts/targets/{id}/test"),
            Some(&a),
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(
        (d["ok"].clone(), d["attempts"].clone()),
        (json!(true), json!(2)),
        "{d}"
    );
    assert_eq!(rx.with_rule("test").len(), 1);

    // A bot whose container is killed: bot_crashed at the receiver within 5 s.
    let wallet = app.demo_wallet("al1");
    let body =
        json!({"wallet": wallet, "market": "INJ/USDT", "bot_type": "market_maker", "params": {}});
    let (s, bot) = app.start(&app.operator, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{bot}");
    let bot_id = bot["bot_id"].as_str().unwrap().to_owned();
    let container = bot["container_id"].as_str().unwrap().to_owned();
    let killed = Instant::now();
    assert!(docker_harness::docker(&["kill", &container]).0);
    wait_for("the crash alert", 5, || {
        !rx.with_rule("bot_crashed").is_empty()
    })
    .await;
    let (at, crash) = rx.with_rule("bot_crashed").remove(0);
    assert!(at.duration_since(killed) < Duration::from_secs(5));
    assert_eq!(crash["subject"], bot_id.as_str(), "{crash}");
    assert_eq!(crash["details"]["wallet"], wallet.as_str(), "{crash}");
    assert_eq!(crash["details"]["kind"], "signal", "{crash}");
    assert!(
        crash["text"].as_str().unwrap().contains("SIGKILL"),
        "{crash}"
    );

    // The kill switch, once the bot is back.
    let mut back = false;
    for _ in 0..300 {
        let (_, b) = app
            .call(app.request(Method::GET, &format!("/api/bots/{bot_id}"), Some(&a)))
            .await;
        if b["bot"]["state"] == "running" || b["state"] == "running" {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "the crashed bot is relaunched");
    let (s, _) = app
        .call(app.request(Method::POST, "/api/bots/stop-all", Some(&a)))
        .await;
    assert_eq!(s, StatusCode::OK);
    wait_for("the kill switch alert", 5, || {
        !rx.with_rule("kill_switch").is_empty()
    })
    .await;
    assert_eq!(rx.with_rule("kill_switch")[0].1["details"]["by"], "ada");

    // Every delivery in the audit log, without the URL.
    let filter = tradebot::audit::Filter {
        action: Some("alert_delivery".into()),
        ..Default::default()
    };
    let mut rows = Vec::new();
    for _ in 0..50 {
        rows = tradebot::audit::query(app.store.pool(), &filter)
            .await
            .unwrap();
        let audited: Vec<Value> = rows
            .iter()
            .map(|r| serde_json::from_str::<Value>(&r.details).unwrap()["rule"].clone())
            .collect();
        if ["test", "bot_crashed", "kill_switch"]
            .iter()
            .all(|r| audited.contains(&json!(r)))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let audited = rows
        .iter()
        .map(|r| r.details.clone())
        .collect::<Vec<_>>()
        .join("\n");
    for r in ["test", "bot_crashed", "kill_switch"] {
        assert!(audited.contains(&format!("\"rule\":\"{r}\"")), "{audited}");
    }
    assert!(rows
        .iter()
        .all(|r| r.result == "ok" && !r.details.contains("WEBHOOKSECRET")));

    // No secret in any message: tokens, the proxy's token, the wallet key, the URL's path.
    let key = wallets::read_key(
        &app.vault_admin,
        &app.kv_mount,
        &WalletId::parse(&wallet).unwrap(),
        None,
    )
    .await
    .unwrap()
    .unwrap();
    let every = rx
        .got
        .lock()
        .unwrap()
        .iter()
        .map(|(_, b)| b.to_string())
        .collect::<String>();
    let proxy_token = app.proxy.as_ref().unwrap().token.expose_secret().to_owned();
    for secret in [
        key.to_hex().to_string(),
        proxy_token,
        common::ROOT_TOKEN.to_owned(),
        app.admin.clone(),
        app.operator.clone(),
        "WEBHOOKSECRET".to_owned(),
    ] {
        assert!(!every.contains(&secret), "a secret in a message: {every}");
    }

    // Vault sealed: the URL read at startup or save still carries vault_down; adding and
    // removing are refused with a sentence (503) and change nothing.
    let (ok, out) = bao_cli(&app.bao, &["seal"]);
    assert!(ok, "{out}");
    wait_for("the vault_down alert", 15, || {
        !rx.with_rule("vault_down").is_empty()
    })
    .await;
    let late = json!({"name": "late", "format": "json", "url": url, "rules": ["bot_failed"]});
    let (s, e) = app.call(add(late.clone())).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{e}");
    assert!(e["error"].as_str().unwrap().contains("Vault"), "{e}");
    let gone = |id: i64| {
        app.request(
            Method::DELETE,
            &format!("/api/alerts/targets/{id}"),
            Some(&a),
        )
    };
    let (s, e) = app.call(gone(id)).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{e}");
    let (_, list) = app.call(targets(&a)).await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ops"], "nothing added, nothing removed");

    // Unsealed: removing deletes the row and destroys the URL in Vault.
    let log = app.bao.server_log();
    let key = log
        .lines()
        .find_map(|l| l.trim().strip_prefix("Unseal Key: "))
        .expect("the dev server prints its unseal key")
        .trim()
        .to_owned();
    let (ok, out) = bao_cli(&app.bao, &["unseal", &key]);
    assert!(ok, "{out}");
    let (s, e) = app.call(gone(id)).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{e}");
    let (_, list) = app.call(targets(&a)).await;
    assert_eq!(list, json!([]));
    let path = format!("alerts/data/webhooks/{url_ref}");
    assert!(
        app.vault_admin.read(&path).await.unwrap().is_none(),
        "destroyed"
    );
    let meta = format!("alerts/metadata/webhooks/{url_ref}");
    assert!(
        app.vault_admin.read(&meta).await.unwrap().is_none(),
        "no version left"
    );
    let every = rx
        .got
        .lock()
        .unwrap()
        .iter()
        .map(|(_, b)| b.to_string())
        .collect::<String>();
    assert!(!every.contains("WEBHOOKSECRET"), "{every}");
}

/// The URL of target `id` is in Vault (root reads it back) and no part of its path is in the
/// database's files. Returns its reference.
async fn in_vault_not_in_db(app: &app::TestApp, id: i64, url: &str) -> String {
    let url_ref: String = sqlx::query_scalar("SELECT url_ref FROM alert_targets WHERE id = ?")
        .bind(id)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let held = app
        .vault_admin
        .read(&format!("alerts/data/webhooks/{url_ref}"))
        .await
        .unwrap()
        .expect("the URL is in Vault");
    assert_eq!(held["data"]["data"]["url"], url);
    let bytes = db_bytes(&app.data_dir.path().join("data"));
    for part in ["WEBHOOKSECRET", "/hook/"] {
        assert!(!holds(&bytes, part), "{part} in the database files");
    }
    url_ref
}

/// Every byte of the database's files (`tradebot.db`, `-wal`, `-shm`) in `dir`.
fn db_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("tradebot.db"))
        {
            all.extend(std::fs::read(path).unwrap());
        }
    }
    assert!(!all.is_empty(), "no database in {}", dir.display());
    all
}

fn holds(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn bao_cli(bao: &common::Bao, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(std::env::var("BAO_BIN").unwrap_or_else(|_| "bao".into()))
        .args(["operator"])
        .args(args)
        .env("BAO_ADDR", &bao.address)
        .env("BAO_TOKEN", common::ROOT_TOKEN)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The previous version's database (its migrations only) with a target holding its full URL,
/// and one removed earlier: the next start moves the URL into Vault, blanks it, rewrites the
/// file, and the target still delivers. A live wallet's bot key whose grant ends in 2 days
/// reaches that target as `grant_expiring` at the watcher's first look; one ending in 30 days
/// does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_left_in_the_database_by_the_previous_version_moves_into_vault_at_startup() {
    let (rx, url) = Receiver::start(0).await;
    let gone_url = url.replace("WEBHOOKSECRET", "REMOVEDSECRET");
    let app = spawn_app_with("al2", &[], |s| {
        s.alerts.dangerous_allow_plain_http_webhooks = true;
        let dir = s.data_dir.clone();
        let (address, mount) = (s.vault.address.clone(), s.vault.kv_mount.clone());
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async {
                previous_version_db(&dir, &url, &gone_url).await;
                live_wallet_with_grants(&address, &mount).await;
            });
        });
    })
    .await;
    let a = app.admin.clone();
    let (_, list) = app
        .call(app.request(Method::GET, "/api/alerts/targets", Some(&a)))
        .await;
    assert_eq!(list[0]["name"], "old-ops", "{list}");
    assert_eq!(
        list[0]["shown_url"],
        format!("{}/…", url.split("/hook").next().unwrap())
    );
    let id = list[0]["id"].as_i64().unwrap();
    let url_ref = in_vault_not_in_db(&app, id, &url).await;
    assert_eq!(url_ref, format!("legacy-{id}"));
    let bytes = db_bytes(&app.data_dir.path().join("data"));
    assert!(
        !holds(&bytes, "REMOVEDSECRET"),
        "a removed target's URL in free space"
    );
    let (s, d) = app
        .call(app.request(
            Method::POST,
            &format!("/api/alerts/targets/{id}/test"),
            Some(&a),
        ))
        .await;
    assert_eq!((s, d["ok"].clone()), (StatusCode::OK, json!(true)), "{d}");
    assert_eq!(rx.with_rule("test").len(), 1);

    wait_for("the grant_expiring alert", 15, || {
        !rx.with_rule("grant_expiring").is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let fired = rx.with_rule("grant_expiring");
    assert_eq!(
        fired.len(),
        1,
        "only the grant that ends within 7 days: {fired:?}"
    );
    let g = &fired[0].1;
    assert_eq!(g["subject"], "al2-live INJ/USDT", "{g}");
    assert_eq!(g["details"]["days_left"], 1, "{g}");
    assert_eq!(g["details"]["address"], "inj1al2liveinjusdt", "{g}");
    assert!(g["text"].as_str().unwrap().contains("1 day(s) left"), "{g}");
}

/// A live wallet `al2-live` with bot keys on INJ/USDT (grant ends in 2 days) and TIA/USDT
/// (30 days), as `tradebot keys grant` records them (written with root).
async fn live_wallet_with_grants(address: &str, mount: &str) {
    use tradebot::domain::MarketId;
    use tradebot::vault::bot_keys::{self, GrantRecord};
    let root = tradebot::vault::VaultClient::new(
        address,
        None,
        Some(secrecy::SecretString::from(common::ROOT_TOKEN.to_owned())),
    )
    .unwrap();
    let wallet = WalletId::parse("al2-live").unwrap();
    let meta = wallets::WalletMeta {
        label: "live al2".into(),
        allowed_markets: vec!["INJ/USDT".into(), "TIA/USDT".into()],
        mode: wallets::WalletMode::Live,
        network: Some("devnet".into()),
    };
    wallets::generate(&root, mount, &wallet, &meta)
        .await
        .unwrap();
    let now = time::OffsetDateTime::now_utc();
    for (m, days) in [("INJ/USDT", 2), ("TIA/USDT", 30)] {
        let market = MarketId::parse(m).unwrap();
        let key = tradebot_contract::key::PrivateKey::generate();
        bot_keys::write_key(&root, mount, &wallet, &market, &key, 0)
            .await
            .unwrap();
        let expiry = (now + time::Duration::days(days))
            .replace_nanosecond(0)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let record = GrantRecord {
            address: format!("inj1al2live{}", market.slug().replace('-', "")),
            granter: "inj1al2live".into(),
            market_id: "0x01".into(),
            network: "devnet".into(),
            grant_expiry: expiry,
            fee_spend_limit: "1000inj".into(),
        };
        bot_keys::record_grant(&root, mount, &wallet, &market, &record)
            .await
            .unwrap();
    }
}

/// `<dir>/tradebot.db` as the previous version left it: its migrations (every one before
/// the move to Vault), a target `old-ops` with its full URL, and one removed.
async fn previous_version_db(dir: &std::path::Path, url: &str, gone_url: &str) {
    let old = tempfile::tempdir().unwrap();
    let mut names: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.as_str() < "20261130214201")
        .collect();
    names.sort();
    assert!(names.last().unwrap().ends_with("_alerts.sql"), "{names:?}");
    for n in &names {
        std::fs::copy(
            format!("{}/migrations/{n}", env!("CARGO_MANIFEST_DIR")),
            old.path().join(n),
        )
        .unwrap();
    }
    std::fs::create_dir_all(dir).unwrap();
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.join("tradebot.db"))
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(old.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    for (name, u) in [("removed", gone_url), ("old-ops", url)] {
        sqlx::query(
            "INSERT INTO alert_targets (name, format, url, rules, created_by, created_ms) \
             VALUES (?, 'json', ?, '[\"bot_failed\",\"grant_expiring\"]', 'ada', 1)",
        )
        .bind(name)
        .bind(u)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query("DELETE FROM alert_targets WHERE name = 'removed'")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let bytes = db_bytes(dir);
    assert!(
        holds(&bytes, "REMOVEDSECRET") && holds(&bytes, "WEBHOOKSECRET"),
        "the fixture"
    );
}

/// Bootstrap mounts `alerts/` once and refuses, without touching it, an `alerts/` that is not
/// KV v2 (someone else's data).
#[tokio::test(flavor = "multi_thread")]
async fn bootstrap_refuses_an_alerts_mount_of_another_kind() {
    let bao = common::Bao::start();
    let settings = bao.settings();
    let root = tradebot::vault::VaultClient::new(
        &bao.address,
        None,
        Some(secrecy::SecretString::from(common::ROOT_TOKEN.to_owned())),
    )
    .unwrap();
    root.write(
        "sys/mounts/alerts",
        &json!({"type": "kv", "options": {"version": "1"}}),
    )
    .await
    .unwrap();
    root.write("alerts/theirs", &json!({"keep": "me"}))
        .await
        .unwrap();
    let opts = tradebot::vault::BootstrapOptions::default();
    let e = tradebot::vault::bootstrap(&settings, &opts)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("mount alerts/ exists but is not KV v2"), "{e}");
    let kept = root.read("alerts/theirs").await.unwrap().unwrap();
    assert_eq!(kept["data"]["keep"], "me");
}
