//! The dashboard in a real browser: headless Chromium (Debian's chromium + chromium-driver)
//! driven over WebDriver against the real app (real OpenBao, proxy, Docker). An operator signs
//! in, starts a paper bot from the form, watches it run and its log lines arrive, stops it and
//! reads why it stopped. Screenshots land in .stack/screenshots/.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness

#[path = "common/app.rs"]
mod app;
mod common;
#[path = "common/docker.rs"]
mod docker_harness;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::path::PathBuf;

use webdriver::Driver;

/// One browser test at a time: two Chromiums, two apps and two bots on a loaded 2-core machine
/// made the waits time out, though each test passes alone.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn shots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".stack/screenshots")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_starts_watches_and_stops_a_paper_bot_in_chromium() {
    let _one = ONE_BROWSER.lock().await;
    let app = app::spawn_app("br1", &[]).await;
    let web = Driver::start().await;

    web.goto(&format!("{}/bots/new", app.url)).await;
    // Not signed in: the page sends us to the login form.
    web.wait_for("input[name=password]", 30).await;
    assert!(web.url().await.ends_with("/login"), "{}", web.url().await);
    let login = format!("{}/login", app.url);
    web.sign_in(&login, "otto", app::PASSWORD, "#start-bot")
        .await;

    web.click("#start-bot").await;
    web.wait_for("#start-form", 30).await;
    // A bad parameter first: the form says what is wrong and nothing starts.
    web.type_into(
        "fieldset[data-type=market_maker] input[name='p.spread_bps']",
        "-3",
    )
    .await;
    web.click("#start-submit").await;
    let error = web.wait_text("#start-error", 30, |t| !t.is_empty()).await;
    assert!(error.contains("spread_bps"), "{error}");
    web.goto(&format!("{}/bots/new", app.url)).await;
    web.wait_for("#start-form", 30).await;
    web.click("#start-submit").await;
    // The form follows the start and lands on the bot's page once it is ready.
    let badge = web.wait_text("#bot-state", 60, |t| t == "running").await;
    assert_eq!(badge, "running");
    let bot_url = web.url().await;
    assert!(bot_url.contains("/bots/br1-demo-"), "{bot_url}");
    // Log lines arrive live over server-sent events: time, event, summary.
    let log = web
        .wait_text("#live-log", 30, |t| {
            t.contains("status") && t.contains("ready")
        })
        .await;
    assert!(log.contains("position"), "{log}");
    // The raw line is one click away.
    web.click("#live-log .log-line[data-kind=ready] .log-raw-toggle")
        .await;
    let raw = web
        .text("#live-log .log-line[data-kind=ready] .log-raw")
        .await;
    assert!(
        raw.contains("\"v\":1") && raw.contains("\"ready\""),
        "{raw}"
    );
    live_log_survives_a_reconnect_and_agrees_with_the_header(&web).await;
    web.screenshot(&shots().join("bot-detail.png")).await;
    web.window_size(390, 844).await;
    assert_fits_the_phone(&web).await;
    web.screenshot(&shots().join("bot-detail-390.png")).await;
    web.window_size(1440, 1000).await;

    web.goto(&format!("{}/", app.url)).await;
    let row = web
        .wait_text("#bots tbody tr", 30, |t| t.contains("running"))
        .await;
    assert!(
        row.contains("br1-demo") && row.contains("INJ/USDT"),
        "{row}"
    );
    web.screenshot(&shots().join("overview.png")).await;
    web.window_size(390, 844).await;
    assert_fits_the_phone(&web).await;
    web.screenshot(&shots().join("overview-390.png")).await;
    web.goto(&format!("{}/portfolio", app.url)).await;
    let team = web
        .wait_text("#team", 30, |t| t.to_lowercase().contains("team"))
        .await;
    assert!(team.contains('1'), "one bot running: {team}");
    assert_fits_the_phone(&web).await;
    web.screenshot(&shots().join("portfolio-390.png")).await;
    web.goto(&format!("{}/fills", app.url)).await;
    web.wait_for("#fills", 30).await;
    assert_fits_the_phone(&web).await;
    web.screenshot(&shots().join("fills-390.png")).await;
    web.goto(&format!("{}/bots/new", app.url)).await;
    web.wait_for("#start-form", 30).await;
    assert_fits_the_phone(&web).await;
    web.screenshot(&shots().join("start-form-390.png")).await;
    web.window_size(1440, 1000).await;
    for page in ["portfolio", "fills"] {
        web.goto(&format!("{}/{page}", app.url)).await;
        web.wait_for(&format!("#{page}"), 30).await;
        web.screenshot(&shots().join(format!("{page}.png"))).await;
    }

    web.goto(&bot_url).await;
    web.click("#stop-bot").await;
    // Removing the container removes a network interface on this host; Chromium may then
    // abort the form's pending answer with ERR_NETWORK_CHANGED. The stop goes on in the
    // dashboard: look at the bot's page again.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        let now = web
            .exec(
                "const b = document.querySelector('#bot-state'); return b ? b.textContent : document.body.innerText;",
                serde_json::json!([]),
            )
            .await;
        let now = now.as_str().unwrap_or_default();
        if now == "stopped" {
            break;
        }
        if now.contains("ERR_NETWORK_CHANGED") {
            web.goto(&bot_url).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    let badge = web.wait_text("#bot-state", 10, |t| t == "stopped").await;
    assert_eq!(badge, "stopped");
    let reason = web.text("#exit-reason").await;
    assert!(
        reason.contains("stopped by otto") && reason.contains("exit code 0"),
        "{reason}"
    );
    let last = web.text("#exit-log").await;
    assert!(last.contains("\"stopped\""), "{last}");
    web.screenshot(&shots().join("bot-stopped.png")).await;
    assert!(app.net.our_containers().is_empty());
}

