//! The audited actions, shared by the JSON API and the page forms: each calls the lifecycle,
//! turns its error into a [`WebError`] (once: a 5xx logs its cause there) and writes its audit
//! entry, whatever the outcome, through [`append`], the one writer of the audit log.

use std::sync::Arc;

use serde_json::{json, Value};

use super::error::WebError;
use super::AppState;
use crate::audit::{self, Entry, Outcome};
use crate::auth::{Admin, ClientIp, CurrentUser, Operator};
use crate::bots::{BotView, StartRequest, StopResult};
use crate::clock::Clock;
use crate::domain::{BotId, WalletId};
use crate::store::Store;

const BOT_START: &str = "bot_start";

/// A start refused before the lifecycle saw it (unreadable or invalid input): who tried what
/// is part of the trail too.
pub async fn start_refused(app: &AppState, op: &Operator, ip: &ClientIp, refused: &WebError) {
    // The sentence without what was typed: a parameter's error quotes its value.
    let mut details = refused.audit_details();
    if let Some(error) = details.get_mut("error") {
        *error = json!(audit::redact_quoted(error.as_str().unwrap_or_default()));
    }
    let entry = entry(op, ip, BOT_START, "", details, refused.outcome());
    append(&app.store, &Clock::System, entry).await;
}

/// The first half of a start: the bot is registered (`starting`) under a new id. Returns that
/// id and the request's summary for the audit entry of [`launch`].
pub async fn begin(
    app: &AppState,
    op: &Operator,
    ip: &ClientIp,
    req: StartRequest,
) -> Result<(BotId, Value), WebError> {
    let mut summary = json!({
        "wallet": req.wallet.as_str(), "market": req.market.as_str(),
        "bot_type": req.bot_type.as_str(), "params": req.params,
    });
    if let Some(preset) = &req.preset {
        summary["preset"] = json!(preset);
    }
    match app.bots.begin(req, &op.name).await {
        Ok(id) => Ok((id, summary)),
        Err(e) => {
            let e = WebError::from(e);
            record(app, op, ip, BOT_START, "", summary, Err(&e)).await;
            Err(e)
        }
    }
}

/// The second half: token, container, readiness. Audited with the bot's Vault accessor and
/// launch id, whatever the outcome.
pub async fn launch(
    app: &AppState,
    op: &Operator,
    ip: &ClientIp,
    bot_id: &BotId,
    summary: Value,
) -> Result<BotView, WebError> {
    // The launch reports what the audit entry records: no second question to the manager.
    let launch = app.bots.launch(bot_id).await;
    let result = launch.result.map_err(WebError::from);
    let mut details = summary;
    details["accessor"] = json!(launch.accessor);
    details["launch_id"] = json!(launch.launch_id);
    let ended = result.as_ref().map(drop);
    record(app, op, ip, BOT_START, bot_id.as_str(), details, ended).await;
    result
}

/// Stop, audited as `bot_stop`. The stop and its audit entry run in a task of their own
/// ([`to_the_end`]): a browser that leaves the page drops the request, not the entry.
pub async fn stop(
    app: &Arc<AppState>,
    op: &Operator,
    ip: &ClientIp,
    id: &str,
) -> Result<BotView, WebError> {
    let (app, op, ip, id) = (Arc::clone(app), op.clone(), *ip, id.to_owned());
    to_the_end(async move {
        let accessor = app.bots.accessor(&id);
        let result = app.bots.stop(&id, &op.name).await.map_err(WebError::from);
        let details = json!({ "accessor": accessor });
        let ended = result.as_ref().map(drop);
        record(&app, &op, &ip, "bot_stop", &id, details, ended).await;
        result
    })
    .await
}

/// Restart, audited as `bot_restart`, to its end like [`stop`].
pub async fn restart(
    app: &Arc<AppState>,
    op: &Operator,
    ip: &ClientIp,
    id: &str,
) -> Result<BotView, WebError> {
    let (app, op, ip, id) = (Arc::clone(app), op.clone(), *ip, id.to_owned());
    to_the_end(async move {
        let result = app
            .bots
            .restart(&id, &op.name)
            .await
            .map_err(WebError::from);
        let details = json!({ "accessor": app.bots.accessor(&id) });
        let ended = result.as_ref().map(drop);
        record(&app, &op, &ip, "bot_restart", &id, details, ended).await;
        result
    })
    .await
}

