//! Black-box tests of the auth pages: the real routes and CSRF layer (`web::account::test_router`),
//! an in-memory store and a hand-moved clock; no Vault, no Docker.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness helpers live outside #[test] fns

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::response::Response;
use axum::Router;
use secrecy::SecretString;
use tower::ServiceExt;
use tradebot::auth::{self, password, users, AuthState, Clock, Role};
use tradebot::config::AuthSettings;
use tradebot::store::Store;

const PW: &str = "correct horse battery";
const MIN: i64 = 60_000;

struct TestApp {
    router: Router,
    clock: Clock,
    store: Store,
    _dir: tempfile::TempDir,
}

/// A signed-in browser: its cookie and the session's CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

impl TestApp {
    async fn new() -> Self {
        Self::with(AuthSettings::default()).await
    }

    async fn with(settings: AuthSettings) -> Self {
        let store = Store::memory().await.unwrap();
        let clock = Clock::manual(1_800_000_000_000);
        let dir = tempfile::tempdir().unwrap();
        let state = AuthState {
            store: store.clone(),
            settings,
            data_dir: dir.path().to_owned(),
            clock: clock.clone(),
            totp: None,
        };
        Self {
            router: tradebot::web::account::test_router(state),
            clock,
            store,
            _dir: dir,
        }
    }

    async fn add_user(&self, name: &str, role: Role) {
        let phc = password::hash(SecretString::from(PW)).await.unwrap();
        users::create(
            self.store.pool(),
            &name.parse().unwrap(),
            role,
            &phc,
            false,
            0,
        )
        .await
        .unwrap();
    }

    async fn send(&self, mut req: Request<Body>) -> Response {
        if req.extensions().get::<ConnectInfo<SocketAddr>>().is_none() {
            let peer: SocketAddr = "192.0.2.10:50000".parse().unwrap();
            req.extensions_mut().insert(ConnectInfo(peer));
        }
        self.router.clone().oneshot(req).await.unwrap()
    }

    async fn login_from(&self, name: &str, password: &str, peer: &str) -> Response {
        let body = form(&[("name", name), ("password", password)]);
        let mut req = post("/login", body);
        req.extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        self.send(req).await
    }

    async fn login_raw(&self, name: &str, password: &str) -> Response {
        self.login_from(name, password, "192.0.2.10:50000").await
    }

    async fn login(&self, name: &str) -> Browser {
        let res = self.login_raw(name, PW).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "login of {name}");
        let set_cookie = res.headers()[header::SET_COOKIE].to_str().unwrap();
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        let page = self.get("/account", Some(&cookie)).await;
        let html = text(page).await;
        let csrf = between(&html, "name=\"csrf-token\" content=\"", "\"").to_owned();
        assert_eq!(csrf.len(), 64, "csrf token in the page");
        Browser { cookie, csrf }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Response {
        let mut req = Request::get(path);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// A same-site form post from a signed-in browser, with its CSRF token.
    async fn submit(&self, b: &Browser, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all = vec![("csrf", b.csrf.as_str())];
        all.extend_from_slice(fields);
        let mut req = post(path, form(&all));
        req.headers_mut()
            .insert(header::COOKIE, b.cookie.parse().unwrap());
        self.send(req).await
    }
}

fn form(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

fn post(path: &str, body: String) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
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

fn location(res: &Response) -> &str {
    res.headers()[header::LOCATION].to_str().unwrap()
}

#[tokio::test]
async fn login_sets_a_strict_host_cookie_and_pages_are_no_store() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::Operator).await;
    let res = app.login_raw("Alice", PW).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/");
    let cookie = res.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("__Host-tradebot_session="), "{cookie}");
    for attr in ["; Secure", "; HttpOnly", "; SameSite=Strict", "; Path=/"] {
        assert!(cookie.contains(attr), "{attr} missing in {cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    let b = app.login("alice").await;
    for path in ["/account", "/audit"] {
        let res = app.get(path, Some(&b.cookie)).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store", "{path}");
    }
    // A new login never reuses a session.
    let again = app.login("alice").await;
    assert_ne!(again.cookie, b.cookie);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::Viewer).await;
    for (name, pw) in [("alice", "not the password"), ("nobody", PW)] {
        let res = app.login_raw(name, pw).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert!(res.headers().get(header::SET_COOKIE).is_none());
        assert!(text(res).await.contains("wrong user name or password"));
    }
    let rows = tradebot::audit::query(app.store.pool(), &Default::default())
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .all(|r| r.action == "login_failed" && r.result == "denied"));
    assert!(rows.iter().all(|r| r.ip == "192.0.2.10"));
}