/// What the bot page shows now: (ids of the log lines, duplicates the page dropped, the
/// header's figures, the last status line's raw JSON, the chart's hint).
const PAGE_STATE: &str = r##"
    const lines = Array.from(document.querySelectorAll("#live-log .log-line[data-id]"));
    const statuses = lines.filter((l) => l.dataset.kind === "status");
    const last = statuses.length ? statuses[statuses.length - 1].querySelector(".log-raw").textContent : null;
    return {
        ids: lines.map((l) => l.dataset.id),
        ready: lines.filter((l) => l.dataset.kind === "ready").length,
        dropped: window.tradebotLogDuplicates,
        position: document.querySelector("#position").textContent,
        realized: document.querySelector("#realized").textContent,
        unrealized: document.querySelector("#unrealized").textContent,
        pnl: document.querySelector("#pnl").textContent,
        chart: document.querySelector("#chart-hint").textContent,
        fills: Array.from(document.querySelectorAll("#fills tbody tr")).map((r) => r.dataset.key),
        last,
    };
"##;

/// Issue 16: the log has no duplicate after a forced SSE reconnect (the server resumes after
/// the last id: the page dropped nothing either), the stream goes on, and the header, the
/// chart and the last status line agree exactly.
async fn live_log_survives_a_reconnect_and_agrees_with_the_header(web: &Driver) {
    use rust_decimal::Decimal;
    let before = web.exec(PAGE_STATE, serde_json::json!([])).await;
    let n = before["ids"].as_array().unwrap().len();
    let last_id = web
        .exec(
            "return window.tradebotForceReconnect();",
            serde_json::json!([]),
        )
        .await;
    assert!(last_id.as_str().is_some_and(|s| !s.is_empty()), "{last_id}");
    // New status lines after the reconnect (one a second).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let after = loop {
        let now = web.exec(PAGE_STATE, serde_json::json!([])).await;
        if now["ids"].as_array().unwrap().len() >= n + 3 {
            break now;
        }
        assert!(std::time::Instant::now() < deadline, "no new lines: {now}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let ids: Vec<&str> = after["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let unique: std::collections::HashSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a duplicate line: {ids:?}");
    assert_eq!(after["dropped"], 0, "the server sent a line twice");
    assert_eq!(after["ready"], 1, "{after}");
    let fills: Vec<&serde_json::Value> = after["fills"].as_array().unwrap().iter().collect();
    let distinct: std::collections::HashSet<String> = fills.iter().map(|f| f.to_string()).collect();
    assert_eq!(distinct.len(), fills.len(), "a fill shown twice: {fills:?}");
    // One status event feeds every figure.
    let last: serde_json::Value = serde_json::from_str(after["last"].as_str().unwrap()).unwrap();
    let dec = |v: &serde_json::Value| v.as_str().unwrap().parse::<Decimal>().unwrap();
    let total = (dec(&last["realized_pnl"]) + dec(&last["unrealized_pnl"])).normalize();
    assert_eq!(after["position"], last["position"], "{after}");
    assert_eq!(after["realized"], last["realized_pnl"], "{after}");
    assert_eq!(after["unrealized"], last["unrealized_pnl"], "{after}");
    assert_eq!(
        dec(&after["pnl"]).normalize(),
        total,
        "header total against the status line: {after}"
    );
    let chart = after["chart"].as_str().unwrap();
    let chart_last = chart
        .split("last ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert_eq!(
        chart_last.parse::<Decimal>().unwrap().normalize(),
        total,
        "{chart}"
    );
}

/// Nothing wider than the phone's screen: the page does not scroll sideways.
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

/// Issue 15, second factor: an operator enrols TOTP on the Account page (the otpauth URL read
/// from the page, codes computed from it as an authenticator app would), signs out, and signs
/// in again with password then code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_enrols_totp_and_signs_in_with_a_code_in_chromium() {
    let _one = ONE_BROWSER.lock().await;
    let app = app::spawn_app("br2", &[]).await;
    let web = Driver::start().await;
    // Signed in, or the second step (a code or a passkey) shown.
    let login = format!("{}/login", app.url);
    let sign_in = || {
        web.sign_in(
            &login,
            "otto",
            app::PASSWORD,
            "#start-bot, input[name=code], #passkey-signin",
        )
    };
    sign_in().await;
    web.wait_for("#start-bot", 30).await;
    web.goto(&format!("{}/account", app.url)).await;
    web.click("form[action=\"/account/second-factor\"] button")
        .await;
    web.wait_for("#otpauth", 30).await;
    let source = web.source().await;
    let from = source.find("id=\"otpauth\"").expect("otpauth field");
    let value = &source[from..];
    let value = &value[value.find("value=\"").unwrap() + 7..];
    let url = value[..value.find('"').unwrap()].replace("&amp;", "&");
    let totp = totp_rs::Totp::from_url(&url).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    web.type_into("input[name=code]", &totp.generate(now).to_string())
        .await;
    web.click("form[action=\"/account/second-factor/confirm\"] button")
        .await;
    web.wait_for("#recovery-codes", 30).await;
    web.screenshot(&shots().join("totp-recovery-codes.png"))
        .await;

    web.click("form[action=\"/logout\"] button").await;
    web.wait_for("input[name=password]", 30).await;
    sign_in().await;
    // The password opens only the code form; the next period's code (Vault allows one period
    // of skew) is one not used yet.
    web.wait_for("input[name=code]", 30).await;
    assert!(
        web.url().await.ends_with("/login/code"),
        "{}",
        web.url().await
    );
    web.type_into("input[name=code]", &totp.generate(now + 30).to_string())
        .await;
    web.click("button[type=submit]").await;
    web.wait_for("#start-bot", 30).await;
}

