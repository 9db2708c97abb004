//! Presets over HTTPS, black-box against the real app (real OpenBao, proxy, Docker): save,
//! list, replace, remove; every refusal a 4xx sentence naming the field with nothing saved;
//! the audit trail of each; a start from a preset by name alone runs the preset's parameters
//! and its audit row says which preset it came from.
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

use app::{spawn_app, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tradebot::audit::{query, Filter, Record};

fn preset(name: &str, market: &str, bot_type: &str, params: Value) -> Value {
    json!({ "name": name, "market": market, "bot_type": bot_type, "params": params })
}

async fn post(app: &TestApp, token: &str, body: &Value) -> (StatusCode, Value) {
    app.call(
        app.request(Method::POST, "/api/presets", Some(token))
            .json(body),
    )
    .await
}

async fn listed(app: &TestApp, path: &str) -> Vec<Value> {
    let (s, v) = app
        .call(app.request(Method::GET, path, Some(&app.viewer)))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_array().unwrap().clone()
}

async fn audit(app: &TestApp, action: &str) -> Vec<Record> {
    let f = Filter {
        action: Some(action.into()),
        ..Filter::default()
    };
    let mut rows = query(app.store.pool(), &f).await.unwrap();
    rows.reverse();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presets_are_saved_refused_replaced_removed_and_audited() {
    let app = spawn_app("ps1", &[]).await;
    let (v, o) = (app.viewer.clone(), app.operator.clone());
    let grid = json!({"levels": 4, "range_pct": "2"});

    // Viewers read, never write.
    assert!(listed(&app, "/api/presets").await.is_empty());
    let (s, e) = post(&app, &v, &preset("Tight", "INJ/USDT", "grid", grid.clone())).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");

    let (s, saved) = post(&app, &o, &preset("Tight", "INJ/USDT", "grid", grid.clone())).await;
    assert_eq!(s, StatusCode::CREATED, "{saved}");
    let id = saved["preset"]["id"].as_i64().unwrap();
    assert_eq!(saved["preset"]["params"], grid);
    assert_eq!(saved["preset"]["created_by"], "otto");
    let inj = listed(&app, "/api/presets?market=INJ/USDT").await;
    assert_eq!(inj, vec![saved["preset"].clone()]);
    assert!(listed(&app, "/api/presets?market=TIA/USDT")
        .await
        .is_empty());

    // Refusals: a sentence naming the field, nothing saved.
    let secret = "abandon ability able about above absent absorb abstract absurd";
    let long = "n".repeat(41);
    let refused: Vec<(Value, StatusCode, &str)> = vec![
        (
            preset(
                "Wide",
                "INJ/USDT",
                "market_maker",
                json!({"spread_bps": "-5"}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "spread_bps",
        ),
        (
            preset("Wide", "INJ/USDT", "grid", json!({"levels": 0})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "levels",
        ),
        (
            preset("Wide", "INJ/USDT", "grid", json!({"colour": "red"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "colour",
        ),
        (
            preset(
                "Wide",
                "INJ/USDT",
                "market_maker",
                json!({"spread_bps": secret}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "spread_bps",
        ),
        (
            preset("Wide", "BTC/USDT", "grid", json!({})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "market BTC/USDT is not configured",
        ),
        (
            preset("Wide", "INJ/USDT", "hodl", json!({})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown bot type",
        ),
        (
            preset(&long, "INJ/USDT", "grid", json!({})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name: 41 characters",
        ),
        (
            preset("a/b", "INJ/USDT", "grid", json!({})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name: '/'",
        ),
        (
            preset("Tight", "INJ/USDT", "grid", json!({"levels": 9})),
            StatusCode::CONFLICT,
            "name: a preset named \"Tight\" exists for INJ/USDT",
        ),
        (
            json!({"name": "Wide", "market": "INJ/USDT"}),
            StatusCode::BAD_REQUEST,
            "bot_type",
        ),
    ];
    for (body, status, says) in &refused {
        let (s, e) = post(&app, &o, body).await;
        assert_eq!(s, *status, "{body}: {e}");
        let msg = e["error"].as_str().unwrap();
        assert!(msg.contains(says), "{body}: {msg:?} should say {says:?}");
    }
    let all = listed(&app, "/api/presets").await;
    assert_eq!(
        all,
        vec![saved["preset"].clone()],
        "nothing saved on a refusal"
    );

    // Replacing is explicit: same id, new parameters, a newer update time.
    let mut again = preset("Tight", "INJ/USDT", "grid", json!({"levels": 6}));
    again["overwrite"] = json!(true);
    let (s, replaced) = post(&app, &o, &again).await;
    assert_eq!(s, StatusCode::OK, "{replaced}");
    assert_eq!(replaced["preset"]["id"], id);
    assert_eq!(replaced["preset"]["params"], json!({"levels": 6}));
    assert!(replaced["preset"]["updated_ms"].as_i64() >= saved["preset"]["updated_ms"].as_i64());

    // The audit trail: two saves with the parameters, every refusal denied, no free text kept.
    let saves = audit(&app, "preset_save").await;
    let ok: Vec<&Record> = saves.iter().filter(|r| r.result == "ok").collect();
    assert_eq!(ok.len(), 2, "{saves:?}");
    let first: Value = serde_json::from_str(&ok[0].details).unwrap();
    assert_eq!(
        (
            &first["name"],
            &first["market"],
            &first["bot_type"],
            &first["params"]
        ),
        (&json!("Tight"), &json!("INJ/USDT"), &json!("grid"), &grid)
    );
    assert_eq!(
        (ok[0].actor.as_str(), ok[0].target.as_str()),
        ("otto", "Tight")
    );
    let second: Value = serde_json::from_str(&ok[1].details).unwrap();
    assert_eq!(second["replaced"], true);
    let denied = saves.iter().filter(|r| r.result == "denied").count();
    assert_eq!(denied, refused.len(), "{saves:?}");
    assert!(
        saves.iter().all(|r| !r.details.contains("abandon")),
        "{saves:?}"
    );

    start_from_a_preset(&app).await;

    // Removal: operators only, audited with what was removed; a second time is a 404.
    let path = format!("/api/presets/{id}");
    let (s, _) = app.call(app.request(Method::DELETE, &path, Some(&v))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, e) = app.call(app.request(Method::DELETE, &path, Some(&o))).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{e}");
    let (s, e) = app.call(app.request(Method::DELETE, &path, Some(&o))).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    assert!(e["error"].as_str().unwrap().contains("no preset"), "{e}");
    assert!(listed(&app, "/api/presets").await.is_empty());
    let deletes = audit(&app, "preset_delete").await;
    assert_eq!(deletes.len(), 2, "{deletes:?}");
    assert_eq!(
        (deletes[0].result.as_str(), deletes[1].result.as_str()),
        ("ok", "denied")
    );
    let removed: Value = serde_json::from_str(&deletes[0].details).unwrap();
    assert_eq!(removed["params"], json!({"levels": 6}), "{removed}");
    assert_eq!(removed["market"], "INJ/USDT");
}

/// `preset` without `params`: the preset's parameters run, and the start's audit row names
/// the preset. A preset of another market or bot type is refused before anything starts.
async fn start_from_a_preset(app: &TestApp) {
    let o = &app.operator;
    let wallet = app.demo_wallet("ps1");
    let body = |market: &str, bot_type: &str, name: &str| json!({ "wallet": wallet, "market": market, "bot_type": bot_type, "preset": name });
    for (b, says) in [
        (
            body("INJ/USDT", "grid", "Nope"),
            "no preset \"Nope\" for market INJ/USDT",
        ),
        (
            body("INJ/USDT-PERP", "grid", "Tight"),
            "no preset \"Tight\" for market INJ/USDT-PERP",
        ),
        (
            body("INJ/USDT", "twap", "Tight"),
            "\"Tight\" is a grid preset, not twap",
        ),
        (body("INJ/USDT", "grid", "a/b"), "preset name: '/'"),
    ] {
        let (s, e) = app.start(o, &b).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["error"].as_str().unwrap().contains(says), "{e}");
    }
    assert!(app.net.our_containers().is_empty(), "nothing started");

    let (s, bot) = app.start(o, &body("INJ/USDT", "grid", "Tight")).await;
    assert_eq!(s, StatusCode::CREATED, "{bot}");
    let id = bot["bot_id"].as_str().unwrap().to_owned();
    let (_, detail) = app
        .call(app.request(Method::GET, &format!("/api/bots/{id}"), Some(o)))
        .await;
    assert_eq!(detail["params"], json!({"levels": 6}), "{detail}");
    let starts = audit(app, "bot_start").await;
    let row = starts
        .iter()
        .find(|r| r.target == id && r.result == "ok")
        .unwrap();
    let details: Value = serde_json::from_str(&row.details).unwrap();
    assert_eq!(details["preset"], "Tight", "{details}");
    assert_eq!(details["params"], json!({"levels": 6}), "{details}");
    let refused = starts.iter().filter(|r| r.result == "denied").count();
    assert_eq!(refused, 4, "{starts:?}");
    let (s, stopped) = app
        .call(app.request(Method::POST, &format!("/api/bots/{id}/stop"), Some(o)))
        .await;
    assert_eq!(s, StatusCode::OK, "{stopped}");
}
