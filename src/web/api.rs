//! The JSON API: every action of the dashboard, for scripts (API tokens) and for the pages'
//! scripts (session + CSRF header). Errors are `{"error": "..."}` in words, built by
//! `web::error`, the one place that turns errors into statuses.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::detail::BotDetail;
use super::error::WebError;
use super::{actions, AppState};
use crate::auth::{Admin, ClientIp, CsrfChecked, Operator, Viewer};
use crate::bots::{BotView, StartForm, StartRequest};
use crate::domain::WalletId;
use tradebot_contract::{params, BotType};

/// Largest JSON body the API reads (a start request is well under 1 KiB).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/bots", get(list).post(start))
        .route("/api/bots/stop-all", post(stop_all))
        .route("/api/bots/{id}", get(detail))
        .route("/api/bots/{id}/stop", post(stop))
        .route("/api/bots/{id}/restart", post(restart))
        .route("/api/bots/{id}/logs", get(logs))
        .route("/api/bot-types", get(bot_types))
        .route("/api/markets", get(markets))
        .route("/api/wallets", get(wallets))
        .route("/api/wallets/{id}/markets", get(wallet_markets))
        .route("/api/wallets/{id}/rolling-restart", post(rolling_restart))
        .route("/api/health", get(health))
        .route("/api/openapi.json", get(super::openapi::document))
}

async fn list(_: Viewer, State(app): State<Arc<AppState>>) -> Json<Vec<BotView>> {
    Json(app.bots.list())
}

#[derive(Debug, Deserialize)]
struct StartQuery {
    /// `false`: answer 202 once the request is accepted; the start goes on in the background
    /// (the start page follows it). Default: answer when the bot is ready or has failed.
    #[serde(default = "yes")]
    wait: bool,
}

fn yes() -> bool {
    true
}

/// Reads the start body (JSON) into a form, with errors in words.
pub fn read_start(body: Result<Bytes, BytesRejection>) -> Result<StartForm, WebError> {
    let bad = WebError::bad_request;
    let body = body.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(_) => {
            WebError::too_large(format!("the request is larger than {MAX_BODY_BYTES} bytes"))
        }
        other => bad(format!("unreadable request: {}", other.body_text())),
    })?;
    let text =
        std::str::from_utf8(&body).map_err(|_| bad("the request is not UTF-8 text".into()))?;
    serde_json::from_str(text).map_err(|e| {
        bad(format!(
            "the request is not a valid start request: {}",
            first_line(&e.to_string())
        ))
    })
}