const A: &str = "198.51.100.1:4000";
const B: &str = "203.0.113.7:4000";

#[tokio::test]
async fn five_failures_from_one_address_do_not_lock_the_user_out_from_another() {
    let app = TestApp::new().await;
    app.add_user("bob", Role::Admin).await;
    for _ in 0..5 {
        let res = app.login_from("bob", "wrong password!", A).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app.login_from("bob", PW, A).await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "right password, but locked from A"
    );
    let body = text(res).await;
    assert!(body.contains("try again after"), "{body}");
    assert!(body.contains("in 15 minutes"), "{body}");
    let res = app.login_from("bob", PW, B).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "bob from B signs in");
    // Failures spread over many addresses lock none of them.
    for i in 0..10 {
        let peer = format!("192.0.2.{i}:1");
        let res = app.login_from("bob", "wrong password!", &peer).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app.login_from("bob", PW, B).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_lock_grows_with_backoff_and_a_success_resets_it() {
    let app = TestApp::new().await;
    app.add_user("bob", Role::Viewer).await;
    for _ in 0..5 {
        app.login_from("bob", "wrong password!", A).await;
    }
    for minutes in [30, 60, 120] {
        // Each lock ends; one more failure right away locks again, twice as long.
        app.clock.advance(app_lock_left(&app).await + 1);
        let res = app.login_from("bob", "wrong password!", A).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let body = text(res).await;
        assert!(body.contains(&format!("in {minutes} minutes")), "{body}");
    }
    app.clock.advance(120 * MIN + 1);
    let res = app.login_from("bob", PW, A).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "lock over");
    // The success cleared the pair: four failures do not lock again.
    for _ in 0..4 {
        app.login_from("bob", "wrong password!", A).await;
    }
    let res = app.login_from("bob", PW, A).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let rows = tradebot::audit::query(app.store.pool(), &Default::default())
        .await
        .unwrap();
    let locks: Vec<_> = rows.iter().filter(|r| r.action == "login_locked").collect();
    assert_eq!(locks.len(), 4, "one line per lock");
    assert!(
        locks[0].details.contains("\"level\":3"),
        "{}",
        locks[0].details
    );
}

/// How long the current lock of (bob, A) has left, from the database.
async fn app_lock_left(app: &TestApp) -> i64 {
    let until: i64 = sqlx_scalar(app, "SELECT MAX(until_ms) FROM login_locks").await;
    until - app.clock.now_ms()
}

async fn sqlx_scalar(app: &TestApp, sql: &str) -> i64 {
    use sqlx::Row;
    let row = sqlx::query(sql).fetch_one(app.store.pool()).await.unwrap();
    row.try_get::<Option<i64>, _>(0).unwrap().unwrap_or(0)
}

#[tokio::test]
async fn one_address_guessing_many_names_is_locked() {
    let app = TestApp::new().await;
    app.add_user("carol", Role::Viewer).await;
    for i in 0..20 {
        let res = app.login_raw(&format!("guess{i}"), "whatever pw").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app.login_raw("carol", PW).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = app.login_from("carol", PW, "203.0.113.5:1").await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "another address is fine"
    );
}

