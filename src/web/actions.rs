//! The audited bot actions, shared by the JSON API and the page forms: each calls the
//! lifecycle and appends its audit entry (with the bot's Vault accessor), whatever the outcome.

use serde_json::{json, Value};

use super::AppState;
use crate::audit::{self, Outcome};
use crate::auth::{Admin, ClientIp, CurrentUser, Operator};
use crate::bots::{BotView, LifecycleError, StopResult};

pub async fn stop(
    app: &AppState,
    op: &Operator,
    ip: &ClientIp,
    id: &str,
) -> Result<BotView, LifecycleError> {
    let accessor = app.bots.accessor(id);
    let result = app.bots.stop(id, &op.name).await;
    let details = json!({ "accessor": accessor });
    record(app, op, ip, "bot_stop", id, details, result.as_ref().err()).await;
    result
}

pub async fn restart(
    app: &AppState,
    op: &Operator,
    ip: &ClientIp,
    id: &str,
) -> Result<BotView, LifecycleError> {
    let result = app.bots.restart(id, &op.name).await;
    let details = json!({ "accessor": app.bots.accessor(id) });
    record(
        app,
        op,
        ip,
        "bot_restart",
        id,
        details,
        result.as_ref().err(),
    )
    .await;
    result
}

/// The kill switch: every bot, concurrently; each result reported and audited together.
pub async fn stop_all(app: &AppState, admin: &Admin, ip: &ClientIp) -> Vec<StopResult> {
    let results = app.bots.stop_all(&admin.name).await;
    let failed = results.iter().filter(|r| !r.ok).count();
    let err = (failed > 0).then(|| {
        LifecycleError::StopFailed(format!("{failed} of {} bots did not stop", results.len()))
    });
    let details = json!({ "results": results });
    record(app, admin, ip, "kill_all", "*", details, err.as_ref()).await;
    results
}

/// Appends an audit entry for a bot action, its outcome taken from the lifecycle's error.
pub async fn record(
    app: &AppState,
    user: &CurrentUser,
    ip: &ClientIp,
    action: &str,
    target: &str,
    details: Value,
    error: Option<&LifecycleError>,
) {
    let (result, details) = match error {
        None => (Outcome::Ok, details),
        Some(e) => {
            let mut d = details;
            d["error"] = json!(e.to_string());
            let refused = matches!(
                e,
                LifecycleError::Invalid(_)
                    | LifecycleError::NotFound(_)
                    | LifecycleError::Conflict(_)
            );
            (
                if refused {
                    Outcome::Denied
                } else {
                    Outcome::Error
                },
                d,
            )
        }
    };
    append(app, user, ip, action, target, details, result).await;
}

/// Appends one audit entry; a failing audit write is logged, never hidden.
pub async fn append(
    app: &AppState,
    user: &CurrentUser,
    ip: &ClientIp,
    action: &str,
    target: &str,
    details: Value,
    result: Outcome,
) {
    let entry = audit::Entry {
        actor: &user.name,
        action,
        target,
        ip: ip.0,
        details,
        result,
    };
    if let Err(e) = audit::record(app.store.pool(), entry).await {
        tracing::error!(error = %e, action, "cannot write the audit log");
    }
}
