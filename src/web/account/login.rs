//! /login, /logout, /logout-all.

use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;

use super::{audit, internal, HumanForm};
use crate::audit::{actions, Entry, Outcome};
use crate::auth::ratelimit::{self, Policy};
use crate::auth::{password, sessions, users, AuthState, ClientIp, CsrfChecked, CurrentUser};
use crate::web::error::WebError;
use crate::web::view::{render_status, Chrome};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    name: String,
    error: Option<String>,
}

fn page(status: StatusCode, name: &str, error: Option<String>) -> Response {
    let page = LoginPage {
        chrome: Chrome::anonymous(),
        name: name.to_owned(),
        error,
    };
    render_status(status, &page)
}

pub(super) async fn form(user: Option<CurrentUser>) -> Response {
    if user.is_some() {
        return Redirect::to("/").into_response();
    }
    page(StatusCode::OK, "", None)
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    name: String,
    password: SecretString,
}

const WRONG: &str = "wrong user name or password";

pub(super) async fn submit(
    State(auth): State<AuthState>,
    ip: ClientIp,
    HumanForm(form): HumanForm<LoginForm>,
) -> Result<Response, WebError> {
    let pool = auth.store.pool();
    let now = auth.clock.now_ms();
    let policy = Policy::from(&auth.settings);
    let user_key = ratelimit::user_key(&form.name);
    // Without a known address there is no per-address counter (it would lock out everyone).
    let keys: Vec<String> = std::iter::once(user_key.clone())
        .chain(ip.0.map(ratelimit::ip_key))
        .collect();
    let name = form.name.trim().to_ascii_lowercase();
    let failed = |detail: &'static str| Entry {
        actor: "",
        action: actions::LOGIN_FAILED,
        target: "",
        ip: ip.0,
        details: serde_json::json!({ "reason": detail }),
        result: Outcome::Denied,
    };
    if let Some(until) = ratelimit::lock_of(pool, policy, &keys, now)
        .await
        .map_err(|e| internal(&e))?
    {
        audit(
            &auth,
            Entry {
                actor: &name,
                ..failed("locked")
            },
        )
        .await;
        return Ok(page(
            StatusCode::TOO_MANY_REQUESTS,
            &form.name,
            Some(locked_message(until, now)),
        ));
    }
    let account = match name.parse::<users::UserName>() {
        Ok(n) => users::by_name(pool, n.as_str())
            .await
            .map_err(|e| internal(&e))?,
        Err(_) => None,
    };
    let (user, phc) = match account {
        Some((user, phc)) => (Some(user), Some(phc)),
        None => (None, None),
    };
    // Unknown users cost one Argon2 verification too, so timing does not tell who exists.
    let ok = password::verify(form.password, phc).await;
    let user = match user {
        Some(u) if ok && !u.disabled => u,
        _ => {
            ratelimit::record_failure(pool, &keys, now)
                .await
                .map_err(|e| internal(&e))?;
            audit(
                &auth,
                Entry {
                    actor: &name,
                    ..failed("wrong password or unknown user")
                },
            )
            .await;
            let lock = ratelimit::lock_of(pool, policy, &keys, now)
                .await
                .map_err(|e| internal(&e))?;
            let message = lock.map_or_else(|| WRONG.to_owned(), |until| locked_message(until, now));
            return Ok(page(StatusCode::UNAUTHORIZED, &form.name, Some(message)));
        }
    };
    ratelimit::clear(pool, &user_key)
        .await
        .map_err(|e| internal(&e))?;
    let session = sessions::create(pool, user.id, &ip.text(), now)
        .await
        .map_err(|e| internal(&e))?;
    tracing::info!(user = %user.name, session = crate::auth::secret::log_id(&session.id), "signed in");
    let ok_entry = Entry {
        actor: &user.name,
        action: actions::LOGIN,
        target: &user.name,
        ip: ip.0,
        details: serde_json::Value::Null,
        result: Outcome::Ok,
    };
    audit(&auth, ok_entry).await;
    let to = if user.must_change_password {
        "/account"
    } else {
        "/"
    };
    Ok((
        [(header::SET_COOKIE, sessions::set_cookie(&session.token))],
        Redirect::to(to),
    )
        .into_response())
}

fn locked_message(until_ms: i64, now_ms: i64) -> String {
    let minutes = (until_ms - now_ms + 59_999) / 60_000;
    format!(
        "too many failed logins; try again after {} (in {minutes} minute{})",
        crate::clock::format_ms(until_ms, false),
        if minutes == 1 { "" } else { "s" }
    )
}

/// Ends this session.
pub(super) async fn logout(
    State(auth): State<AuthState>,
    ip: ClientIp,
    user: CurrentUser,
    _: CsrfChecked,
) -> Result<Response, WebError> {
    if let Some(id) = user.session_id() {
        sessions::delete(auth.store.pool(), id)
            .await
            .map_err(|e| internal(&e))?;
    }
    audit(
        &auth,
        entry(&user, actions::LOGOUT, ip, serde_json::Value::Null),
    )
    .await;
    Ok(signed_out())
}

/// Ends every session of this user, on every device.
pub(super) async fn logout_all(
    State(auth): State<AuthState>,
    ip: ClientIp,
    user: CurrentUser,
    _: CsrfChecked,
) -> Result<Response, WebError> {
    let n = sessions::delete_all_for_user(auth.store.pool(), user.id)
        .await
        .map_err(|e| internal(&e))?;
    audit(
        &auth,
        entry(
            &user,
            actions::LOGOUT_ALL,
            ip,
            serde_json::json!({ "sessions": n }),
        ),
    )
    .await;
    Ok(signed_out())
}

fn signed_out() -> Response {
    (
        [(header::SET_COOKIE, sessions::clear_cookie())],
        Redirect::to("/login"),
    )
        .into_response()
}

/// An audit entry by `user` about themselves.
pub(crate) fn entry<'a>(
    user: &'a CurrentUser,
    action: &'a str,
    ip: ClientIp,
    details: serde_json::Value,
) -> Entry<'a> {
    Entry {
        actor: &user.name,
        action,
        target: &user.name,
        ip: ip.0,
        details,
        result: Outcome::Ok,
    }
}
