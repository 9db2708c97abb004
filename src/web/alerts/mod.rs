//! Alert webhooks, for admins: `/api/alerts/targets` (list, add, remove, send a test) and the
//! `/alerts` page with the same actions as forms. Adding and removing are audited
//! (`alert_target_add`, `alert_target_remove`); every delivery, the test's included, is
//! audited by `crate::alerts::deliver`. URLs are never shown back beyond their host.

mod page;
pub mod watch;

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::json;

use super::error::WebError;
use super::{actions, AppState};
use crate::alerts::{self, targets, Alert, Delivery, NewTarget, Rule, Target};
use crate::audit::{actions as names, Entry, Outcome};
use crate::auth::{Admin, ClientIp, CsrfChecked};
use crate::clock::Clock;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/alerts/targets", get(list).post(add))
        .route("/api/alerts/targets/{id}", delete(remove))
        .route("/api/alerts/targets/{id}/test", post(test))
        .route("/alerts", get(page::show).post(page::add))
        .route("/alerts/{id}/test", post(page::test))
        .route("/alerts/{id}/delete", post(page::remove))
}

async fn list(_: Admin, State(app): State<Arc<AppState>>) -> Result<Json<Vec<Target>>, WebError> {
    let all = targets::list(app.store.pool())
        .await
        .map_err(|e| WebError::internal(&e))?;
    Ok(Json(all))
}

async fn add(
    admin: Admin,
    _: CsrfChecked,
    ip: ClientIp,
    State(app): State<Arc<AppState>>,
    body: Result<Json<NewTarget>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, WebError> {
    let Json(new) = body.map_err(|e| {
        WebError::bad_request(format!("not a valid alert target: {}", e.body_text()))
    })?;
    let id = save(&app, &admin, &ip, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id })).into_response(),
    )
        .into_response())
}

/// Validates, saves and audits a new target; a refusal is a 422 with the rule it broke (also
/// audited, without the URL).
pub(super) async fn save(
    app: &AppState,
    admin: &Admin,
    ip: &ClientIp,
    new: NewTarget,
) -> Result<i64, WebError> {
    let name = new.name.clone();
    let allow_http = app.settings.alerts.dangerous_allow_plain_http_webhooks;
    let saved = match new.validate(allow_http) {
        Ok(valid) => targets::insert(
            app.store.pool(),
            &valid,
            &admin.name,
            crate::clock::now_ms(),
        )
        .await
        .map_err(|e| WebError::internal(&e))?,
        Err(refusal) => Err(refusal),
    };
    let (outcome, details) = match &saved {
        Ok(id) => (Outcome::Ok, json!({ "id": id })),
        Err(why) => (Outcome::Denied, json!({ "error": why })),
    };
    let entry = Entry {
        actor: &admin.name,
        action: names::ALERT_TARGET_ADD,
        target: &name,
        ip: ip.0,
        details,
        result: outcome,
    };
    actions::append(&app.store, &Clock::System, entry).await;
    saved.map_err(WebError::unprocessable)
}

async fn remove(
    admin: Admin,
    _: CsrfChecked,
    ip: ClientIp,
    State(app): State<Arc<AppState>>,
    Path(id): Path<i64>,
) -> Result<StatusCode, WebError> {
    drop_target(&app, &admin, &ip, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn drop_target(
    app: &AppState,
    admin: &Admin,
    ip: &ClientIp,
    id: i64,
) -> Result<(), WebError> {
    let found = targets::remove(app.store.pool(), id)
        .await
        .map_err(|e| WebError::internal(&e))?;
    if !found {
        return Err(WebError::not_found(format!("no alert target {id}")));
    }
    let entry = Entry {
        actor: &admin.name,
        action: names::ALERT_TARGET_REMOVE,
        target: &id.to_string(),
        ip: ip.0,
        details: json!({ "id": id }),
        result: Outcome::Ok,
    };
    actions::append(&app.store, &Clock::System, entry).await;
    Ok(())
}

async fn test(
    admin: Admin,
    _: CsrfChecked,
    State(app): State<Arc<AppState>>,
    Path(id): Path<i64>,
) -> Result<Json<Delivery>, WebError> {
    Ok(Json(send_test(&app, &admin, id).await?))
}

/// Sends a `test` alert to target `id` and waits for the delivery (retries included).
pub(super) async fn send_test(
    app: &AppState,
    admin: &Admin,
    id: i64,
) -> Result<Delivery, WebError> {
    let all = targets::list(app.store.pool())
        .await
        .map_err(|e| WebError::internal(&e))?;
    let target = all
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| WebError::not_found(format!("no alert target {id}")))?;
    let alert = Alert {
        rule: Rule::Test,
        subject: target.name.clone(),
        text: format!("a test alert sent by {} from the dashboard", admin.name),
        ts_ms: crate::clock::now_ms(),
        details: json!({ "by": admin.name }),
    };
    Ok(alerts::deliver(app.store.pool(), &app.alerts, &target, &alert).await)
}
