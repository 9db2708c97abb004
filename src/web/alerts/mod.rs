//! Alert webhooks, for admins: `/api/alerts/targets` (list, add, remove, send a test) and the
//! `/alerts` page with the same actions as forms. Adding and removing are audited
//! (`alert_target_add`, `alert_target_remove`); every delivery, the test's included, is
//! audited by `crate::alerts::deliver`. URLs are never shown back beyond their host.
//!
//! A URL goes to Vault (`alerts/data/webhooks/<ref>`), the row to the database, in that order:
//! Vault refusing or down is a 503 with nothing saved; a database failure after the Vault
//! write removes the URL from Vault again. Removing deletes the URL from Vault first (a 503
//! keeps the row, so it can be retried), then the row.

pub mod grants;
pub mod losses;
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
use crate::alerts::{
    self, manage, targets, Alert, Delivery, NewTarget, Rule, Target, UrlBook, UrlRef,
};
use crate::audit::{actions as names, Entry, Outcome};
use crate::auth::{Admin, ClientIp, CsrfChecked};
use crate::clock::Clock;

/// What the dashboard's deliveries share, built at startup: the URLs in Vault behind a cache,
/// after the URLs of the previous version were moved out of the database (`alerts::legacy`;
/// an error refuses the start), every URL read once so `vault_down` can still be delivered.
pub async fn sender(
    vault: &crate::vault::DashboardSession,
    store: &crate::store::Store,
) -> anyhow::Result<alerts::Sender> {
    let book = UrlBook::new(Arc::new(crate::vault::webhooks::VaultWebhooks::new(
        vault.clone(),
    )));
    let moved = alerts::legacy::move_into_vault(store.pool(), &book).await?;
    if moved.urls > 0 || moved.scrubbed {
        tracing::info!(
            urls = moved.urls,
            scrubbed = moved.scrubbed,
            "alert target URLs moved out of the database into Vault"
        );
    }
    let refs: Vec<UrlRef> = targets::list(store.pool())
        .await?
        .into_iter()
        .filter_map(|t| t.url_ref)
        .collect();
    book.warm(&refs).await;
    Ok(alerts::Sender::new(book))
}

/// The 503 of a Vault failure; the cause is logged, the sentence says what to do.
fn vault_unavailable(what: &str, e: &crate::vault::VaultError) -> WebError {
    use crate::vault::VaultError;
    tracing::error!(error = %e, "{what}: Vault failed");
    let why = match e {
        VaultError::Denied { .. } | VaultError::Rejected { status: 403, .. } => {
            "Vault refused the dashboard access to alerts/ (after an upgrade, run \
             `tradebot vault bootstrap`)"
        }
        _ => {
            "Vault, where webhook URLs are kept, cannot be reached or is sealed; try again once \
             it is back (see /api/health)"
        }
    };
    WebError::unavailable(format!("{what}: {why}. Nothing was changed."))
}

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
        Ok(valid) => store_target(app, admin, &valid).await,
        Err(refusal) => Err(WebError::unprocessable(refusal)),
    };
    let (outcome, details) = match &saved {
        Ok(id) => (Outcome::Ok, json!({ "id": id })),
        Err(e) => (e.outcome(), e.audit_details()),
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
    saved
}

/// Vault, then the row (`alerts::manage::add`): Vault failing is a 503, nothing saved.
async fn store_target(
    app: &AppState,
    admin: &Admin,
    valid: &targets::Valid,
) -> Result<i64, WebError> {
    let now = crate::clock::now_ms();
    match manage::add(app.store.pool(), &app.alerts.urls, valid, &admin.name, now).await {
        Ok(Ok(id)) => Ok(id),
        Ok(Err(refusal)) => Err(WebError::unprocessable(refusal)),
        Err(e) => Err(failure("the target was not added", e)),
    }
}

/// A failure of `alerts::manage` as a response: Vault's a 503 with a sentence, the
/// database's a 500.
fn failure(what: &str, e: manage::Failure) -> WebError {
    match e {
        manage::Failure::Vault(e) => vault_unavailable(what, &e),
        manage::Failure::Database(e) => WebError::internal(&e),
    }
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
    let pool = app.store.pool();
    let target = targets::find(pool, id)
        .await
        .map_err(|e| WebError::internal(&e))?
        .ok_or_else(|| WebError::not_found(format!("no alert target {id}")))?;
    let removed = remove_both(app, &target).await;
    let (result, details) = match &removed {
        Ok(()) => (Outcome::Ok, json!({ "id": id })),
        Err(e) => (e.outcome(), e.audit_details()),
    };
    let entry = Entry {
        actor: &admin.name,
        action: names::ALERT_TARGET_REMOVE,
        target: &target.name,
        ip: ip.0,
        details,
        result,
    };
    actions::append(&app.store, &Clock::System, entry).await;
    removed
}

/// The URL from Vault first (on failure the row stays, and the removal can be retried), then
/// the row (`alerts::manage::remove`).
async fn remove_both(app: &AppState, target: &Target) -> Result<(), WebError> {
    match manage::remove(app.store.pool(), &app.alerts.urls, target).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(WebError::not_found(format!(
            "no alert target {}",
            target.id
        ))),
        Err(e) => Err(failure("the target was not removed", e)),
    }
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
    let target = targets::find(app.store.pool(), id)
        .await
        .map_err(|e| WebError::internal(&e))?
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
