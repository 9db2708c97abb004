//! Alerts to webhooks, black-box: the whole dashboard (real OpenBao, socket proxy, Docker)
//! with `alerts.dangerous_allow_plain_http_webhooks` so a local plain-HTTP receiver in this
//! test can take the deliveries. Bad targets are refused with nothing saved; the test button
//! is delivered (after a retry); a killed bot container reaches the receiver as `bot_crashed`
//! within 5 s; the kill switch as `kill_switch`; every delivery is in the audit log; no token,
//! key or webhook URL in any message. The URL is in Vault (`alerts/data/webhooks/<ref>`), never
//! in the database's bytes; with Vault sealed the cached URL still carries `vault_down`, and
//! adding or removing a target is a 503 that changes nothing. (The upgrade from URLs in the
//! database, and `grant_expiring`: tests/alerts_upgrade.rs.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness

#[path = "common/app.rs"]
mod app;
mod common;
#[path = "common/docker.rs"]
mod docker_harness;
#[path = "common/alerts.rs"]
mod support;

use std::time::{Duration, Instant};

use app::spawn_app_with;
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use support::{bao_cli, in_vault_not_in_db, wait_for, Receiver};
use tradebot::domain::WalletId;
use tradebot::vault::wallets;

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
