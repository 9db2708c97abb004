//! The `/alerts` page in headless Chromium against the real app (real OpenBao, proxy,
//! Docker): an admin adds a webhook target pointing at a local receiver (plain http, allowed
//! by `alerts.dangerous_allow_plain_http_webhooks`), sees it listed by its host only, presses
//! "Send test" and the receiver gets the test; a URL that is not https is refused with the
//! sentence on the page and nothing listed; the target is removed. Screenshots at desktop and
//! 390 px widths land in .stack/screenshots/.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness

#[path = "common/app.rs"]
mod app;
mod common;
#[path = "common/docker.rs"]
mod docker_harness;
#[path = "common/alerts.rs"]
mod support;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use support::Receiver;
use webdriver::Driver;

fn shots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".stack/screenshots")
}

async fn assert_fits_the_phone(web: &Driver) {
    let w = web
        .exec(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            serde_json::json!([]),
        )
        .await;
    let (scroll, inner) = (w[0].as_u64().unwrap(), w[1].as_u64().unwrap());
    assert!(
        scroll <= inner,
        "the page is {scroll} px wide on a {inner} px screen"
    );
}

/// The names in the targets table (none when the page says there is no target).
async fn listed(web: &Driver) -> Vec<String> {
    let v = web
        .exec(
            "return [...document.querySelectorAll('#alert-targets tbody tr td:first-child')].map(td => td.textContent.trim());",
            serde_json::json!([]),
        )
        .await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_owned())
        .collect()
}

async fn add_target(web: &Driver, name: &str, url: &str) {
    web.type_into("#alert-add input[name=name]", name).await;
    web.select("#alert-add select[name=format]", "json").await;
    web.type_into("#alert-add input[name=url]", url).await;
    web.click("#alert-add button[type=submit]").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_adds_tests_and_removes_a_webhook_in_chromium() {
    let (rx, url) = Receiver::start(0).await;
    let app = app::spawn_app_with("ab1", &[], |s| {
        s.alerts.dangerous_allow_plain_http_webhooks = true;
    })
    .await;
    let web = Driver::start().await;
    let login = format!("{}/login", app.url);
    web.sign_in(&login, "ada", app::PASSWORD, "nav").await;
    web.goto(&format!("{}/alerts", app.url)).await;
    web.wait_for("#alert-add", 30).await;
    assert!(listed(&web).await.is_empty());

    add_target(&web, "ops-room", &url).await;
    let notice = web
        .wait_text("#alerts-notice", 30, |t| t.contains("added"))
        .await;
    assert_eq!(notice, "Target added.");
    assert_eq!(listed(&web).await, ["ops-room"]);
    let host = url.split("/hook/").next().unwrap();
    let row = web.text("#alert-targets tbody tr").await;
    assert!(row.contains(&format!("{host}/…")), "{row}");
    let html = web
        .exec(
            "return document.documentElement.outerHTML;",
            serde_json::json!([]),
        )
        .await;
    let html = html.as_str().unwrap();
    assert!(
        !html.contains("WEBHOOKSECRET") && !html.contains("/hook/"),
        "the page shows the host only"
    );

    web.click("button[aria-label='send a test to ops-room']")
        .await;
    let notice = web
        .wait_text("#alerts-notice", 30, |t| t.contains("Test"))
        .await;
    assert!(notice.starts_with("Test delivered to ops-room"), "{notice}");
    let until = Instant::now() + Duration::from_secs(10);
    while rx.with_rule("test").is_empty() && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = rx.with_rule("test");
    assert_eq!(got.len(), 1, "the receiver got the test");
    assert_eq!(got[0].1["subject"], "ops-room");
    assert!(
        got[0].1["text"].as_str().unwrap().contains("ada"),
        "{}",
        got[0].1
    );
    web.screenshot(&shots().join("alerts.png")).await;

    // Not https: refused, the sentence on the page, nothing more listed.
    add_target(&web, "insecure", "ftp://127.0.0.1/hook/WEBHOOKSECRET").await;
    let error = web.wait_text("#alerts-error", 30, |t| !t.is_empty()).await;
    assert_eq!(error, "url: must be https");
    assert_eq!(listed(&web).await, ["ops-room"]);
    web.window_size(390, 844).await;
    assert_fits_the_phone(&web).await;
    web.screenshot(&shots().join("alerts-390.png")).await;
    web.window_size(1440, 1000).await;

    web.click("button[aria-label='remove ops-room']").await;
    let notice = web
        .wait_text("#alerts-notice", 30, |t| t.contains("removed"))
        .await;
    assert_eq!(notice, "Target removed.");
    assert!(listed(&web).await.is_empty());
    let hint = web.text("main").await;
    assert!(hint.contains("No target yet"), "{hint}");
}
