//! The second factor against a real OpenBao (issue 15): the account routes in-process
//! (`web::account::test_router`) with `VaultTotp` on the dashboard's real AppRole session,
//! after a real `vault bootstrap` (totp/ mount, dashboard policy). Codes are computed with
//! `totp-rs` from the otpauth URL the enrolment page showed, as an authenticator app would.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness helpers live outside #[test] fns

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::response::Response;
use axum::Router;
use common::Bao;
use secrecy::SecretString;
use tower::ServiceExt;
use tradebot::auth::second_factor::TotpVault;
use tradebot::auth::{password, users, AuthState, Clock, Role};
use tradebot::config::AuthSettings;
use tradebot::store::Store;
use tradebot::vault::{bootstrap, connect_dashboard, BootstrapOptions, VaultTotp};

const PW: &str = "correct horse battery";
const MIN: i64 = 60_000;

struct App {
    router: Router,
    clock: Clock,
    store: Store,
    totp: VaultTotp,
    bao: Bao,
    /// The AppRole credential files, and the data dir (a file store, for the CLI).
    dirs: (tempfile::TempDir, tempfile::TempDir),
}

/// A browser: its session cookie (if signed in) and the page's CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

impl App {
    async fn new(settings: AuthSettings) -> Self {
        let bao = Bao::start();
        let approle = tempfile::tempdir().unwrap();
        let opts = BootstrapOptions {
            approle_dir: Some(approle.path().to_owned()),
            ..BootstrapOptions::default()
        };
        let vault_settings = bao.settings();
        bootstrap(&vault_settings, &opts).await.unwrap();
        let again = bootstrap(&vault_settings, &opts).await.unwrap();
        assert!(
            !again.changes.iter().any(|c| c.contains("totp")),
            "the totp/ mount is made once: {:?}",
            again.changes
        );
        let mut dash = vault_settings.vault.clone();
        dash.role_id_file = Some(approle.path().join("role_id"));
        dash.secret_id_file = Some(approle.path().join("secret_id"));
        let totp = VaultTotp::new(connect_dashboard(&dash).await.unwrap());
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let clock = Clock::manual(1_800_000_000_000);
        let state = AuthState {
            store: store.clone(),
            settings,
            data_dir: dir.path().to_owned(),
            clock: clock.clone(),
            totp: Some(Arc::new(totp.clone())),
        };
        Self {
            router: tradebot::web::account::test_router(state),
            clock,
            store,
            totp,
            bao,
            dirs: (approle, dir),
        }
    }

    async fn add_user(&self, name: &str, role: Role) {
        let phc = password::hash(SecretString::from(PW)).await.unwrap();
        let name = name.parse().unwrap();
        users::create(self.store.pool(), &name, role, &phc, false, 0)
            .await
            .unwrap();
    }