/// Issue 15, second factor: an operator registers a passkey on the Account page with Chromium's
/// virtual authenticator (WebDriver's WebAuthn extension; rp id `localhost`, origin the
/// dashboard's https URL), signs out, and signs in again with password then passkey.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_registers_a_passkey_and_signs_in_with_it_in_chromium() {
    let _one = ONE_BROWSER.lock().await;
    let app = app::spawn_app("br3", &[]).await;
    let web = Driver::start().await;
    let authenticator = web.add_virtual_authenticator().await;
    // Signed in, or the second step (a code or a passkey) shown.
    let login = format!("{}/login", app.url);
    let sign_in = || {
        web.sign_in(
            &login,
            "otto",
            app::PASSWORD,
            "#start-bot, input[name=code], #passkey-signin",
        )
    };
    sign_in().await;
    web.wait_for("#start-bot", 30).await;
    web.goto(&format!("{}/account", app.url)).await;
    web.type_into("#passkey-name", "virtual key").await;
    web.click("#passkey-add").await;
    let row = web
        .wait_text("#passkeys tbody tr", 30, |t| t.contains("virtual key"))
        .await;
    assert!(row.contains("never"), "not used yet: {row}");
    let creds = web.authenticator_credentials(&authenticator).await;
    assert_eq!(creds.len(), 1, "{creds:?}");
    assert_eq!(creds[0]["rpId"], "localhost", "{creds:?}");
    web.screenshot(&shots().join("passkey-registered.png"))
        .await;

    web.click("form[action=\"/logout\"] button").await;
    web.wait_for("input[name=password]", 30).await;
    sign_in().await;
    // The password opens only the second step; with a passkey and no TOTP it offers the
    // passkey alone.
    web.wait_for("#passkey-signin", 30).await;
    assert!(
        web.url().await.ends_with("/login/code"),
        "{}",
        web.url().await
    );
    assert!(web.find("input[name=code]").await.is_none());
    web.click("#passkey-signin").await;
    web.wait_for("#start-bot", 30).await;
    let creds = web.authenticator_credentials(&authenticator).await;
    assert!(
        creds[0]["signCount"].as_u64().unwrap_or(0) >= 1,
        "the authenticator signed: {creds:?}"
    );
    web.goto(&format!("{}/account", app.url)).await;
    let row = web
        .wait_text("#passkeys tbody tr", 30, |t| !t.is_empty())
        .await;
    assert!(!row.contains("never"), "last use recorded: {row}");
}
