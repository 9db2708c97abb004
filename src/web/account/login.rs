//! /login, /logout, /logout-all.

use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;

use super::throttle::{locked_message, Attempt};
use super::{audit, internal, HumanForm};
use crate::audit::{actions, Entry, Outcome};
use crate::auth::{
    api_tokens, password, second_factor, sessions, users, AuthState, ClientIp, CsrfChecked,
    CurrentUser,
};
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
    let attempt = Attempt::new(&auth, ip, &form.name);
    // The page repeats at most what the throttle keeps of the name.
    let shown = attempt.name.clone();
    if let Some(until) = attempt.lock(&auth).await? {
        let message = locked_message(until, attempt.now);
        return Ok(page(StatusCode::TOO_MANY_REQUESTS, &shown, Some(message)));
    }
    match authenticate(&auth, &attempt.name, form.password).await? {
        Some(user) => {
            // With TOTP or a passkey the password opens only the second step; the failure
            // count for this name stays until the second factor is right too.
            let second = second_factor::any_active(auth.store.pool(), user.id)
                .await
                .map_err(|e| internal(&e))?;
            if second {
                return super::second_step::begin(&auth, &attempt, &user).await;
            }
            sign_in(&auth, &attempt, user).await
        }
        None => {
            let lock = attempt
                .failed(&auth, "wrong password or unknown user")
                .await?;
            let message = lock.map_or_else(
                || WRONG.to_owned(),
                |until| locked_message(until, attempt.now),
            );
            Ok(page(StatusCode::UNAUTHORIZED, &shown, Some(message)))
        }
    }
}

/// The enabled user `name` when `password` is theirs. Unknown users cost one Argon2
/// verification too, so timing does not tell who exists.
async fn authenticate(
    auth: &AuthState,
    name: &str,
    password: SecretString,
) -> Result<Option<users::User>, WebError> {
    let account = match name.parse::<users::UserName>() {
        Ok(n) => users::by_name(auth.store.pool(), n.as_str())
            .await
            .map_err(|e| internal(&e))?,
        Err(_) => None,
    };
    let (user, phc) = match account {
        Some((user, phc)) => (Some(user), Some(phc)),
        None => (None, None),
    };
    let ok = password::verify(password, phc).await;
    Ok(user.filter(|u| ok && !u.disabled))
}

/// Clears the user's failure count, opens a session and redirects with its cookie (to
/// /account when the password must be changed first).
pub(super) async fn sign_in(
    auth: &AuthState,
    attempt: &Attempt,
    user: users::User,
) -> Result<Response, WebError> {
    let pool = auth.store.pool();
    attempt.succeeded(auth).await?;
    let session = sessions::create(pool, user.id, &attempt.ip.text(), attempt.now)
        .await
        .map_err(|e| internal(&e))?;
    tracing::info!(user = %user.name, session = crate::auth::secret::log_id(&session.id), "signed in");
    let ok_entry = Entry {
        actor: &user.name,
        action: actions::LOGIN,
        target: &user.name,
        ip: attempt.ip.0,
        details: serde_json::Value::Null,
        result: Outcome::Ok,
    };
    audit(auth, ok_entry).await;
    let must_enrol = second_factor::required_for(&auth.settings, user.role)
        && !second_factor::any_active(pool, user.id)
            .await
            .map_err(|e| internal(&e))?;
    let to = if user.must_change_password || must_enrol {
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

/// Ends every session of this user, on every device, and revokes every API token they hold.
pub(super) async fn logout_all(
    State(auth): State<AuthState>,
    ip: ClientIp,
    user: CurrentUser,
    _: CsrfChecked,
) -> Result<Response, WebError> {
    let pool = auth.store.pool();
    let n = sessions::delete_all_for_user(pool, user.id)
        .await
        .map_err(|e| internal(&e))?;
    let tokens = api_tokens::revoke_all(pool, user.id)
        .await
        .map_err(|e| internal(&e))?;
    let details = serde_json::json!({ "sessions": n, "api_tokens": tokens });
    audit(&auth, entry(&user, actions::LOGOUT_ALL, ip, details)).await;
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