/// The kill switch: every bot, concurrently; each result reported and audited together, to
/// its end like [`stop`].
pub async fn stop_all(app: &Arc<AppState>, admin: &Admin, ip: &ClientIp) -> Vec<StopResult> {
    let (app, admin, ip) = (Arc::clone(app), admin.clone(), *ip);
    to_the_end(async move {
        let results = app.bots.stop_all(&admin.name).await;
        let details = json!({ "results": results });
        let entry = entry(
            &admin,
            &ip,
            "kill_all",
            "*",
            details,
            batch_outcome(&results),
        );
        append(&app.store, &Clock::System, entry).await;
        results
    })
    .await
}

/// After a key rotation: the wallet's bots restarted one at a time, audited together, to its
/// end like [`stop`].
pub async fn rolling_restart(
    app: &Arc<AppState>,
    op: &Operator,
    ip: &ClientIp,
    wallet: &WalletId,
) -> Vec<StopResult> {
    let (app, op, ip, wallet) = (Arc::clone(app), op.clone(), *ip, wallet.clone());
    to_the_end(async move {
        let results = app.bots.rolling_restart(&wallet, &op.name).await;
        let details = json!({ "results": results });
        let outcome = batch_outcome(&results);
        let entry = entry(
            &op,
            &ip,
            "rolling_restart",
            wallet.as_str(),
            details,
            outcome,
        );
        append(&app.store, &Clock::System, entry).await;
        results
    })
    .await
}

/// Runs `action` (a lifecycle call and its audit entry) in a task of its own and waits for
/// it. Dropping the returned future (the client went away: a closed tab, an HTTP/2
/// `RST_STREAM`) does not cancel the task, so the action and its audit entry both happen. A
/// panic in the task is resumed here; a task cancelled because the runtime shuts down leaves
/// this future pending, as the process is ending and no answer will be sent.
async fn to_the_end<T: Send + 'static>(
    action: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    match tokio::spawn(action).await {
        Ok(v) => v,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => std::future::pending().await,
    }
}

/// A batch failed if one of its bots did.
fn batch_outcome(results: &[StopResult]) -> Outcome {
    if results.iter().all(|r| r.ok) {
        Outcome::Ok
    } else {
        Outcome::Error
    }
}

/// Appends an audit entry for a bot action; its outcome and error text come from the error.
async fn record(
    app: &AppState,
    user: &CurrentUser,
    ip: &ClientIp,
    action: &str,
    target: &str,
    mut details: Value,
    ended: Result<(), &WebError>,
) {
    let outcome = match ended {
        Ok(()) => Outcome::Ok,
        Err(e) => {
            if let (Some(d), Value::Object(err)) = (details.as_object_mut(), e.audit_details()) {
                d.extend(err);
            }
            e.outcome()
        }
    };
    let entry = entry(user, ip, action, target, details, outcome);
    append(&app.store, &Clock::System, entry).await;
}

fn entry<'a>(
    user: &'a CurrentUser,
    ip: &ClientIp,
    action: &'a str,
    target: &'a str,
    details: Value,
    result: Outcome,
) -> Entry<'a> {
    Entry {
        actor: &user.name,
        action,
        target,
        ip: ip.0,
        details,
        result,
    }
}

/// The one writer of the dashboard's audit entries, stamped by `clock`. A failing write is
/// logged, never hidden, and does not undo the action (which already happened).
pub async fn append(store: &Store, clock: &Clock, entry: Entry<'_>) {
    let action = entry.action.to_owned();
    if let Err(e) = audit::record_at(store.pool(), entry, clock.now_ms()).await {
        tracing::error!(
            error = format!("{e:#}"),
            action,
            "cannot write the audit log"
        );
    }
}
