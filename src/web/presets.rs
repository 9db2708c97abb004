//! Presets over HTTP: `GET /api/presets?market=M` (every signed-in user), `POST /api/presets`
//! and `DELETE /api/presets/{id}` (operators and admins). Saves and removals are audited
//! (`preset_save`, `preset_delete`) with name, market, bot type and parameters; refusals as
//! `denied`. A start naming a preset goes through [`for_start`].

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::WebError;
use super::{actions, AppState};
use crate::audit::{Entry, Outcome};
use crate::auth::{ClientIp, CsrfChecked, Operator, Viewer};
use crate::bots::StartForm;
use crate::clock::Clock;
use crate::domain::PresetName;
use crate::presets::{self, store, NewPreset, Preset, Saved, AUDIT_DELETE, AUDIT_SAVE};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/presets", get(list).post(save))
        .route("/api/presets/{id}", delete(remove))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    market: Option<String>,
}

/// The presets of a market (or all), by name.
async fn list(
    _: Viewer,
    State(app): State<Arc<AppState>>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<Preset>>, WebError> {
    let all = store::list(app.store.pool(), q.market.as_deref()).await?;
    Ok(Json(all))
}

/// 201 `{preset}` created, 200 `{preset}` replaced (`overwrite: true`); 400 unreadable body,
/// 409 name taken for the market, 422 a rule broken. Nothing is saved on a refusal.
async fn save(
    op: Operator,
    _: CsrfChecked,
    ip: ClientIp,
    State(app): State<Arc<AppState>>,
    body: Result<Json<NewPreset>, JsonRejection>,
) -> Result<Response, WebError> {
    let new = match body {
        Ok(Json(new)) => new,
        Err(e) => {
            let refused = WebError::bad_request(format!("not a valid preset: {}", e.body_text()));
            let details = json!({ "error": presets::redact_quoted(refused.message()) });
            audit(&app, &op, &ip, AUDIT_SAVE, "", details, Outcome::Denied).await;
            return Err(refused);
        }
    };
    let valid = match new.clone().validate(&app.bots.config().markets) {
        Ok(v) => v,
        Err(why) => {
            let details = new.refused_details(&why);
            let target = details["name"].as_str().unwrap_or_default().to_owned();
            audit(
                &app,
                &op,
                &ip,
                AUDIT_SAVE,
                &target,
                details,
                Outcome::Denied,
            )
            .await;
            return Err(WebError::unprocessable(why));
        }
    };
    let name = valid.name.as_str().to_owned();
    let mut details = valid.details();
    let saved = match store::save(app.store.pool(), &valid, &op.name, Clock::System.now_ms()).await
    {
        Ok(saved) => saved,
        Err(cause) => {
            // The database's fault: audited as `error` with the log line's request id.
            let failed = WebError::internal(&cause);
            if let (Some(d), Value::Object(e)) = (details.as_object_mut(), failed.audit_details()) {
                d.extend(e);
            }
            audit(&app, &op, &ip, AUDIT_SAVE, &name, details, Outcome::Error).await;
            return Err(failed);
        }
    };
    let (status, id) = match saved {
        Saved::Created(id) => (StatusCode::CREATED, id),
        Saved::Replaced(id) => (StatusCode::OK, id),
        Saved::Taken => {
            let why = format!(
                "name: a preset named {name:?} exists for {} already; save with \"overwrite\": true to replace it",
                valid.spec.market.as_str()
            );
            details["error"] = json!(presets::redact_quoted(&why));
            audit(&app, &op, &ip, AUDIT_SAVE, &name, details, Outcome::Denied).await;
            return Err(WebError::conflict(why));
        }
    };
    details["id"] = json!(id);
    details["replaced"] = json!(status == StatusCode::OK);
    audit(&app, &op, &ip, AUDIT_SAVE, &name, details, Outcome::Ok).await;
    let preset = store::find(app.store.pool(), valid.spec.market.as_str(), &name).await?;
    Ok((status, Json(json!({ "preset": preset })).into_response()).into_response())
}

/// 204 removed; 404 no such preset (audited as `denied`).
async fn remove(
    op: Operator,
    _: CsrfChecked,
    ip: ClientIp,
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<StatusCode, WebError> {
    let shown: String = id.chars().take(20).collect();
    let removed = match id.parse::<i64>() {
        Ok(n) => store::remove(app.store.pool(), n).await,
        Err(_) => Ok(None),
    };
    match removed {
        Err(cause) => {
            let failed = WebError::internal(&cause);
            let mut details = failed.audit_details();
            details["id"] = json!(shown);
            audit(&app, &op, &ip, AUDIT_DELETE, "", details, Outcome::Error).await;
            Err(failed)
        }
        Ok(Some(p)) => {
            audit(
                &app,
                &op,
                &ip,
                AUDIT_DELETE,
                &p.name,
                p.details(),
                Outcome::Ok,
            )
            .await;
            Ok(StatusCode::NO_CONTENT)
        }
        Ok(None) => {
            let why = format!("no preset {shown}");
            let details = json!({ "id": shown, "error": why });
            audit(&app, &op, &ip, AUDIT_DELETE, "", details, Outcome::Denied).await;
            Err(WebError::not_found(why))
        }
    }
}

/// A start that names a preset: the preset must exist for the start's market and be of its
/// bot type; when the start gives no `params`, the preset's are used. Returns the form to
/// parse as usual. `Err` is a 422 naming the preset (the caller audits the refusal).
pub(super) async fn for_start(app: &AppState, mut form: StartForm) -> Result<StartForm, WebError> {
    let Some(raw) = form.preset.as_deref() else {
        return Ok(form);
    };
    let name =
        PresetName::parse(raw).map_err(|e| WebError::unprocessable(format!("preset {e}")))?;
    let found = store::find(app.store.pool(), &form.market, name.as_str()).await?;
    let preset = found.ok_or_else(|| {
        WebError::unprocessable(format!(
            "preset: there is no preset {:?} for market {}",
            name.as_str(),
            form.market.chars().take(40).collect::<String>()
        ))
    })?;
    if preset.bot_type != form.bot_type {
        return Err(WebError::unprocessable(format!(
            "preset: {:?} is a {} preset, not {}",
            preset.name,
            preset.bot_type,
            form.bot_type.chars().take(40).collect::<String>()
        )));
    }
    if form.params == Value::Null {
        form.params = preset.params;
    }
    Ok(form)
}

async fn audit(
    app: &AppState,
    op: &Operator,
    ip: &ClientIp,
    action: &str,
    target: &str,
    details: Value,
    result: Outcome,
) {
    let entry = Entry {
        actor: &op.name,
        action,
        target,
        ip: ip.0,
        details,
        result,
    };
    actions::append(&app.store, &Clock::System, entry).await;
}