    async fn send(&self, mut req: Request<Body>) -> Response {
        let peer: SocketAddr = "192.0.2.10:50000".parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(peer));
        self.router.clone().oneshot(req).await.unwrap()
    }

    async fn post(&self, path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Response {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut req =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    async fn get(&self, path: &str, cookie: &str) -> Response {
        let req = Request::get(path).header(header::COOKIE, cookie);
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// Password step; returns the response (a session, or the second-step cookie).
    async fn password(&self, name: &str) -> Response {
        self.post("/login", None, &[("name", name), ("password", PW)])
            .await
    }

    async fn browser(&self, res: &Response) -> Browser {
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let cookie = cookie_of(res);
        assert!(cookie.starts_with("__Host-tradebot_session="), "{cookie}");
        let html = text(self.get("/account", &cookie).await).await;
        let csrf = between(&html, "name=\"csrf-token\" content=\"", "\"").to_owned();
        Browser { cookie, csrf }
    }

    async fn submit(&self, b: &Browser, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all = vec![("csrf", b.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(path, Some(&b.cookie), &all).await
    }

    /// Enrols a signed-in user: the otpauth URL from the page, confirmed by a computed code.
    /// Returns the URL and the ten recovery codes.
    async fn enrol(&self, b: &Browser) -> (String, Vec<String>) {
        let res = self.submit(b, "/account/second-factor", &[]).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = text(res).await;
        let url = unescape(between(&html, "id=\"otpauth\" readonly value=\"", "\""));
        assert!(url.starts_with("otpauth://totp/tradebot:"), "{url}");
        let wrong = other_code(&code_at(&url, 0));
        let res = self
            .submit(b, "/account/second-factor/confirm", &[("code", &wrong)])
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "a wrong first code");
        let res = self
            .submit(
                b,
                "/account/second-factor/confirm",
                &[("code", &code_at(&url, 0))],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = text(res).await;
        let list = between(&html, "<ul class=\"mono\" id=\"recovery-codes\">", "</ul>");
        let codes: Vec<String> = list
            .split("<li>")
            .skip(1)
            .map(|li| li.split("</li>").next().unwrap().to_owned())
            .collect();
        assert_eq!(codes.len(), 10, "{list}");
        (url, codes)
    }

    async fn audit_count(&self, action: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action = ?")
            .bind(action)
            .fetch_one(self.store.pool())
            .await
            .unwrap()
    }
}

/// The code an app shows `periods` periods from now (Vault accepts one period either side).
fn code_at(url: &str, periods: i64) -> String {
    let totp = totp_rs::Totp::from_url(url).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    totp.generate(now.saturating_add_signed(periods * 30))
        .to_string()
}

/// A six-digit code that is not `code`.
fn other_code(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 500_000) % 1_000_000)
}

fn unescape(s: &str) -> String {
    s.replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&#61;", "=")
        .replace("&#x3D;", "=")
        .replace("&#x2F;", "/")
        .replace("&#47;", "/")
}

fn cookie_of(res: &Response) -> String {
    let set = res.headers()[header::SET_COOKIE].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

fn location(res: &Response) -> &str {
    res.headers()[header::LOCATION].to_str().unwrap()
}

async fn text(res: Response) -> String {
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let from = s
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in {s}"))
        + start.len();
    let len = s[from..].find(end).unwrap();
    &s[from..from + len]
}

#[tokio::test(flavor = "multi_thread")]
async fn totp_enrol_sign_in_throttle_recovery_and_admin_reset() {
    let app = App::new(AuthSettings::default()).await;
    app.add_user("ola", Role::Operator).await;
    app.add_user("ada", Role::Admin).await;
    let ola = app.browser(&app.password("ola").await).await;
    let (url, recovery) = app.enrol(&ola).await;
    assert_eq!(app.audit_count("second_factor_confirm").await, 1);

    // The password now opens only the code form: no session cookie, and nothing else.
    let res = app.password("ola").await;
    assert_eq!(
        (res.status(), location(&res)),
        (StatusCode::SEE_OTHER, "/login/code")
    );
    let step = cookie_of(&res);
    assert!(step.starts_with("__Host-tradebot_second_step="), "{step}");
    let res = app.get("/account", &step).await;
    assert_eq!(
        location(&res),
        "/login",
        "the half-signed-in cookie is no session"
    );

    // Wrong codes count against ola from this address, like wrong passwords, and lock.
    let wrong = other_code(&code_at(&url, 1));
    for i in 0..5 {
        let res = app
            .post("/login/code", Some(&step), &[("code", &wrong)])
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "wrong code {i}");
    }
    let right = code_at(&url, 1);
    let res = app
        .post("/login/code", Some(&step), &[("code", &right)])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked: even the right code"
    );
    let res = app.password("ola").await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "one throttle for both steps"
    );
    assert!(app.audit_count("login_locked").await >= 1);

    // After the lock: password, then the right code, signs in.
    app.clock.advance(16 * MIN);
    let step = cookie_of(&app.password("ola").await);
    let res = app
        .post("/login/code", Some(&step), &[("code", &right)])
        .await;
    let signed_in = app.browser(&res).await;
    assert_eq!(location(&res), "/");
    drop(signed_in);
    // The same code again is refused by Vault (used in its period).
    let step = cookie_of(&app.password("ola").await);
    let res = app
        .post("/login/code", Some(&step), &[("code", &right)])
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "a code works once");

    // A recovery code works once.
    let step = cookie_of(&app.password("ola").await);
    let res = app
        .post("/login/code", Some(&step), &[("code", &recovery[3])])
        .await;
    app.browser(&res).await;
    assert_eq!(app.audit_count("recovery_code_used").await, 1);
    let step = cookie_of(&app.password("ola").await);
    let res = app
        .post("/login/code", Some(&step), &[("code", &recovery[3])])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "a recovery code works once"
    );
    let res = app
        .post("/login/code", Some(&step), &[("code", &recovery[4])])
        .await;
    app.browser(&res).await;

    // The admin reset deletes the Vault key: ola signs in with the password alone again.
    let ada = app.browser(&app.password("ada").await).await;
    let res = app
        .submit(&ada, "/users/ola/reset-second-factor", &[])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.audit_count("second_factor_reset").await, 1);
    assert!(
        !app.totp.validate("ola", &code_at(&url, 0)).await.unwrap(),
        "key gone"
    );
    let res = app.password("ola").await;
    assert_eq!(location(&res), "/", "no second step after the reset");
    let res = app
        .post("/login/code", Some(&step), &[("code", &recovery[5])])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "old steps and codes are gone"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_required_setting_forces_enrolment_before_anything_else() {
    let settings = AuthSettings {
        require_second_factor_for: vec![Role::Operator, Role::Admin],
        ..AuthSettings::default()
    };
    let app = App::new(settings).await;
    app.add_user("ops", Role::Operator).await;
    app.add_user("val", Role::Viewer).await;
    let res = app.password("ops").await;
    assert_eq!(location(&res), "/account", "sent to enrol first");
    let ops = app.browser(&res).await;
    let res = app.get("/audit", &ops.cookie).await;
    assert_eq!(
        (res.status(), location(&res)),
        (StatusCode::SEE_OTHER, "/account"),
        "nothing else is reachable"
    );
    let res = app.submit(&ops, "/account/tokens", &[("name", "x")]).await;
    assert_eq!(location(&res), "/account", "no API token either");
    let html = text(app.get("/account", &ops.cookie).await).await;
    assert!(
        html.contains("Your role requires a second factor"),
        "{html}"
    );
    app.enrol(&ops).await;
    let res = app.get("/audit", &ops.cookie).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "enrolled: the operator's pages open"
    );
    // Viewers are not in the list.
    let res = app.password("val").await;
    assert_eq!(location(&res), "/");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_resets_a_second_factor_in_vault_and_the_database() {
    let app = App::new(AuthSettings::default()).await;
    app.add_user("lee", Role::Viewer).await;
    let lee = app.browser(&app.password("lee").await).await;
    let (url, recovery) = app.enrol(&lee).await;
    app.add_passkey_row("lee").await;
    let (approle, data) = (&app.dirs.0, &app.dirs.1);
    let run = |name: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tradebot"))
            .args(["users", "reset-2fa", "--name", name])
            .env("TRADEBOT_DATA_DIR", data.path())
            .env("TRADEBOT_VAULT__ADDRESS", &app.bao.address)
            .env("TRADEBOT_VAULT__DANGEROUS_ALLOW_PLAIN_HTTP", "true")
            .env(
                "TRADEBOT_VAULT__ROLE_ID_FILE",
                approle.path().join("role_id"),
            )
            .env(
                "TRADEBOT_VAULT__SECRET_ID_FILE",
                approle.path().join("secret_id"),
            )
            .env("TRADEBOT_LOG__FILTER", "warn")
            .output()
            .unwrap()
    };
    let out = run("nobody");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("there is no user nobody"),
        "{err}"
    );
    let out = run("lee");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("second factor removed"), "{said}");
    assert!(
        !said.contains(&url) && !said.contains(&recovery[0]),
        "{said}"
    );
    assert!(
        !app.totp.validate("lee", &code_at(&url, 0)).await.unwrap(),
        "key gone"
    );
    assert_eq!(app.audit_count("second_factor_reset").await, 1);
    assert_eq!(app.passkeys().await, 0, "passkeys gone too");
    let res = app.password("lee").await;
    assert_eq!(location(&res), "/", "password alone again");
}