/// The start body as a request the lifecycle trusts: read, its preset (if named) applied
/// (`web::presets::for_start`), then checked against the configured markets.
async fn prepare_start(
    app: &AppState,
    body: Result<Bytes, BytesRejection>,
) -> Result<StartRequest, WebError> {
    let form = super::presets::for_start(app, read_start(body)?).await?;
    StartRequest::parse(form, &app.bots.config().markets).map_err(WebError::unprocessable)
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

async fn start(
    op: Operator,
    _: CsrfChecked,
    ip: ClientIp,
    State(app): State<Arc<AppState>>,
    Query(q): Query<StartQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, WebError> {
    let req = match prepare_start(&app, body).await {
        Ok(r) => r,
        Err(refused) => {
            actions::start_refused(&app, &op, &ip, &refused).await;
            return Err(refused);
        }
    };
    let (bot_id, summary) = actions::begin(&app, &op, &ip, req).await?;
    let launch = {
        let app = Arc::clone(&app);
        let (op, ip, bot_id) = (op.clone(), ip, bot_id.clone());
        async move { actions::launch(&app, &op, &ip, &bot_id, summary).await }
    };
    if q.wait {
        let view = launch.await?;
        Ok((StatusCode::CREATED, Json(view)).into_response())
    } else {
        tokio::spawn(launch);
        let view = app.bots.get(bot_id.as_str());
        Ok((StatusCode::ACCEPTED, Json(view)).into_response())
    }
}

async fn detail(
    _: Viewer,
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<BotDetail>, WebError> {
    let detail = BotDetail::load(&app, &id, 20).await?;
    detail.map(Json).ok_or_else(|| no_bot(&id))
}

fn no_bot(id: &str) -> WebError {
    WebError::not_found(format!(
        "no bot {}",
        id.chars().take(40).collect::<String>()
    ))
}

async fn stop(
    op: Operator,
    _: CsrfChecked,
    ip: ClientIp,
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<BotView>, WebError> {
    actions::stop(&app, &op, &ip, &id).await.map(Json)
}

async fn restart(
    op: Operator,
    _: CsrfChecked,
    ip: ClientIp,
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<BotView>, WebError> {
    actions::restart(&app, &op, &ip, &id).await.map(Json)
}

async fn stop_all(
    admin: Admin,
    _: CsrfChecked,
    ip: ClientIp,
    State(app): State<Arc<AppState>>,
) -> Json<Value> {
    let results = actions::stop_all(&app, &admin, &ip).await;
    let failed = results.iter().filter(|r| !r.ok).count();
    Json(json!({ "stopped": results.len() - failed, "failed": failed, "results": results }))
}

#[derive(Debug, Deserialize)]
struct LogsQuery {
    #[serde(default = "default_tail")]
    tail: usize,
}

fn default_tail() -> usize {
    200
}

/// The last lines of a bot's log: from its container while it runs, else from the archive.
async fn logs(
    _: Viewer,
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<LogsQuery>,
) -> Result<Json<Value>, WebError> {
    let tail = q.tail.clamp(1, 1000);
    let view = app.bots.get(&id).ok_or_else(|| no_bot(&id))?;
    let lines = match view.container_id {
        Some(_) => app.bots.tail_logs(&id, tail).await?,
        None => app
            .store
            .runs(&id, 1)
            .await?
            .into_iter()
            .next()
            .map(|r| r.last_logs)
            .unwrap_or_default(),
    };
    Ok(Json(json!({ "bot_id": id, "lines": lines })))
}

async fn bot_types(_: Viewer) -> Json<Value> {
    let types: Vec<Value> = BotType::ALL
        .into_iter()
        .map(|t| json!({ "bot_type": t, "schema": params::schema_for(t) }))
        .collect();
    Json(json!(types))
}

async fn markets(_: Viewer, State(app): State<Arc<AppState>>) -> Json<Value> {
    Json(json!(app.bots.config().markets))
}

/// Wallets with the bots using them. Never key material: Vault's metadata only.
async fn wallets(_: Viewer, State(app): State<Arc<AppState>>) -> Result<Json<Value>, WebError> {
    let wallets = app.bots.wallets().await?;
    let out: Vec<Value> = wallets
        .iter()
        .map(|w| {
            let using = app.bots.bots_on_wallet(w.id.as_str());
            json!({
                "wallet": w.id, "address": w.address, "label": w.label,
                "allowed_markets": w.allowed_markets, "key_version": w.current_version,
                "mode": w.mode, "network": w.network,
                "busy_markets": app.bots.busy_markets(w.id.as_str()),
                "updated": w.updated_time, "bots": using,
            })
        })
        .collect();
    Ok(Json(json!(out)))
}

/// The markets a wallet may trade on its network, from the chain's catalogue: id, ticks, min
/// notional and the live mid (the start form shows what an order size is worth with them).
async fn wallet_markets(
    _: Viewer,
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, WebError> {
    super::chain::wallet_markets(&app, &id).await.map(Json)
}

/// After a key rotation: restart the wallet's bots one at a time on the new key version.
async fn rolling_restart(
    op: Operator,
    _: CsrfChecked,
    ip: ClientIp,
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, WebError> {
    let wallet = WalletId::parse(&id).map_err(|e| WebError::bad_request(e.to_string()))?;
    let results = actions::rolling_restart(&app, &op, &ip, &wallet).await;
    Ok(Json(json!({ "wallet": wallet, "results": results })))
}

/// Whether the dashboard's dependencies answer. 200 with the state of each; the dashboard
/// itself stays up when the proxy or Vault is down, and says so here and on every page.
async fn health(_: Viewer, State(app): State<Arc<AppState>>) -> Json<Value> {
    Json(super::health::check(&app).await)
}