#[tokio::test]
async fn admins_unlock_a_user_on_the_users_page_and_it_is_audited() {
    let app = TestApp::new().await;
    app.add_user("root", Role::Admin).await;
    app.add_user("dora", Role::Viewer).await;
    for _ in 0..7 {
        app.login_from("dora", "wrong password!", A).await;
    }
    assert_eq!(
        app.login_from("dora", PW, A).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let root = app.login("root").await;
    let page = text(app.get("/users", Some(&root.cookie)).await).await;
    assert!(page.contains("sign-in locked until"), "{page}");
    assert!(page.contains("/users/dora/unlock"), "{page}");
    let viewer = app.login_from("dora", PW, B).await;
    assert_eq!(viewer.status(), StatusCode::SEE_OTHER);
    let res = app.submit(&root, "/users/dora/unlock", &[]).await;
    assert!(text(res).await.contains("dora may sign in again"));
    assert_eq!(
        app.login_from("dora", PW, A).await.status(),
        StatusCode::SEE_OTHER,
        "unlocked"
    );
    let rows = tradebot::audit::query(app.store.pool(), &Default::default())
        .await
        .unwrap();
    let unlock = rows.iter().find(|r| r.action == "login_unlock").unwrap();
    assert_eq!(
        (unlock.actor.as_str(), unlock.target.as_str()),
        ("root", "dora")
    );
    // 3 refused attempts: the 6th and 7th wrong passwords and the right one during the lock.
    assert!(
        unlock.details.contains("\"refused_attempts\":3"),
        "{}",
        unlock.details
    );
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
    let settings = AuthSettings {
        trusted_proxies: vec!["172.20.0.1/32".parse().unwrap()],
        ..AuthSettings::default()
    };
    let app = TestApp::with(settings).await;
    app.add_user("erin", Role::Viewer).await;
    let login = |peer: &'static str, xff: &'static str, pw: &'static str| {
        let mut req = post("/login", form(&[("name", "erin"), ("password", pw)]));
        req.headers_mut()
            .insert("x-forwarded-for", xff.parse().unwrap());
        req.extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        app.send(req)
    };
    // An untrusted peer forging the header: its own address is recorded and locked.
    for i in 0..5 {
        let xff: &'static str = ["10.9.9.1", "10.9.9.2", "10.9.9.3", "10.9.9.4", "10.9.9.5"][i];
        login("198.51.100.66:1", xff, "wrong password!").await;
    }
    let res = login("198.51.100.66:1", "10.9.9.9", PW).await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "forgery ignored"
    );
    // Behind the trusted proxy, clients are told apart by the forwarded address.
    for _ in 0..5 {
        login("172.20.0.1:9", "1.2.3.4, 203.0.113.50", "wrong password!").await;
    }
    let res = login("172.20.0.1:9", "203.0.113.50", PW).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = login("172.20.0.1:9", "203.0.113.51", PW).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "another client behind the proxy"
    );
    let rows = tradebot::audit::query(app.store.pool(), &Default::default())
        .await
        .unwrap();
    let ips: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.ip.as_str()).collect();
    assert_eq!(
        ips.into_iter().collect::<Vec<_>>(),
        ["198.51.100.66", "203.0.113.50", "203.0.113.51"]
    );
}

