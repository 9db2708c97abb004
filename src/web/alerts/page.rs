//! `/alerts`: the targets in a table with "Send test" and "Remove", and a form to add one.
//! Outcomes come back as a notice or an error line on the same page.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::alerts::{targets, NewTarget, Rule, Target};
use crate::auth::{Admin, ClientIp, CsrfChecked};
use crate::web::error::WebError;
use crate::web::view::{render, Chrome};
use crate::web::AppState;

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    chrome: Chrome,
    targets: Vec<Target>,
    rules: [Rule; Rule::SUBSCRIBABLE.len()],
    plain_http: bool,
    notice: Option<String>,
    error: Option<String>,
}

async fn render_page(
    app: &AppState,
    admin: &Admin,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let list = targets::list(app.store.pool())
        .await
        .map_err(|e| WebError::internal(&e).page_for(admin))?;
    Ok(render(&AlertsPage {
        chrome: Chrome::new(admin, "alerts"),
        targets: list,
        rules: Rule::SUBSCRIBABLE,
        plain_http: app.settings.alerts.dangerous_allow_plain_http_webhooks,
        notice,
        error,
    }))
}

pub(super) async fn show(
    admin: Admin,
    State(app): State<Arc<AppState>>,
) -> Result<Response, WebError> {
    render_page(&app, &admin, None, None).await
}

/// The add form: `name`, `format`, `url`, `chat_id` and one `rules` field per ticked rule.
pub(super) async fn add(
    admin: Admin,
    _: CsrfChecked,
    ip: ClientIp,
    State(app): State<Arc<AppState>>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let new = NewTarget {
        name: get("name"),
        format: get("format"),
        url: secrecy::SecretString::from(get("url")),
        chat_id: get("chat_id"),
        rules: fields
            .iter()
            .filter(|(f, _)| f == "rules")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    match super::save(&app, &admin, &ip, new).await {
        Ok(_) => render_page(&app, &admin, Some("Target added.".into()), None).await,
        // Refusals and Vault's 503: the sentence on the same page, the form still there.
        Err(e) if e.status().is_client_error() || e.status() == StatusCode::SERVICE_UNAVAILABLE => {
            let msg = e.message().to_owned();
            let mut page = render_page(&app, &admin, None, Some(msg)).await?;
            *page.status_mut() = e.status();
            Ok(page)
        }
        Err(e) => Err(e.page_for(&admin)),
    }
}

pub(super) async fn test(
    admin: Admin,
    _: CsrfChecked,
    State(app): State<Arc<AppState>>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let d = super::send_test(&app, &admin, id)
        .await
        .map_err(|e| e.page_for(&admin))?;
    if d.ok {
        let n = format!(
            "Test delivered to {} ({} attempt(s)).",
            d.target, d.attempts
        );
        render_page(&app, &admin, Some(n), None).await
    } else {
        let why = d.error.unwrap_or_default();
        let e = format!(
            "Test to {} failed after {} attempt(s): {why}",
            d.target, d.attempts
        );
        render_page(&app, &admin, None, Some(e)).await
    }
}

pub(super) async fn remove(
    admin: Admin,
    _: CsrfChecked,
    ip: ClientIp,
    State(app): State<Arc<AppState>>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    match super::drop_target(&app, &admin, &ip, id).await {
        Ok(()) => render_page(&app, &admin, Some("Target removed.".into()), None).await,
        Err(e) if e.status() == StatusCode::SERVICE_UNAVAILABLE => {
            let msg = e.message().to_owned();
            let mut page = render_page(&app, &admin, None, Some(msg)).await?;
            *page.status_mut() = e.status();
            Ok(page)
        }
        Err(e) => Err(e.page_for(&admin)),
    }
}
