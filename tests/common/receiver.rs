//! A local webhook receiver for the alert tests (plain HTTP on loopback, allowed by
//! `alerts.dangerous_allow_plain_http_webhooks`): it keeps every JSON body it is sent, and
//! its URL carries a path segment `WEBHOOKSECRET` that must never show up anywhere else.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Instant;

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
