//! What the dashboard says about a bot, against the real stack (`Application::build` over
//! HTTPS, real OpenBao, the socket proxy and the Docker engine, paper bots in containers):
//! - a bot that halted itself on a risk limit shows `halted`, not `running`, on every surface
//!   (API, pages, metrics), with the limit as its reason;
//! - a stop whose request goes away (the browser left the page) still stops the bot and still
//!   writes its audit entry.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness

#[path = "common/app.rs"]
mod app;
mod common;
#[path = "common/docker.rs"]
mod docker_harness;

use std::time::Duration;

use app::{spawn_app, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn bot(app: &TestApp, id: &str, token: &str) -> Value {
    let path = format!("/api/bots/{id}");
    app.call(app.request(Method::GET, &path, Some(token)))
        .await
        .1["bot"]
        .clone()
}

/// Polls the bot until `done` holds (at most 30 s), returning its last view.
async fn wait_for(app: &TestApp, id: &str, token: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut b = Value::Null;
    for _ in 0..300 {
        b = bot(app, id, token).await;
        if done(&b) {
            return b;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("bot {id} never got there: {b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_halted_by_a_risk_limit_shows_halted_everywhere_and_a_running_one_does_not() {
    let app = spawn_app("bs1", &["bs1-w2"]).await;
    let o = app.operator.clone();
    let wallet = app.demo_wallet("bs1");
    // Its first order (about 1 USDT) is over a 0.0001 USDT order limit: it halts at once.
    let body = json!({"wallet": wallet, "market": "INJ/USDT", "bot_type": "market_maker",
        "params": {"risk": {"max_order_notional": "0.0001"}}});
    let (s, halted) = app.start(&o, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{halted}");
    let id = halted["bot_id"].as_str().unwrap().to_owned();
    // A neighbour within limits, on another wallet, stays `running`.
    let body = json!({"wallet": "bs1-w2", "market": "INJ/USDT", "bot_type": "market_maker",
        "params": {"spread_bps": "20"}});
    let (s, fine) = app.start(&o, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{fine}");
    let fine_id = fine["bot_id"].as_str().unwrap().to_owned();

    let b = wait_for(&app, &id, &o, |b| b["shown_state"] == "halted").await;
    assert_eq!(
        b["state"], "running",
        "the lifecycle state stays running: {b}"
    );
    let reason = b["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("max_order_notional") && reason.contains("Stop it"),
        "{b}"
    );
    let f = wait_for(&app, &fine_id, &o, |b| b["last_status"].is_object()).await;
    assert_eq!(
        (f["state"].as_str(), f["shown_state"].as_str()),
        (Some("running"), Some("running")),
        "{f}"
    );

    let page = app.get_text(&format!("/bots/{id}"), Some(&o)).await;
    assert!(
        page.contains(r#"<span class="badge badge-halted" id="bot-state">halted</span>"#),
        "the bot page's badge"
    );
    let list = app.get_text("/", Some(&o)).await;
    assert!(list.contains("badge-halted"), "the bots list's badge");
    let metrics = app.get_text("/metrics", Some(&o)).await;
    let halted_line = |bot: &str, v: u8| {
        metrics.lines().any(|l| {
            l.starts_with(&format!("tradebot_bot_halted{{bot_id=\"{bot}\","))
                && l.ends_with(&format!("}} {v}"))
        })
    };
    assert!(halted_line(&id, 1) && halted_line(&fine_id, 0), "{metrics}");

    // Stop works on it as on any running bot; stopped, it shows `stopped`.
    let (s, stopped) = app
        .call(app.request(Method::POST, &format!("/api/bots/{id}/stop"), Some(&o)))
        .await;
    assert_eq!(s, StatusCode::OK, "{stopped}");
    assert_eq!(stopped["shown_state"], "stopped", "{stopped}");
    app.call(app.request(Method::POST, &format!("/api/bots/{fine_id}/stop"), Some(&o)))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_whose_request_goes_away_still_stops_the_bot_and_is_audited() {
    let app = spawn_app("bs2", &[]).await;
    let o = app.operator.clone();
    let wallet = app.demo_wallet("bs2");
    let body = json!({"wallet": wallet, "market": "INJ/USDT", "bot_type": "grid",
        "params": {}});
    let (s, b) = app.start(&o, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let id = b["bot_id"].as_str().unwrap().to_owned();
    wait_for(&app, &id, &o, |b| b["state"] == "running").await;

    // The client gives up after 50 ms, long before the container is stopped and removed (the
    // bot cancels its orders on SIGTERM first): the request goes away mid-stop, as when a
    // browser leaves the page. The connection is already open (HTTP/2 over the same client),
    // so the request reaches the dashboard well within that time.
    let stop = app
        .request(Method::POST, &format!("/api/bots/{id}/stop"), Some(&o))
        .timeout(Duration::from_millis(50))
        .send()
        .await;
    let err = stop.expect_err("the request must go away before the stop ends");
    assert!(err.is_timeout(), "{err}");

    let b = wait_for(&app, &id, &o, |b| b["state"] == "stopped").await;
    assert!(
        b["reason"].as_str().unwrap_or_default().contains("otto"),
        "{b}"
    );
    let mut audited = false;
    for _ in 0..100 {
        let csv = app.get_text("/audit.csv", Some(&o)).await;
        if csv.lines().any(|l| l.contains(&format!(",bot_stop,{id},"))) {
            audited = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(audited, "the stop of a request that went away is audited");
}
