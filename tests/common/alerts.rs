//! Support of the alert tests: a local webhook receiver (plain HTTP on loopback, allowed by
//! `alerts.dangerous_allow_plain_http_webhooks`) that keeps every JSON body it is sent, its URL
//! carrying a path segment `WEBHOOKSECRET` that must never show up anywhere else; and checks
//! that a URL is in Vault and not in the database's bytes.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode as AxStatus;
use axum::routing::post;
use serde_json::Value;

/// A webhook receiver: keeps every body it gets; answers 503 to the first `fail_first`.
#[derive(Clone, Default)]
pub struct Receiver {
    pub got: Arc<Mutex<Vec<(Instant, Value)>>>,
    pub fail_first: Arc<Mutex<u32>>,
}

impl Receiver {
    pub async fn start(fail_first: u32) -> (Self, String) {
        let me = Self::default();
        *me.fail_first.lock().unwrap() = fail_first;
        let state = me.clone();
        let router = axum::Router::new().route(
            "/hook/{secret}",
            post(move |axum::Json(body): axum::Json<Value>| {
                let state = state.clone();
                async move {
                    let mut fail = state.fail_first.lock().unwrap();
                    if *fail > 0 {
                        *fail -= 1;
                        return AxStatus::SERVICE_UNAVAILABLE;
                    }
                    state.got.lock().unwrap().push((Instant::now(), body));
                    AxStatus::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        (me, format!("http://{addr}/hook/WEBHOOKSECRET"))
    }

    pub fn with_rule(&self, rule: &str) -> Vec<(Instant, Value)> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, b)| b["rule"] == rule)
            .cloned()
            .collect()
    }
}

pub async fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < until {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The URL of target `id` is in Vault (root reads it back) and no part of its path is in the
/// database's files. Returns its reference.
pub async fn in_vault_not_in_db(app: &crate::app::TestApp, id: i64, url: &str) -> String {
    let url_ref: String = sqlx::query_scalar("SELECT url_ref FROM alert_targets WHERE id = ?")
        .bind(id)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let held = app
        .vault_admin
        .read(&format!("alerts/data/webhooks/{url_ref}"))
        .await
        .unwrap()
        .expect("the URL is in Vault");
    assert_eq!(held["data"]["data"]["url"], url);
    let bytes = db_bytes(&app.data_dir.path().join("data"));
    for part in ["WEBHOOKSECRET", "/hook/"] {
        assert!(!holds(&bytes, part), "{part} in the database files");
    }
    url_ref
}

/// Every byte of the database's files (`tradebot.db`, `-wal`, `-shm`) in `dir`. SQLite
/// removes `-wal` and `-shm` when its last connection closes (a dashboard that refused to
/// start closes its pool as this runs): a file gone between the listing and the read held
/// nothing any more, and is skipped.
pub fn db_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("tradebot.db"))
        {
            match std::fs::read(&path) {
                Ok(bytes) => all.extend(bytes),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => panic!("{}: {e}", path.display()),
            }
        }
    }
    assert!(!all.is_empty(), "no database in {}", dir.display());
    all
}

pub fn holds(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

pub fn bao_cli(bao: &crate::common::Bao, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(std::env::var("BAO_BIN").unwrap_or_else(|_| "bao".into()))
        .args(["operator"])
        .args(args)
        .env("BAO_ADDR", &bao.address)
        .env("BAO_TOKEN", crate::common::ROOT_TOKEN)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}
