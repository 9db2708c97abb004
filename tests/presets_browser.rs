//! Presets in a real browser (headless Chromium over WebDriver, the real app with OpenBao,
//! proxy and Docker): an operator saves the start form's fields as a preset, reloads the form,
//! picks the preset, sees the fields filled, starts a paper bot from it, and the bot runs
//! exactly the preset's parameters. Screenshots land in .stack/screenshots/.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness

#[path = "common/app.rs"]
mod app;
mod common;
#[path = "common/docker.rs"]
mod docker_harness;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use webdriver::Driver;

fn shots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".stack/screenshots")
}

const MM: &str = "fieldset[data-type=market_maker]";

/// The market maker's non-empty inputs, `[[name, value], ...]` sorted by name, as the page
/// holds them.
async fn filled(web: &Driver) -> Value {
    web.exec(
        "return Array.from(document.querySelectorAll(arguments[0] + \" [name^='p.']\"))\
           .filter((e) => e.value.trim() !== '' && e.tagName === 'INPUT').map((e) => [e.name, e.value]).sort();",
        json!([MM]),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_saves_a_preset_and_starts_a_paper_bot_from_it_in_chromium() {
    let app = app::spawn_app("pb1", &[]).await;
    let web = Driver::start().await;
    let login = format!("{}/login", app.url);
    web.sign_in(&login, "otto", app::PASSWORD, "#start-bot")
        .await;
    web.goto(&format!("{}/bots/new", app.url)).await;
    web.wait_for("#start-form", 30).await;

    // A bad name: the form says why, and nothing is saved.
    web.type_into(&format!("{MM} input[name='p.spread_bps']"), "35")
        .await;
    web.type_into(&format!("{MM} input[name='p.levels']"), "3")
        .await;
    web.type_into(&format!("{MM} input[name='p.inventory_skew_bps']"), "15")
        .await;
    web.type_into("#preset-name", "night/mm").await;
    web.click("#preset-save").await;
    let note = web
        .wait_text("#preset-note", 30, |t| t.starts_with("name:"))
        .await;
    assert!(note.contains("not allowed"), "{note}");
    let (s, none) = app
        .call(app.request(Method::GET, "/api/presets", Some(&app.operator)))
        .await;
    assert_eq!((s, none), (StatusCode::OK, json!([])));

    web.exec(
        "document.querySelector('#preset-name').value = '';",
        json!([]),
    )
    .await;
    web.type_into("#preset-name", "Night MM").await;
    web.click("#preset-save").await;
    web.wait_text("#preset-note", 30, |t| t.contains("Saved preset Night MM"))
        .await;
    let (_, list) = app
        .call(app.request(
            Method::GET,
            "/api/presets?market=INJ/USDT",
            Some(&app.operator),
        ))
        .await;
    let saved = list[0]["params"].clone();
    assert_eq!(
        saved,
        json!({"spread_bps": "35", "levels": 3, "inventory_skew_bps": "15"}),
        "{list}"
    );

    // A fresh form is empty until the preset is picked; then its fields are the preset's.
    web.goto(&format!("{}/bots/new", app.url)).await;
    web.wait_for("#preset option[value='Night MM']", 30).await;
    assert_eq!(filled(&web).await, json!([]));
    web.select("#preset", "Night MM").await;
    let fields = filled(&web).await;
    assert_eq!(
        fields,
        json!([
            ["p.inventory_skew_bps", "15"],
            ["p.levels", "3"],
            ["p.spread_bps", "35"]
        ]),
    );
    let note = web.text("#preset-note").await;
    assert!(note.contains("Filled from preset Night MM"), "{note}");
    web.screenshot(&shots().join("start-form-preset.png")).await;
    web.window_size(390, 844).await;
    // The preset, its note and the filled fields in view.
    web.exec(
        "document.querySelector('#presets').scrollIntoView();",
        json!([]),
    )
    .await;
    let w = web
        .exec(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            json!([]),
        )
        .await;
    assert!(
        w[0].as_u64() <= w[1].as_u64(),
        "the form is wider than the phone: {w}"
    );
    web.screenshot(&shots().join("start-form-preset-390.png"))
        .await;
    web.window_size(1440, 1000).await;

    // Start from it: the bot runs the preset's parameters, and the start names the preset.
    web.click("#start-submit").await;
    let badge = web.wait_text("#bot-state", 90, |t| t == "running").await;
    assert_eq!(badge, "running");
    let bot_url = web.url().await;
    let id = bot_url.rsplit('/').next().unwrap().to_owned();
    let (s, detail) = app
        .call(app.request(Method::GET, &format!("/api/bots/{id}"), Some(&app.operator)))
        .await;
    assert_eq!(s, StatusCode::OK, "{detail}");
    assert_eq!(detail["params"], saved, "{detail}");
    let rows = tradebot::audit::query(app.store.pool(), &Default::default())
        .await
        .unwrap();
    let start = rows
        .iter()
        .find(|r| r.action == "bot_start" && r.target == id)
        .expect("start audited");
    let details: Value = serde_json::from_str(&start.details).unwrap();
    assert_eq!(details["preset"], "Night MM", "{details}");
    web.screenshot(&shots().join("bot-from-preset.png")).await;

    let (s, stopped) = app
        .call(app.request(
            Method::POST,
            &format!("/api/bots/{id}/stop"),
            Some(&app.operator),
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{stopped}");
}
