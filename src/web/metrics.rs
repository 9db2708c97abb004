//! Prometheus metrics at `/metrics`, for signed-in users and API tokens only (bot ids and
//! wallet names are business information). Written by hand: a handful of counters and one
//! latency histogram do not need a metrics framework.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::auth::Viewer;
use crate::bots::{BotState, BotView, Counters};

/// Upper bounds (seconds) of the request latency buckets.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

/// Request latency histogram (all routes together).
#[derive(Debug, Default)]
pub struct Latency {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Latency {
    fn observe(&self, secs: f64) {
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        // Saturating float-to-int cast: fine for a sum of microseconds.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        self.sum_micros
            .fetch_add((secs * 1e6) as u64, Ordering::Relaxed);
    }
}

/// Middleware: times every request.
pub async fn track(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(req).await;
    app.latency.observe(started.elapsed().as_secs_f64());
    response
}

pub async fn render(_: Viewer, State(app): State<Arc<AppState>>) -> Response {
    let mut out = String::new();
    write_bots(&mut out, &app.bots.list());
    write_counters(&mut out, app.bots.counters());
    write_latency(&mut out, &app.latency);
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        out,
    )
        .into_response()
}

/// `tradebot_bots{state}`: a gauge of the bots in each state, every state listed.
fn write_bots(out: &mut String, bots: &[BotView]) {
    let _ = writeln!(
        out,
        "# HELP tradebot_bots Bots by state.\n# TYPE tradebot_bots gauge"
    );
    for state in BotState::ALL {
        let n = bots.iter().filter(|b| b.state == state).count();
        let name = state.as_str();
        let _ = writeln!(out, "tradebot_bots{{state=\"{name}\"}} {n}");
    }
}

/// The manager's launch, failure, crash and token counters.
fn write_counters(out: &mut String, c: &Counters) {
    for (name, help, v) in [
        (
            "tradebot_bot_starts_total",
            "Bot launches attempted.",
            &c.starts,
        ),
        (
            "tradebot_bot_start_failures_total",
            "Bot launches that failed.",
            &c.start_failures,
        ),
        (
            "tradebot_bot_crashes_total",
            "Bot containers that died unasked.",
            &c.crashes,
        ),
        (
            "tradebot_token_issues_total",
            "Wrapped bot tokens issued by Vault.",
            &c.token_issues,
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
            v.load(Ordering::Relaxed)
        );
    }
}

/// The dashboard request latency histogram (seconds; buckets in [`BUCKETS`]).
fn write_latency(out: &mut String, l: &Latency) {
    let _ = writeln!(out, "# HELP tradebot_http_request_duration_seconds Dashboard request latency.\n# TYPE tradebot_http_request_duration_seconds histogram");
    for (i, le) in BUCKETS.iter().enumerate() {
        let _ = writeln!(
            out,
            "tradebot_http_request_duration_seconds_bucket{{le=\"{le}\"}} {}",
            l.buckets[i].load(Ordering::Relaxed)
        );
    }
    let count = l.count.load(Ordering::Relaxed);
    let _ = writeln!(
        out,
        "tradebot_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
    );
    #[allow(clippy::cast_precision_loss)] // a sum of microseconds, shown in seconds
    let sum = l.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
    let _ = writeln!(out, "tradebot_http_request_duration_seconds_sum {sum}");
    let _ = writeln!(out, "tradebot_http_request_duration_seconds_count {count}");
}
