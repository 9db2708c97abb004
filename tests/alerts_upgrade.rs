//! Alerts across an upgrade, black-box with real OpenBao: a URL the previous version left in
//! the database moves into Vault at startup and leaves no byte behind (a removed target's URL
//! in free space included); without `tradebot vault bootstrap` (no `alerts/` mount) the
//! dashboard refuses to start and moves nothing; bootstrap's `alerts/` mount; `grant_expiring`
//! from a live wallet's bot key metadata reaches the moved target.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness

#[path = "common/app.rs"]
mod app;
mod common;
#[path = "common/docker.rs"]
mod docker_harness;
#[path = "common/alerts.rs"]
mod support;

use std::time::Duration;

use app::spawn_app_with;
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::{db_bytes, holds, in_vault_not_in_db, wait_for, Receiver};
use tradebot::domain::WalletId;
use tradebot::vault::wallets;

/// The previous version's database (its migrations only) with a target holding its full URL,
/// and one removed earlier: the next start moves the URL into Vault, blanks it, rewrites the
/// file, and the target still delivers. A live wallet's bot key whose grant ends in 2 days
/// reaches that target as `grant_expiring` at the watcher's first look; one ending in 30 days
/// does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_left_in_the_database_by_the_previous_version_moves_into_vault_at_startup() {
    let (rx, url) = Receiver::start(0).await;
    let gone_url = url.replace("WEBHOOKSECRET", "REMOVEDSECRET");
    let expiries = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (written, old_url, old_gone) = (expiries.clone(), url.clone(), gone_url.clone());
    let app = spawn_app_with("al2", &[], move |s| {
        s.alerts.dangerous_allow_plain_http_webhooks = true;
        let dir = s.data_dir.clone();
        let (address, mount) = (s.vault.address.clone(), s.vault.kv_mount.clone());
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async {
                previous_version_db(&dir, &old_url, &old_gone).await;
                *written.lock().unwrap() = live_wallet_with_grants(&address, &mount).await;
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

    // /metrics has both grants' expiries, to the second, from the watcher's read.
    let metrics = app.get_text("/metrics", Some(&a)).await;
    for (market, secs) in expiries.lock().unwrap().iter() {
        let line = format!(
            "tradebot_bot_key_grant_expiry_timestamp_seconds{{wallet=\"al2-live\",market=\"{market}\"}} {secs}\n"
        );
        assert!(metrics.contains(&line), "{line} in\n{metrics}");
    }
}

/// A live wallet `al2-live` with bot keys on INJ/USDT (grant ends in 2 days) and TIA/USDT
/// (30 days), as `tradebot keys grant` records them (written with root). Returns each market
/// with its grant's expiry in Unix seconds.
async fn live_wallet_with_grants(address: &str, mount: &str) -> Vec<(String, i64)> {
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
    let mut expiries = Vec::new();
    for (m, days) in [("INJ/USDT", 2), ("TIA/USDT", 30)] {
        let market = MarketId::parse(m).unwrap();
        let key = tradebot_contract::key::PrivateKey::generate();
        bot_keys::write_key(&root, mount, &wallet, &market, &key, 0)
            .await
            .unwrap();
        let at = (now + time::Duration::days(days))
            .replace_nanosecond(0)
            .unwrap();
        expiries.push((m.to_owned(), at.unix_timestamp()));
        let expiry = at
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
    expiries
}

/// `<dir>/tradebot.db` as the previous version left it: its migrations (every one before
/// the move to Vault), a target `old-ops` with its full URL, and one removed.
async fn previous_version_db(dir: &std::path::Path, url: &str, gone_url: &str) {
    let old = tempfile::tempdir().unwrap();
    let mut names: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.as_str() <= "20261130200001_alerts.sql")
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
    assert!(holds(&bytes, url) && holds(&bytes, gone_url), "the fixture");
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

/// The upgrade without `tradebot vault bootstrap`: Vault has no `alerts/` mount (bootstrap of
/// the previous version), the database holds a URL. The dashboard refuses to start, says to
/// run bootstrap, and leaves the URL where it was (nothing half-moved).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_bootstrap_the_dashboard_refuses_to_start_and_moves_nothing() {
    tradebot::tls::install_crypto_provider();
    let bao = common::Bao::start();
    let mut settings = bao.settings();
    let approle = tempfile::tempdir().unwrap();
    let opts = tradebot::vault::BootstrapOptions {
        approle_dir: Some(approle.path().to_owned()),
        ..tradebot::vault::BootstrapOptions::default()
    };
    tradebot::vault::bootstrap(&settings, &opts).await.unwrap();
    let root = tradebot::vault::VaultClient::new(
        &bao.address,
        None,
        Some(secrecy::SecretString::from(common::ROOT_TOKEN.to_owned())),
    )
    .unwrap();
    root.delete("sys/mounts/alerts").await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let url = "https://hooks.example/T0/B0/OLDSECRET";
    previous_version_db(data.path(), url, "https://hooks.example/T0/B1/GONESECRET").await;
    let token_file = data.path().join("proxy-token");
    std::fs::write(&token_file, "unused").unwrap();
    settings.data_dir = data.path().to_owned();
    settings.http.bind = "127.0.0.1:0".parse().unwrap();
    settings.vault.token = None;
    settings.vault.role_id_file = Some(approle.path().join("role_id"));
    settings.vault.secret_id_file = Some(approle.path().join("secret_id"));
    settings.docker.proxy_url = "http://127.0.0.1:9".into();
    settings.docker.proxy_token_file = Some(token_file);
    let e = match tradebot::web::Application::build(settings).await {
        Ok(_) => panic!("the dashboard started with a URL it could not move"),
        Err(e) => format!("{e:#}"),
    };
    assert!(e.contains("run `tradebot vault bootstrap`"), "{e}");
    assert!(!e.contains("OLDSECRET"), "{e}");
    let store = tradebot::store::Store::open(data.path()).await.unwrap();
    let left: String = sqlx::query_scalar("SELECT url FROM alert_targets")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(left, url, "the URL stays until it can be moved");
}