#[tokio::test]
async fn huge_names_and_locked_floods_add_a_bounded_number_of_audit_bytes() {
    let app = TestApp::new().await;
    let audit_bytes = || async {
        let rows = tradebot::audit::query(app.store.pool(), &Default::default())
            .await
            .unwrap();
        let bytes: usize = rows
            .iter()
            .map(|r| r.actor.len() + r.action.len() + r.target.len() + r.ip.len() + r.details.len())
            .sum();
        (rows.len(), bytes)
    };
    // 100 requests with the same 16 KiB name, then 100 with distinct ones.
    let same = "m".repeat(16 * 1024);
    for _ in 0..100 {
        let res = app.login_from(&same, "whatever pw", A).await;
        assert!(
            text(res).await.len() < 16 * 1024,
            "the page does not echo it whole"
        );
    }
    let (rows, bytes) = audit_bytes().await;
    assert_eq!(rows, 6, "5 failures and 1 lock");
    eprintln!("100 sign-ins, one 16 KiB name: {rows} audit rows, {bytes} bytes");
    assert!(bytes < 2_000, "{bytes} bytes");
    for i in 0..100 {
        let name = format!("{i:03}{}", "n".repeat(16 * 1024));
        app.login_from(&name, "whatever pw", B).await;
    }
    let (rows, bytes) = audit_bytes().await;
    assert_eq!(rows, 6 + 21, "20 failures and 1 lock of address B");
    eprintln!("+100 sign-ins, distinct 16 KiB names: {rows} audit rows, {bytes} bytes in all");
    assert!(bytes < 8_000, "{bytes} bytes");
    let stored = tradebot::audit::query(app.store.pool(), &Default::default())
        .await
        .unwrap();
    assert!(stored.iter().all(|r| r.actor.chars().count() <= 64));
    // Once the locks end, one line each with the number of attempts they refused.
    app.clock.advance(15 * MIN + 1);
    app.login_from("someone", "whatever pw", "192.0.2.200:1")
        .await;
    let rows = tradebot::audit::query(app.store.pool(), &Default::default())
        .await
        .unwrap();
    let mut counts: Vec<&str> = rows
        .iter()
        .filter(|r| r.action == "login_lock_refused")
        .map(|r| r.details.as_str())
        .collect();
    counts.sort_unstable();
    assert_eq!(counts.len(), 2, "{counts:?}");
    assert!(
        counts.iter().any(|d| d.contains("\"attempts\":95")),
        "{counts:?}"
    );
    assert!(
        counts.iter().any(|d| d.contains("\"attempts\":80")),
        "{counts:?}"
    );
}

