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
    web.type_into("input[name=name]", "otto").await;
    web.type_into("input[name=password]", app::PASSWORD).await;
    web.click("button[type=submit]").await;
    web.wait_for("#start-bot", 30).await;

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
    // Log lines arrive live over server-sent events.
    let log = web
        .wait_text("#live-log", 30, |t| {
            t.contains("\"status\"") && t.contains("\"ready\"")
        })
        .await;
    assert!(log.contains("\"v\":1"), "{log}");
    web.screenshot(&shots().join("bot-detail.png")).await;

    web.goto(&format!("{}/", app.url)).await;
    let row = web
        .wait_text("#bots tbody tr", 30, |t| t.contains("running"))
        .await;
    assert!(
        row.contains("br1-demo") && row.contains("INJ/USDT"),
        "{row}"
    );
    web.screenshot(&shots().join("overview.png")).await;

    web.goto(&bot_url).await;
    web.click("#stop-bot").await;
    let badge = web.wait_text("#bot-state", 60, |t| t == "stopped").await;
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

/// Issue 15, second factor: an operator enrols TOTP on the Account page (the otpauth URL read
/// from the page, codes computed from it as an authenticator app would), signs out, and signs
/// in again with password then code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_enrols_totp_and_signs_in_with_a_code_in_chromium() {
    let _one = ONE_BROWSER.lock().await;
    let app = app::spawn_app("br2", &[]).await;
    let web = Driver::start().await;
    let sign_in = || async {
        web.goto(&format!("{}/login", app.url)).await;
        web.wait_for("input[name=password]", 30).await;
        web.type_into("input[name=name]", "otto").await;
        web.type_into("input[name=password]", app::PASSWORD).await;
        web.click("button[type=submit]").await;
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
    let sign_in = || async {
        web.goto(&format!("{}/login", app.url)).await;
        web.wait_for("input[name=password]", 30).await;
        web.type_into("input[name=name]", "otto").await;
        web.type_into("input[name=password]", app::PASSWORD).await;
        web.click("button[type=submit]").await;
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