impl App {
    /// A registered passkey as the database holds it (the registration ceremony itself, with a
    /// real authenticator, is driven in Chromium by tests/browser.rs).
    async fn add_passkey_row(&self, name: &str) {
        let (user, _) = users::by_name(self.store.pool(), name)
            .await
            .unwrap()
            .unwrap();
        sqlx::query(
            "INSERT INTO passkeys (user_id, credential_id, name, passkey, created_ms)
             VALUES (?, ?, 'key', '{}', 0)",
        )
        .bind(user.id)
        .bind(format!("cred-{name}"))
        .execute(self.store.pool())
        .await
        .unwrap();
    }

    async fn passkeys(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM passkeys")
            .fetch_one(self.store.pool())
            .await
            .unwrap()
    }

    async fn post_json(&self, path: &str, cookie: &str, body: &str) -> Response {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, cookie)
            .body(Body::from(body.to_owned()))
            .unwrap();
        self.send(req).await
    }
}

/// A passkey is a second factor like TOTP: it satisfies `require_second_factor_for`, the
/// password then opens only the second step (offering the passkey), wrong signatures go
/// through the login throttle and lock both steps, and the admin reset removes passkeys.
#[tokio::test(flavor = "multi_thread")]
async fn passkeys_satisfy_the_requirement_share_the_throttle_and_are_reset() {
    let settings = AuthSettings {
        require_second_factor_for: vec![Role::Operator],
        ..AuthSettings::default()
    };
    let app = App::new(settings).await;
    app.add_user("pia", Role::Operator).await;
    app.add_user("ada", Role::Admin).await;
    let pia = app.browser(&app.password("pia").await).await;
    let res = app.get("/audit", &pia.cookie).await;
    assert_eq!(location(&res), "/account", "must enrol first");
    // Enrolment's options are reachable while enrolment is required; not with a token.
    let req = Request::post("/account/passkeys/options")
        .header(header::COOKIE, &pia.cookie)
        .header("x-csrf-token", &pia.csrf)
        .body(Body::empty())
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status(), StatusCode::OK);
    let options: serde_json::Value = serde_json::from_str(&text(res).await).unwrap();
    assert_eq!(options["publicKey"]["rp"]["id"], "localhost", "{options}");
    assert_eq!(options["publicKey"]["user"]["name"], "pia", "{options}");

    app.add_passkey_row("pia").await;
    let res = app.get("/audit", &pia.cookie).await;
    assert_eq!(res.status(), StatusCode::OK, "a passkey satisfies the rule");

    // The password opens only the second step, which offers the passkey and no code form.
    let res = app.password("pia").await;
    assert_eq!(location(&res), "/login/code");
    let step = cookie_of(&res);
    let html = text(app.get("/login/code", &step).await).await;
    assert!(html.contains("id=\"passkey-signin\""), "{html}");
    assert!(!html.contains("name=\"code\""), "{html}");

    // Wrong signatures count like wrong codes and lock both steps.
    let forged = r#"{"id":"x","rawId":"eA","type":"public-key","response":{"authenticatorData":"AA","clientDataJSON":"e30","signature":"AA"}}"#;
    for (i, body) in [forged, "not json", forged, "{}", forged]
        .iter()
        .enumerate()
    {
        let res = app.post_json("/login/passkey", &step, body).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
        assert!(cookie_or_none(&res).is_none(), "no session on a failure");
    }
    let res = app.post_json("/login/passkey", &step, forged).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = app.post_json("/login/passkey/options", &step, "").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "no challenge");
    let res = app.password("pia").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "one throttle");
    // Without a live second step there is nothing to sign.
    let res = app
        .post_json("/login/passkey", "__Host-tradebot_second_step=nope", forged)
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // The admin reset removes the passkey: pia must enrol again.
    let ada = app.browser(&app.password("ada").await).await;
    let res = app
        .submit(&ada, "/users/pia/reset-second-factor", &[])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.passkeys().await, 0);
    app.clock.advance(16 * MIN);
    let res = app.password("pia").await;
    assert_eq!(location(&res), "/account", "no second step; enrol again");
}

fn cookie_or_none(res: &Response) -> Option<&str> {
    res.headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .filter(|c| c.starts_with("__Host-tradebot_session="))
}