#[tokio::test]
async fn state_changes_need_the_csrf_token() {
    let app = TestApp::new().await;
    app.add_user("dave", Role::Viewer).await;
    let b = app.login("dave").await;
    // Form without the token.
    let mut req = post("/account/tokens", form(&[("name", "x")]));
    req.headers_mut()
        .insert(header::COOKIE, b.cookie.parse().unwrap());
    let res = app.send(req).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(text(res)
        .await
        .contains("the form expired or came from another site"));
    // A wrong token.
    let wrong = Browser {
        cookie: b.cookie.clone(),
        csrf: "0".repeat(64),
    };
    let res = app
        .submit(&wrong, "/account/tokens", &[("name", "x")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The right token in the form, then in the header (fetch).
    let res = app.submit(&b, "/account/tokens", &[("name", "x")]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let req = Request::post("/logout")
        .header(header::COOKIE, &b.cookie)
        .header("x-csrf-token", &b.csrf)
        .body(Body::empty())
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/login");
}

#[tokio::test]
async fn cross_site_posts_are_refused_even_with_the_token() {
    let app = TestApp::new().await;
    app.add_user("erin", Role::Viewer).await;
    let b = app.login("erin").await;
    let mut req = post("/logout-all", form(&[("csrf", &b.csrf)]));
    let h = req.headers_mut();
    h.insert(header::COOKIE, b.cookie.parse().unwrap());
    h.insert(header::HOST, "dash.example".parse().unwrap());
    h.insert(header::ORIGIN, "https://evil.example".parse().unwrap());
    assert_eq!(app.send(req).await.status(), StatusCode::FORBIDDEN);
    // Login CSRF too.
    let mut req = post("/login", form(&[("name", "erin"), ("password", PW)]));
    req.headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().unwrap());
    assert_eq!(app.send(req).await.status(), StatusCode::FORBIDDEN);
    // Same origin passes.
    let mut req = post("/logout-all", form(&[("csrf", &b.csrf)]));
    let h = req.headers_mut();
    h.insert(header::COOKIE, b.cookie.parse().unwrap());
    h.insert(header::HOST, "dash.example".parse().unwrap());
    h.insert(header::ORIGIN, "https://dash.example".parse().unwrap());
    h.insert("sec-fetch-site", "same-origin".parse().unwrap());
    assert_eq!(app.send(req).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn role_matrix_on_the_auth_pages() {
    let app = TestApp::new().await;
    let cases = [
        // (role, /account, /audit, /audit.csv, /users)
        (Role::Viewer, 200, 403, 403, 403),
        (Role::Operator, 200, 200, 200, 403),
        (Role::Admin, 200, 200, 200, 200),
    ];
    for (role, account, audit, csv, users) in cases {
        let name = format!("{role}1");
        app.add_user(&name, role).await;
        let b = app.login(&name).await;
        for (path, want) in [
            ("/account", account),
            ("/audit", audit),
            ("/audit.csv", csv),
            ("/users", users),
        ] {
            let res = app.get(path, Some(&b.cookie)).await;
            assert_eq!(res.status().as_u16(), want, "{role} GET {path}");
        }
        let res = app
            .submit(
                &b,
                "/users",
                &[("name", "newbie"), ("role", "viewer"), ("password", PW)],
            )
            .await;
        let want = if role == Role::Admin { 200 } else { 403 };
        assert_eq!(res.status().as_u16(), want, "{role} POST /users");
    }
    let viewer = app.login("viewer1").await;
    let body = text(app.get("/users", Some(&viewer.cookie)).await).await;
    assert!(
        body.contains("your role viewer may not see this page; ask an admin"),
        "{body}"
    );
    let csv = app
        .get("/audit.csv", Some(&app.login("admin1").await.cookie))
        .await;
    assert_eq!(
        csv.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    assert!(text(csv).await.contains("user_add"));
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_login_and_apis_get_401_json() {
    let app = TestApp::new().await;
    let res = app.get("/account", None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/login");
    let res = app.get("/api/me", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = serde_json::from_str(&text(res).await).unwrap();
    assert!(body["error"].is_string());
    let res = app
        .get("/account", Some("__Host-tradebot_session=forged"))
        .await;
    assert_eq!(location(&res), "/login");
}

#[tokio::test]
async fn idle_sessions_expire() {
    let app = TestApp::new().await;
    app.add_user("frank", Role::Viewer).await;
    let b = app.login("frank").await;
    app.clock.advance(29 * MIN);
    assert_eq!(
        app.get("/account", Some(&b.cookie)).await.status(),
        StatusCode::OK
    );
    app.clock.advance(29 * MIN);
    assert_eq!(
        app.get("/account", Some(&b.cookie)).await.status(),
        StatusCode::OK,
        "touched"
    );
    app.clock.advance(31 * MIN);
    let res = app.get("/account", Some(&b.cookie)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "idle for 31 minutes");
}

#[tokio::test]
async fn busy_sessions_still_end_after_twelve_hours() {
    let app = TestApp::new().await;
    app.add_user("gina", Role::Viewer).await;
    let b = app.login("gina").await;
    for _ in 0..24 {
        app.clock.advance(29 * MIN);
        assert_eq!(
            app.get("/account", Some(&b.cookie)).await.status(),
            StatusCode::OK
        );
    }
    app.clock.advance(29 * MIN);
    assert_eq!(
        app.get("/account", Some(&b.cookie)).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn logout_everywhere_ends_every_session_of_the_user() {
    let app = TestApp::new().await;
    app.add_user("hank", Role::Viewer).await;
    app.add_user("ivy", Role::Viewer).await;
    let laptop = app.login("hank").await;
    let phone = app.login("hank").await;
    let other = app.login("ivy").await;
    let hank_token = new_token(&app, &laptop).await;
    let ivy_token = new_token(&app, &other).await;
    assert_eq!(me_with(&app, &hank_token).await, StatusCode::OK);
    let res = app.submit(&laptop, "/logout-all", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    for b in [&laptop, &phone] {
        assert_eq!(
            app.get("/account", Some(&b.cookie)).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    assert_eq!(
        app.get("/account", Some(&other.cookie)).await.status(),
        StatusCode::OK
    );
    // API tokens end too; other users' stay.
    assert_eq!(me_with(&app, &hank_token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me_with(&app, &ivy_token).await, StatusCode::OK);
    let rows = tradebot::audit::query(app.store.pool(), &Default::default())
        .await
        .unwrap();
    let all = rows.iter().find(|r| r.action == "logout_all").unwrap();
    assert_eq!(all.details, r#"{"api_tokens":1,"sessions":2}"#);
    // Plain logout ends only its own session.
    let a = app.login("ivy").await;
    app.submit(&a, "/logout", &[]).await;
    assert_eq!(
        app.get("/account", Some(&a.cookie)).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get("/account", Some(&other.cookie)).await.status(),
        StatusCode::OK
    );
}

/// A new API token made on the account page of `b`.
async fn new_token(app: &TestApp, b: &Browser) -> String {
    let html = text(app.submit(b, "/account/tokens", &[("name", "t")]).await).await;
    format!("tb_{}", between(&html, "value=\"tb_", "\""))
}

async fn me_with(app: &TestApp, token: &str) -> StatusCode {
    let req = Request::get("/api/me")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    app.send(req).await.status()
}

#[tokio::test]
async fn api_tokens_are_shown_once_work_as_bearer_and_can_be_revoked() {
    let app = TestApp::new().await;
    app.add_user("ci", Role::Operator).await;
    let b = app.login("ci").await;
    let html = text(
        app.submit(&b, "/account/tokens", &[("name", "deploy")])
            .await,
    )
    .await;
    let token = between(&html, "value=\"tb_", "\"");
    let token = format!("tb_{token}");
    let bearer = |t: &str| {
        Request::get("/api/me")
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .body(Body::empty())
            .unwrap()
    };
    let res = app.send(bearer(&token)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    let me: serde_json::Value = serde_json::from_str(&text(res).await).unwrap();
    assert_eq!(me, serde_json::json!({"name": "ci", "role": "operator"}));
    // Not shown again.
    let page = text(app.get("/account", Some(&b.cookie)).await).await;
    assert!(!page.contains(&token));
    // A token cannot mint tokens (a stolen one would outlive its revocation).
    let req = Request::post("/account/tokens")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("name=second"))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body = text(res).await;
    assert!(
        body.contains("only be created from a signed-in browser session"),
        "{body}"
    );
    let page = text(app.get("/account", Some(&b.cookie)).await).await;
    // (The page also offers "a second factor": look for the token's row.)
    assert!(!page.contains("<td>second</td>"), "no token was made");
    let id = between(&page, "/account/tokens/", "/revoke");
    let res = app
        .submit(&b, &format!("/account/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app.send(bearer(&token)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.send(bearer("tb_forged")).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn first_admin_must_change_the_one_time_password() {
    let app = TestApp::new().await;
    let first = auth::ensure_first_admin(&app.store, app._dir.path())
        .await
        .unwrap()
        .unwrap();
    let one_time = std::fs::read_to_string(&first.password_file).unwrap();
    let one_time = one_time.trim();
    let res = app.login_raw("admin", one_time).await;
    assert_eq!(location(&res), "/account");
    let cookie = res.headers()[header::SET_COOKIE].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let res = app.get("/users", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&res),
        "/account",
        "every page sends them to /account"
    );
    let html = text(app.get("/account", Some(&cookie)).await).await;
    let csrf = between(&html, "name=\"csrf-token\" content=\"", "\"").to_owned();
    let b = Browser { cookie, csrf };
    let fields = [("current", one_time), ("new", PW), ("confirm", PW)];
    let res = app.submit(&b, "/account/password", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        !first.password_file.exists(),
        "the one-time password file is gone"
    );
    // The old session ended; the response carried a new one.
    assert_eq!(
        app.get("/account", Some(&b.cookie)).await.status(),
        StatusCode::SEE_OTHER
    );
    let admin = app.login("admin").await;
    assert_eq!(
        app.get("/users", Some(&admin.cookie)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn admins_manage_users_and_it_is_audited() {
    let app = TestApp::new().await;
    app.add_user("root", Role::Admin).await;
    let b = app.login("root").await;
    let res = app
        .submit(
            &b,
            "/users",
            &[("name", "Kim"), ("role", "operator"), ("password", PW)],
        )
        .await;
    assert!(text(res).await.contains("Added kim as operator"));
    let res = app
        .submit(&b, "/users/kim/role", &[("role", "viewer")])
        .await;
    assert!(text(res).await.contains("kim is now viewer"));
    let res = app
        .submit(&b, "/users/root/role", &[("role", "viewer")])
        .await;
    assert!(
        text(res).await.contains("no active admin"),
        "last admin stays admin"
    );
    let res = app.submit(&b, "/users/root/disable", &[]).await;
    assert!(text(res).await.contains("your own account"));
    app.submit(&b, "/users/kim/disable", &[]).await;
    let res = app.login_raw("kim", PW).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "disabled");
    let rows = tradebot::audit::query(app.store.pool(), &Default::default())
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().rev().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "login",
            "user_add",
            "user_role_change",
            "user_disable",
            "login_failed"
        ]
    );
    let html = text(
        app.get("/audit?actor=root&action=user_add", Some(&b.cookie))
            .await,
    )
    .await;
    assert!(html.contains("user_add") && !html.contains("user_disable"));
}

#[tokio::test]
async fn stylesheet_is_cached_long_and_templates_escape() {
    let app = TestApp::new().await;
    let res = app.get("/static/app.css", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("max-age=31536000"));
    assert!(text(res).await.contains(".badge-running"));
    let res = app.login_raw("<script>x</script>", "whatever pw").await;
    let html = text(res).await;
    assert!(!html.contains("<script>x"), "auto-escaped");
    assert!(html.contains("/static/app.css?v="));
}

#[tokio::test]
async fn the_cli_unlocks_a_user_and_it_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let p = auth::ratelimit::Policy::from(&AuthSettings::default());
    let keys = [auth::ratelimit::Key::name_from(
        &p,
        "gus",
        Some([198, 51, 100, 1].into()),
    )];
    for t in 0..5 {
        auth::ratelimit::record_failure(store.pool(), &p, &keys, t)
            .await
            .unwrap();
    }
    assert!(auth::ratelimit::check(store.pool(), &keys, 10)
        .await
        .unwrap()
        .is_some());
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tradebot"))
            .args(args)
            .env("TRADEBOT_DATA_DIR", dir.path())
            .env_remove("TRADEBOT_CONFIG")
            .output()
            .unwrap()
    };
    let out = cli(&["users", "unlock", "--name", "GUS"]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("gus: 1 lock(s) lifted"));
    assert_eq!(
        auth::ratelimit::check(store.pool(), &keys, 10)
            .await
            .unwrap(),
        None
    );
    let rows = tradebot::audit::query(store.pool(), &Default::default())
        .await
        .unwrap();
    assert_eq!(
        (
            rows[0].actor.as_str(),
            rows[0].action.as_str(),
            rows[0].target.as_str()
        ),
        ("cli", "login_unlock", "gus")
    );
    // Bad input: a non-zero exit and one line.
    let out = cli(&["users", "unlock"]);
    assert!(!out.status.success());
    let out = cli(&["users", "unlock", "--address", "not-an-ip"]);
    assert!(!out.status.success());
    let out = cli(&["users", "unlock", "--address", "198.51.100.1"]);
    assert!(out.status.success(), "{out:?}");
}
