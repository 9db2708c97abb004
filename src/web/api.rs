//! The JSON API: every action of the dashboard, for scripts (API tokens) and for the pages'
//! scripts (session + CSRF header). Errors are `{"error": "..."}` in words; lifecycle errors
//! become HTTP statuses in [`refusal`], the one place that decides.

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

use super::actions::record;
use super::{actions, AppState};
use crate::audit::Outcome;
use crate::auth::{Admin, ClientIp, CsrfChecked, Operator, Refusal, Viewer};
use crate::bots::{BotView, LifecycleError, StartForm, StartRequest};
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
        .route("/api/wallets/{id}/rolling-restart", post(rolling_restart))
        .route("/api/health", get(health))
        .route("/api/openapi.json", get(super::openapi::document))
}

/// A lifecycle error as a response: 4xx say what to change, 5xx say what is down.
pub fn refusal(e: &LifecycleError, json: bool) -> Refusal {
    let status = match e {
        LifecycleError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        LifecycleError::NotFound(_) => StatusCode::NOT_FOUND,
        LifecycleError::Conflict(_) => StatusCode::CONFLICT,
        LifecycleError::Vault(_) | LifecycleError::Docker(_) => StatusCode::SERVICE_UNAVAILABLE,
        LifecycleError::StartFailed(_) | LifecycleError::StopFailed(_) => StatusCode::BAD_GATEWAY,
    };
    Refusal::new(status, json, e.to_string())
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

/// Parses the start body (JSON) into a request the lifecycle trusts, with errors in words.
pub fn parse_start(
    body: Result<Bytes, BytesRejection>,
    markets: &[String],
) -> Result<StartRequest, Refusal> {
    let bad = |m: String| Refusal::new(StatusCode::BAD_REQUEST, true, m);
    let body = body.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(_) => Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            true,
            format!("the request is larger than {MAX_BODY_BYTES} bytes"),
        ),
        other => bad(format!("unreadable request: {}", other.body_text())),
    })?;
    let text =
        std::str::from_utf8(&body).map_err(|_| bad("the request is not UTF-8 text".into()))?;
    let form: StartForm = serde_json::from_str(text).map_err(|e| {
        bad(format!(
            "the request is not a valid start request: {}",
            first_line(&e.to_string())
        ))
    })?;
    StartRequest::parse(form, markets)
        .map_err(|m| Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, true, m))
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
) -> Result<Response, Refusal> {
    let req = match parse_start(body, &app.bots.config().markets) {
        Ok(r) => r,
        Err(refused) => {
            // Refused input is audited too: who tried what is part of the trail.
            let details = json!({ "error": refused.message() });
            actions::append(&app, &op, &ip, "bot_start", "", details, Outcome::Denied).await;
            return Err(refused);
        }
    };
    let summary = json!({
        "wallet": req.wallet.as_str(), "market": req.market.as_str(),
        "bot_type": req.bot_type.as_str(), "params": req.params,
        "allow_shared_wallet": req.allow_shared_wallet,
    });
    let bot_id = match app.bots.begin(req, &op.name).await {
        Ok(id) => id,
        Err(e) => {
            record(&app, &op, &ip, "bot_start", "", summary, Some(&e)).await;
            return Err(refusal(&e, true));
        }
    };
    let launch = {
        let app = Arc::clone(&app);
        let (op, ip, bot_id) = (op.clone(), ip, bot_id.clone());
        async move {
            // The launch reports what the audit entry records: no second question.
            let launch = app.bots.launch(&bot_id).await;
            let mut details = summary;
            details["accessor"] = json!(launch.accessor);
            details["launch_id"] = json!(launch.launch_id);
            let target = bot_id.as_str();
            let error = launch.result.as_ref().err();
            record(&app, &op, &ip, "bot_start", target, details, error).await;
            launch.result
        }
    };
    if q.wait {
        let view = launch.await.map_err(|e| refusal(&e, true))?;
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
) -> Result<Json<Value>, Refusal> {
    let view = app.bots.get(&id).ok_or_else(|| {
        Refusal::new(
            StatusCode::NOT_FOUND,
            true,
            format!("no bot {}", short(&id)),
        )
    })?;
    let runs = app
        .store
        .runs(&id, 20)
        .await
        .map_err(|e| Refusal::internal(true, &e))?;
    let pnl = app
        .store
        .pnl_history(&id, 500)
        .await
        .map_err(|e| Refusal::internal(true, &e))?;
    Ok(Json(json!({
        "bot": view,
        "params": app.bots.params(&id),
        "fills": app.bots.fills(&id),
        "runs": runs,
        "pnl_history": pnl.iter().map(|(t, p)| json!({"ts_ms": t, "pnl": p})).collect::<Vec<_>>(),
    })))
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

async fn stop(
    op: Operator,
    _: CsrfChecked,
    ip: ClientIp,
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<BotView>, Refusal> {
    actions::stop(&app, &op, &ip, &id)
        .await
        .map(Json)
        .map_err(|e| refusal(&e, true))
}

async fn restart(
    op: Operator,
    _: CsrfChecked,
    ip: ClientIp,
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<BotView>, Refusal> {
    actions::restart(&app, &op, &ip, &id)
        .await
        .map(Json)
        .map_err(|e| refusal(&e, true))
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
) -> Result<Json<Value>, Refusal> {
    let tail = q.tail.clamp(1, 1000);
    let view = app.bots.get(&id).ok_or_else(|| {
        Refusal::new(
            StatusCode::NOT_FOUND,
            true,
            format!("no bot {}", short(&id)),
        )
    })?;
    let lines = match view.container_id {
        Some(_) => app
            .bots
            .tail_logs(&id, tail)
            .await
            .map_err(|e| refusal(&e, true))?,
        None => app
            .store
            .runs(&id, 1)
            .await
            .map_err(|e| Refusal::internal(true, &e))?
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
async fn wallets(_: Viewer, State(app): State<Arc<AppState>>) -> Result<Json<Value>, Refusal> {
    let wallets = app.bots.wallets().await.map_err(|e| refusal(&e, true))?;
    let out: Vec<Value> = wallets
        .iter()
        .map(|w| {
            let using = app.bots.bots_on_wallet(w.id.as_str());
            json!({
                "wallet": w.id, "address": w.address, "label": w.label,
                "allowed_markets": w.allowed_markets, "key_version": w.current_version,
                "updated": w.updated_time, "bots": using,
            })
        })
        .collect();
    Ok(Json(json!(out)))
}

/// After a key rotation: restart the wallet's bots one at a time on the new key version.
async fn rolling_restart(
    op: Operator,
    _: CsrfChecked,
    ip: ClientIp,
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, Refusal> {
    let wallet = WalletId::parse(&id)
        .map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, true, e.to_string()))?;
    let results = app.bots.rolling_restart(&wallet, &op.name).await;
    let failed = results.iter().filter(|r| !r.ok).count();
    let err = (failed > 0).then(|| LifecycleError::StartFailed("a bot did not come back".into()));
    record(
        &app,
        &op,
        &ip,
        "rolling_restart",
        wallet.as_str(),
        json!({ "results": results }),
        err.as_ref(),
    )
    .await;
    Ok(Json(json!({ "wallet": wallet, "results": results })))
}

/// Whether the dashboard's dependencies answer. 200 with the state of each; the dashboard
/// itself stays up when the proxy or Vault is down, and says so here and on every page.
async fn health(_: Viewer, State(app): State<Arc<AppState>>) -> Json<Value> {
    Json(super::health::check(&app).await)
}
