//! Just enough W3C WebDriver to drive headless Chromium through Debian's chromedriver: new
//! session, navigate, find, click, type, read text, run a script, screenshot. (fantoccini, the
//! library for this, only offers TLS stacks that need OpenSSL or aws-lc C builds; chromedriver
//! on loopback needs no TLS at all, and these eight calls are the whole protocol we use.)
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

/// The element reference key of the W3C protocol.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Driver {
    child: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Driver {
    /// Starts chromedriver and a headless Chromium session. The dashboard's dev certificate is
    /// signed by a CA Chromium does not know; this throwaway test profile ignores that (the
    /// TLS setup itself is tested with curl and reqwest against the real CA).
    pub async fn start() -> Self {
        let port = free_port();
        let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let child = Command::new(&bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin} (install chromium-driver): {e}"));
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "acceptInsecureCerts": true,
            "goog:chromeOptions": { "args": [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1440,1000"
            ] }
        } } });
        let v: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {v}"))
            .to_owned();
        Self {
            child,
            base,
            session,
            http,
        }
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        v["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    pub async fn url(&self) -> String {
        self.cmd(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The element matching `css`, if any now.
    pub async fn find(&self, css: &str) -> Option<String> {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        v[ELEMENT].as_str().map(str::to_owned)
    }

    /// Waits up to `secs` for `css` to exist.
    pub async fn wait_for(&self, css: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(e) = self.find(css).await {
                return e;
            }
            assert!(
                Instant::now() < deadline,
                "{css} did not appear on {}: {}\n-- the page's text: {}",
                self.url().await,
                self.source().await,
                self.body_text().await.chars().take(500).collect::<String>()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The text of the page's body (empty while there is none).
    pub async fn body_text(&self) -> String {
        let v = self
            .exec(
                "return document.body ? document.body.innerText : '';",
                json!([]),
            )
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// Whether the page is Chromium's error page for `ERR_NETWORK_CHANGED`. Chromium runs on
    /// the Docker host, where every container a test starts or removes adds or removes a
    /// network interface; Chromium then aborts the navigation in flight (a form's answer, a
    /// redirect) with that error. The request may or may not have reached the dashboard.
    pub async fn network_changed(&self) -> bool {
        self.body_text().await.contains("ERR_NETWORK_CHANGED")
    }

    /// Signs in on the login form at `login_url` as `name`, then waits for `then_css` (a CSS
    /// selector list: `"#start-bot, input[name=code]"`). A sign-in aborted by
    /// [`Driver::network_changed`] is tried again, up to 3 times (signing in twice is
    /// harmless); any other failure fails as [`Driver::wait_for`] does.
    pub async fn sign_in(&self, login_url: &str, name: &str, password: &str, then_css: &str) {
        for _ in 0..3 {
            self.goto(login_url).await;
            self.wait_for("input[name=password]", 30).await;
            self.type_into("input[name=name]", name).await;
            self.type_into("input[name=password]", password).await;
            self.click("button[type=submit]").await;
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if self.find(then_css).await.is_some() {
                    return;
                }
                if self.network_changed().await {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        self.wait_for(then_css, 1).await;
    }

    /// The page's HTML (for failure messages), cut short.
    pub async fn source(&self) -> String {
        let v = self.cmd(reqwest::Method::GET, "/source", None).await;
        let html = v.as_str().unwrap_or_default();
        // The interesting part is the page's main content, not its head.
        let main = html.find("<main").map_or(html, |i| &html[i..]);
        main.chars().take(2000).collect()
    }

    pub async fn click(&self, css: &str) {
        let e = self.wait_for(css, 10).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            Some(json!({})),
        )
        .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let e = self.wait_for(css, 10).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    pub async fn text(&self, css: &str) -> String {
        let e = self.wait_for(css, 10).await;
        self.cmd(reqwest::Method::GET, &format!("/element/{e}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits until the text of `css` satisfies `ok`; returns it.
    pub async fn wait_text(&self, css: &str, secs: u64, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if self.find(css).await.is_some() {
                let t = self.text(css).await;
                if ok(&t) {
                    return t;
                }
            }
            assert!(
                Instant::now() < deadline,
                "text of {css} never matched on {}",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Adds a virtual CTAP2 authenticator to this browser (WebDriver's WebAuthn extension,
    /// `POST /session/{id}/webauthn/authenticator`): a platform authenticator that holds
    /// discoverable credentials and verifies its user; returns its id.
    pub async fn add_virtual_authenticator(&self) -> String {
        let options = json!({
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": true,
            "hasUserVerification": true, "isUserVerified": true, "isUserConsenting": true
        });
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/webauthn/authenticator",
                Some(options),
            )
            .await;
        v.as_str()
            .unwrap_or_else(|| panic!("no virtual authenticator: {v}"))
            .to_owned()
    }

    /// The credentials a virtual authenticator holds (`credentialId`, `rpId`, `signCount`...).
    pub async fn authenticator_credentials(&self, authenticator: &str) -> Vec<Value> {
        let path = format!("/webauthn/authenticator/{authenticator}/credentials");
        let v = self.cmd(reqwest::Method::GET, &path, None).await;
        v.as_array().cloned().unwrap_or_default()
    }

    pub async fn screenshot(&self, path: &std::path::Path) {
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }

    /// Chooses `value` in the `<select>` matched by `css` (clicks its option).
    pub async fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value='{value}']")).await;
    }

    /// Calls the dashboard's JSON API from the page, with its session cookie and CSRF token as
    /// the page's own script does; returns (HTTP status, body as JSON or `{"text": ...}`).
    pub async fn api(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let script = r#"
            const [method, path, body, done] = arguments;
            const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
            fetch(path, { method, credentials: "same-origin",
                          headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" },
                          body: body === null ? undefined : JSON.stringify(body) })
              .then(async r => done([r.status, await r.text()]))
              .catch(e => done([0, String(e)]));
        "#;
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/execute/async",
                Some(json!({ "script": script, "args": [method, path, body] })),
            )
            .await;
        let status = v[0].as_u64().unwrap_or(0) as u16;
        let text = v[1].as_str().unwrap_or_default();
        let body = serde_json::from_str(text).unwrap_or_else(|_| json!({ "text": text }));
        (status, body)
    }

    /// Runs `script` (a function body; `arguments` as given) in the page; returns its value.
    pub async fn exec(&self, script: &str, args: Value) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Resizes the window (CSS pixels): 390 wide is a phone.
    pub async fn window_size(&self, width: u32, height: u32) {
        self.cmd(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .await;
    }
}
