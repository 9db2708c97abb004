//! The dashboard black-box: `Application::build` on a random port over HTTPS, real OpenBao,
//! the real socket proxy and Docker engine. The role matrix, CSRF, headers on every page, bad
//! input refused with nothing started, and a full start/stop with its audit trail and no key
//! anywhere.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_pass_by_value
)] // test harness

#[path = "common/app.rs"]
mod app;
mod common;
#[path = "common/docker.rs"]
mod docker_harness;

use app::{spawn_app, spawn_app_with, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tradebot::domain::WalletId;
use tradebot::vault::wallets;

/// Words of a BIP-39 recovery phrase, as an operator might paste into the wrong field.
const PASTED_PHRASE: &str = "abandon ability able about above absent absorb abstract";

fn start_body(wallet: &str, market: &str, bot_type: &str, params: Value) -> Value {
    json!({ "wallet": wallet, "market": market, "bot_type": bot_type, "params": params })
}

/// (status, body) of `method path` with the given token (None: anonymous).
async fn call(app: &TestApp, method: Method, path: &str, token: Option<&str>) -> StatusCode {
    app.call(app.request(method, path, token)).await.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_matrix_every_role_times_every_action() {
    let app = spawn_app("db1", &["db1-w1", "db1-w2"]).await;
    let (v, o, a) = (app.viewer.clone(), app.operator.clone(), app.admin.clone());

    // Reading: every signed-in role; anonymous callers get 401, never data.
    for path in [
        "/api/bots",
        "/api/wallets",
        "/api/health",
        "/api/bot-types",
        "/api/markets",
        "/api/openapi.json",
        "/metrics",
        "/api/me",
    ] {
        assert_eq!(
            call(&app, Method::GET, path, None).await,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
        for t in [&v, &o, &a] {
            assert_eq!(
                call(&app, Method::GET, path, Some(t)).await,
                StatusCode::OK,
                "{path}"
            );
        }
    }
    // Pages: audit for operators and admins, users for admins only.
    for (path, viewer, operator, admin) in [
        ("/audit", 403, 200, 200),
        ("/audit.csv", 403, 200, 200),
        ("/users", 403, 403, 200),
    ] {
        for (t, want) in [(&v, viewer), (&o, operator), (&a, admin)] {
            assert_eq!(
                call(&app, Method::GET, path, Some(t)).await.as_u16(),
                want,
                "{path}"
            );
        }
    }

    // Starting: operators and admins.
    let body = start_body("db1-w1", "INJ/USDT", "market_maker", json!({}));
    let (s, e) = app.start(&v, &body).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        e["error"].as_str().unwrap().contains("viewer may not"),
        "{e}"
    );
    let (s, bot) = app.start(&o, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{bot}");
    assert_eq!(bot["state"], "running");
    let id = bot["bot_id"].as_str().unwrap().to_owned();
    let (s, bot2) = app
        .start(&a, &start_body("db1-w2", "TIA/USDT", "grid", json!({})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{bot2}");

    // Stop / restart: operators and admins; the kill switch: admins only.
    for action in ["stop", "restart"] {
        let path = format!("/api/bots/{id}/{action}");
        assert_eq!(
            call(&app, Method::POST, &path, Some(&v)).await,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let restart = format!("/api/bots/{id}/restart");
    assert_eq!(
        call(&app, Method::POST, &restart, Some(&o)).await,
        StatusCode::OK
    );
    let rolling = "/api/wallets/db1-w1/rolling-restart";
    assert_eq!(
        call(&app, Method::POST, rolling, Some(&v)).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, Method::POST, rolling, Some(&o)).await,
        StatusCode::OK
    );
    let stop = format!("/api/bots/{id}/stop");
    assert_eq!(
        call(&app, Method::POST, &stop, Some(&o)).await,
        StatusCode::OK
    );
    assert_eq!(
        call(&app, Method::POST, "/api/bots/stop-all", Some(&v)).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, Method::POST, "/api/bots/stop-all", Some(&o)).await,
        StatusCode::FORBIDDEN
    );
    let (s, all) = app
        .call(app.request(Method::POST, "/api/bots/stop-all", Some(&a)))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(all["stopped"], 1, "{all}");
    assert!(app.net.our_containers().is_empty());

    // Users admin is admins' only: an operator cannot add a user.
    let add = app.request(Method::POST, "/users", Some(&o)).form(&[
        ("name", "mallory"),
        ("role", "admin"),
        ("password", "x".repeat(16).as_str()),
    ]);
    assert_eq!(app.call(add).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_4xx_and_nothing_starts() {
    let app = spawn_app("db2", &["db2-w1"]).await;
    let o = app.operator.clone();
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            start_body("nope", "INJ/USDT", "grid", json!({})),
            404,
            "does not exist in Vault",
        ),
        (
            start_body("../etc", "INJ/USDT", "grid", json!({})),
            422,
            "invalid wallet id",
        ),
        (
            start_body("db2-w1", "inj/usdt", "grid", json!({})),
            422,
            "not a market id",
        ),
        (
            start_body("db2-w1", "DOGE/USDT", "grid", json!({})),
            422,
            "not configured",
        ),
        (
            start_body("db2-w1", "INJ/USDT", "moon", json!({})),
            422,
            "unknown bot type",
        ),
        (
            start_body(
                "db2-w1",
                "INJ/USDT",
                "market_maker",
                json!({"spread_bps": -5}),
            ),
            422,
            "spread",
        ),
        (
            start_body("db2-w1", "INJ/USDT", "grid", json!({"levels": 0})),
            422,
            "levels",
        ),
        (
            start_body(
                "db2-w1",
                "INJ/USDT",
                "grid",
                json!({"levels": 1_000_000_000}),
            ),
            422,
            "levels",
        ),
        (
            start_body(
                "db2-w1",
                "INJ/USDT",
                "grid",
                json!({"lower_price": 30, "upper_price": 20}),
            ),
            422,
            "price",
        ),
        // A recovery phrase pasted into a parameter: refused, naming the field.
        (
            start_body(
                "db2-w1",
                "INJ/USDT",
                "market_maker",
                json!({"spread_bps": PASTED_PHRASE}),
            ),
            422,
            "spread_bps",
        ),
        (
            json!({"wallet": "db2-w1", "market": "INJ/USDT", "bot_type": "grid", "colour": "red"}),
            400,
            "unknown field",
        ),
        (json!({"wallet": "db2-w1"}), 400, "missing field"),
    ];
    for (body, status, words) in &cases {
        let (s, e) = app.start(&o, body).await;
        let msg = e["error"].as_str().unwrap_or_default();
        assert_eq!(s.as_u16(), *status, "{body} -> {e}");
        assert!(msg.contains(words), "{body}: {msg:?} should say {words:?}");
        assert!(
            !msg.contains('\n') && msg.len() < 400,
            "one short line: {msg:?}"
        );
    }
    // An oversized body, non-UTF-8 bytes, not JSON at all.
    let big = format!("{{\"wallet\":\"{}\"}}", "a".repeat(100_000));
    let raw = |b: Vec<u8>| {
        app.request(Method::POST, "/api/bots", Some(&o))
            .header("content-type", "application/json")
            .body(b)
    };
    let (s, e) = app.call(raw(big.into_bytes())).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{e}");
    assert!(e["error"].as_str().unwrap().contains("larger than"), "{e}");
    let (s, e) = app.call(raw(vec![b'{', 0xff, 0xfe, b'}'])).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(e["error"].as_str().unwrap().contains("UTF-8"), "{e}");
    let (s, e) = app.call(raw(b"wallet=demo".to_vec())).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("not a valid start request"),
        "{e}"
    );

    // Nothing was started: no bot, no container, no token issued.
    let (_, bots) = app
        .call(app.request(Method::GET, "/api/bots", Some(&o)))
        .await;
    assert_eq!(bots, json!([]));
    assert!(app.net.our_containers().is_empty());
    let metrics = app.get_text("/metrics", Some(&o)).await;
    assert!(
        metrics.contains("tradebot_token_issues_total 0"),
        "{metrics}"
    );
    // The refusals are in the audit log, as denied starts by the operator.
    let csv = app.get_text("/audit.csv", Some(&o)).await;
    assert!(
        csv.lines()
            .filter(|l| l.contains("bot_start") && l.contains("denied"))
            .count()
            >= 2,
        "{csv}"
    );
    // What was pasted into a field is not kept: the audit row has the sentence without it.
    assert!(
        csv.lines()
            .any(|l| l.contains("bot_start") && l.contains("spread_bps")),
        "{csv}"
    );
    assert!(!csv.contains("abandon ability"), "{csv}");

    // An alert webhook over plain http, without alerts.dangerous_allow_plain_http_webhooks:
    // 422 with the rule, nothing saved, the URL (its token) not echoed.
    let hook = json!({"name": "ops", "format": "slack", "url": "http://hooks.example/T0/B0/SECRETPATH",
                      "rules": ["bot_crashed"]});
    let (s, e) = app
        .call(
            app.request(Method::POST, "/api/alerts/targets", Some(&app.admin))
                .json(&hook),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let msg = e["error"].as_str().unwrap();
    assert!(
        msg.contains("must be https") && !msg.contains("SECRETPATH"),
        "{msg}"
    );
    let (_, list) = app
        .call(app.request(Method::GET, "/api/alerts/targets", Some(&app.admin)))
        .await;
    assert_eq!(list, json!([]));
}

/// Issue 16: `/api/portfolio`'s wallet and team totals are the exact sums of its bots'
/// figures, and the bot's figures are those of its status in `/api/bots/{id}` (read around the
/// portfolio until both saw the same status event).
async fn portfolio_totals_are_the_bots_figures(app: &TestApp, id: &str, wallet: &str) {
    use rust_decimal::Decimal;
    let dec = |v: &Value| v.as_str().unwrap_or("0").parse::<Decimal>().unwrap();
    async fn bot(app: &TestApp, id: &str) -> Value {
        let r = app.request(Method::GET, &format!("/api/bots/{id}"), Some(&app.viewer));
        app.call(r).await.1["bot"]["last_status"].clone()
    }
    for _ in 0..50 {
        let before = bot(app, id).await;
        let (s, p) = app
            .call(app.request(Method::GET, "/api/portfolio", Some(&app.viewer)))
            .await;
        assert_eq!(s, StatusCode::OK, "{p}");
        let after = bot(app, id).await;
        if before["ts_ms"] != after["ts_ms"] || before.is_null() {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            continue;
        }
        let f = &p["bots"][id];
        assert_eq!(
            dec(&f["realized"]),
            dec(&after["realized_pnl"]),
            "{p} {after}"
        );
        assert_eq!(
            dec(&f["unrealized"]),
            dec(&after["unrealized_pnl"]),
            "{p} {after}"
        );
        let total = |x: &Value| {
            x.as_object()
                .unwrap()
                .values()
                .map(|f| dec(&f["total"]))
                .sum::<Decimal>()
        };
        assert_eq!(total(&p["bots"]), dec(&p["team"]["total"]), "{p}");
        assert_eq!(total(&p["wallets"]), dec(&p["team"]["total"]), "{p}");
        assert_eq!(dec(&p["wallets"][wallet]["total"]), dec(&f["total"]), "{p}");
        assert_eq!(p["team"]["bots_running"], 1, "{p}");
        return;
    }
    panic!("the bot's status never held still around a portfolio read");
}

/// Signs in through the login form like a browser; returns (cookie, csrf token).
async fn browser_login(app: &TestApp) -> (reqwest::Client, String) {
    let ca = std::fs::read(app.data_dir.path().join("data/tls/ca.pem")).unwrap();
    let browser = reqwest::Client::builder()
        .tls_certs_only(reqwest::Certificate::from_pem_bundle(&ca).unwrap())
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = browser
        .post(format!("{}/login", app.url))
        .header("origin", &app.url)
        .form(&[("name", "otto"), ("password", app::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "login");
    let page = browser
        .get(format!("{}/", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = page
        .split("name=\"csrf-token\" content=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    (browser, csrf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csrf_is_required_for_sessions_and_every_page_carries_the_headers() {
    let app = spawn_app("db3", &[]).await;
    let (browser, csrf) = browser_login(&app).await;
    let body = start_body("nope", "INJ/USDT", "grid", json!({}));
    // A session without the CSRF token: refused before the handler runs.
    let res = browser
        .post(format!("{}/api/bots", app.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("reload the page"));
    // A cross-site origin with the right token: still refused.
    let res = browser
        .post(format!("{}/api/bots", app.url))
        .header("x-csrf-token", &csrf)
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // With the token: the request reaches the lifecycle (which refuses the unknown wallet).
    let res = browser
        .post(format!("{}/api/bots", app.url))
        .header("x-csrf-token", &csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    for path in [
        "/",
        "/bots/new",
        "/wallets",
        "/account",
        "/audit",
        "/api/bots",
        "/metrics",
        "/login",
        "/healthz",
        "/static/app.css",
        "/static/app.js",
        "/no-such-page",
    ] {
        let res = browser
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .unwrap();
        let h = res.headers();
        for name in [
            "strict-transport-security",
            "x-content-type-options",
            "x-frame-options",
            "content-security-policy",
            "referrer-policy",
        ] {
            assert!(h.contains_key(name), "{path} lacks {name}");
        }
        assert!(h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'"));
        if !path.starts_with("/static") && path != "/healthz" && path != "/login" {
            assert_eq!(h["cache-control"], "no-store", "{path}");
        }
        if matches!(path, "/" | "/bots/new" | "/wallets" | "/account" | "/audit") {
            assert_eq!(res.status(), StatusCode::OK, "{path}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_started_and_stopped_over_https_leaves_an_audit_trail_and_no_key_anywhere() {
    let app = spawn_app("db4", &[]).await;
    let o = app.operator.clone();
    let wallet = app.demo_wallet("db4");
    let key = wallets::read_key(
        &app.vault_admin,
        &app.kv_mount,
        &WalletId::parse(&wallet).unwrap(),
        None,
    )
    .await
    .unwrap()
    .unwrap();
    let key_hex = key.to_hex().to_string();

    let (s, bot) = app
        .start(
            &o,
            &start_body(
                &wallet,
                "INJ/USDT",
                "market_maker",
                json!({"spread_bps": "20"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{bot}");
    let id = bot["bot_id"].as_str().unwrap().to_owned();
    // A second bot on the busy (wallet, market) is refused with the reason.
    let (s, e) = app
        .start(&o, &start_body(&wallet, "INJ/USDT", "grid", json!({})))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("one bot per wallet and market"),
        "{e}"
    );

    portfolio_totals_are_the_bots_figures(&app, &id, &wallet).await;

    // The bot's status lists its resting orders; the bot page shows them.
    for _ in 0..100 {
        let (_, d) = app
            .call(app.request(Method::GET, &format!("/api/bots/{id}"), Some(&o)))
            .await;
        if d["bot"]["last_status"]["orders"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mut seen = Vec::new();
    for path in [
        format!("/api/bots/{id}"),
        format!("/api/bots/{id}/logs"),
        format!("/bots/{id}"),
        "/".into(),
        "/wallets".into(),
        "/api/wallets".into(),
        "/metrics".into(),
    ] {
        let text = app.get_text(&path, Some(&o)).await;
        seen.push(text);
    }
    assert!(
        seen[1].contains("\\\"ready\\\""),
        "the bot's log: {}",
        seen[1]
    );
    assert!(seen[2].contains(&id) && seen[2].contains("badge-running"));
    assert!(
        seen[2].contains("open-orders-table"),
        "the bot page lists open orders"
    );
    assert!(
        seen[6].contains("tradebot_bots{state=\"running\"} 1"),
        "{}",
        seen[6]
    );

    let (s, stopped) = app
        .call(app.request(Method::POST, &format!("/api/bots/{id}/stop"), Some(&o)))
        .await;
    assert_eq!(s, StatusCode::OK, "{stopped}");
    assert_eq!(stopped["state"], "stopped");
    let detail = app.get_text(&format!("/bots/{id}"), Some(&o)).await;
    assert!(
        detail.contains("Why it stopped") && detail.contains("stopped by otto"),
        "{detail}"
    );
    let (_, d) = app
        .call(app.request(Method::GET, &format!("/api/bots/{id}"), Some(&o)))
        .await;
    assert_eq!(d["runs"][0]["exit_code"], 0, "{d}");

    let csv = app.get_text("/audit.csv", Some(&o)).await;
    let start_line = csv
        .lines()
        .find(|l| l.contains(&format!(",bot_start,{id},")))
        .expect("start audited");
    assert!(
        start_line.contains("otto") && start_line.contains("accessor"),
        "{start_line}"
    );
    assert!(
        csv.lines().any(|l| l.contains(&format!(",bot_stop,{id},"))),
        "{csv}"
    );
    seen.push(csv);
    seen.push(detail);

    // The key is in no response, and not in the dashboard's database file.
    let db = std::fs::read(app.data_dir.path().join("data/tradebot.db")).unwrap();
    let wal = std::fs::read(app.data_dir.path().join("data/tradebot.db-wal")).unwrap_or_default();
    for text in &seen {
        assert!(
            !text.contains(key_hex.as_str()),
            "the key leaked into a response"
        );
    }
    for bytes in [&db, &wal] {
        assert!(
            !String::from_utf8_lossy(bytes).contains(key_hex.as_str()),
            "the key is in the database"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_proxy_down_the_dashboard_stays_up_and_says_so() {
    let mut app = spawn_app("db5", &[]).await;
    let o = app.operator.clone();
    drop(app.proxy.take());
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let (s, h) = app
        .call(app.request(Method::GET, "/api/health", Some(&o)))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["vault"]["ok"], true, "{h}");
    assert_eq!(h["docker"]["ok"], false, "{h}");
    assert!(
        h["docker"]["message"]
            .as_str()
            .unwrap()
            .contains("socket proxy is unreachable"),
        "{h}"
    );
    // Pages still render, with the problem in words.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await; // past the page cache
    let page = app
        .request(Method::GET, "/", Some(&o))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("bots cannot be started or stopped"), "{html}");
    // A start is refused with 503 and the reason; nothing is left behind.
    let wallet = app.demo_wallet("db5");
    let (s, e) = app
        .start(&o, &start_body(&wallet, "INJ/USDT", "grid", json!({})))
        .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{e}");
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("socket proxy is unreachable"),
        "{e}"
    );
    assert!(app.net.our_containers().is_empty());
}

/// A create the Docker daemon itself refuses (a memory limit under the engine's 6 MB floor,
/// which the proxy's policy lets through): the caller gets a fixed sentence and a request id,
/// never the daemon's words; the audit entry names the same id, and nothing is left running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_the_daemon_refuses_is_answered_without_the_daemons_text() {
    let app = spawn_app_with("db6", &[], |s| s.bots.memory_bytes = 1024 * 1024).await;
    let o = app.operator.clone();
    let wallet = app.demo_wallet("db6");
    let (s, e) = app
        .start(&o, &start_body(&wallet, "INJ/USDT", "grid", json!({})))
        .await;
    assert_eq!(s, StatusCode::BAD_GATEWAY, "{e}");
    let body = e.to_string();
    for daemon_words in ["Minimum memory", "6MB", "memory limit", "Docker error"] {
        assert!(!body.contains(daemon_words), "daemon text in {body}");
    }
    assert_eq!(e["error"], tradebot::web::error::START_FAILED, "{e}");
    let id = e["request_id"].as_str().expect("a request id");
    assert!(
        id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "{id}"
    );
    let csv = app.get_text("/audit.csv", Some(&o)).await;
    let line = csv
        .lines()
        .find(|l| l.contains(",bot_start,") && l.contains(",error,"))
        .unwrap_or_else(|| panic!("failed start audited: {csv}"));
    assert!(
        line.contains(id) && !line.contains("Minimum memory"),
        "{line}"
    );
    assert!(app.net.our_containers().is_empty());
}

/// A client of the real HTTPS dashboard whose connections come from `local` (any 127/8 address
/// is loopback on Linux, so two clients have two real peer addresses).
fn client_from(app: &TestApp, local: [u8; 4]) -> reqwest::Client {
    let ca = std::fs::read(app.data_dir.path().join("data/tls/ca.pem")).unwrap();
    reqwest::Client::builder()
        .tls_certs_only(reqwest::Certificate::from_pem_bundle(&ca).unwrap())
        .local_address(std::net::IpAddr::from(local))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn sign_in(app: &TestApp, c: &reqwest::Client, password: &str, xff: &str) -> StatusCode {
    let url = format!("{}/login", app.url).replace("localhost", "127.0.0.1");
    c.post(url)
        .header("x-forwarded-for", xff)
        .form(&[("name", "otto"), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_a_failing_address_cannot_lock_the_user_out_and_forged_addresses_are_ignored() {
    let app = spawn_app("db7", &[]).await;
    let (a, b) = (
        client_from(&app, [127, 0, 0, 1]),
        client_from(&app, [127, 0, 0, 2]),
    );
    for _ in 0..5 {
        let s = sign_in(&app, &a, "wrong password!!", "198.51.100.7").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let s = sign_in(&app, &a, app::PASSWORD, "198.51.100.8").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "locked from 127.0.0.1");
    let s = sign_in(&app, &b, app::PASSWORD, "127.0.0.1").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "otto signs in from 127.0.0.2");
    let rows = tradebot::audit::query(app.store.pool(), &Default::default())
        .await
        .unwrap();
    let at = |action: &str| -> Vec<&str> {
        rows.iter()
            .filter(|r| r.action == action)
            .map(|r| r.ip.as_str())
            .collect()
    };
    assert_eq!(
        at("login_failed"),
        ["127.0.0.1"; 5],
        "the forged header is ignored"
    );
    assert_eq!(at("login_locked"), ["127.0.0.1"]);
    assert_eq!(at("login"), ["127.0.0.2"]);
}
