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

/// One login attempt: its rate-limit keys (the user's, plus the client address's when known)
/// and the normalised name the audit log records.
struct Attempt {
    policy: Policy,
    now: i64,
    user_key: String,
    keys: Vec<String>,
    name: String,
    ip: ClientIp,
}

impl Attempt {
    fn new(auth: &AuthState, ip: ClientIp, form_name: &str) -> Self {
        let user_key = ratelimit::user_key(form_name);
        // Without a known address there is no per-address counter (it would lock out everyone).
        let keys = std::iter::once(user_key.clone())
            .chain(ip.0.map(ratelimit::ip_key))
            .collect();
        Attempt {
            policy: Policy::from(&auth.settings),
            now: auth.clock.now_ms(),
            user_key,
            keys,
            name: form_name.trim().to_ascii_lowercase(),
            ip,
        }
    }

    /// The end of the lock on any of this attempt's keys, if one is locked now.
    async fn lock(&self, auth: &AuthState) -> Result<Option<i64>, WebError> {
        ratelimit::lock_of(auth.store.pool(), self.policy, &self.keys, self.now)
            .await
            .map_err(|e| internal(&e))
    }

    /// The audit entry of a refused attempt, with `reason` as its detail.
    fn failed(&self, reason: &'static str) -> Entry<'_> {
        Entry {
            actor: &self.name,
            action: actions::LOGIN_FAILED,
            target: "",
            ip: self.ip.0,
            details: serde_json::json!({ "reason": reason }),
            result: Outcome::Denied,
        }
    }
}

pub(super) async fn submit(
    State(auth): State<AuthState>,
    ip: ClientIp,
    HumanForm(form): HumanForm<LoginForm>,
) -> Result<Response, WebError> {
    let attempt = Attempt::new(&auth, ip, &form.name);
    if let Some(until) = attempt.lock(&auth).await? {
        audit(&auth, attempt.failed("locked")).await;
        let message = locked_message(until, attempt.now);
        return Ok(page(
            StatusCode::TOO_MANY_REQUESTS,
            &form.name,
            Some(message),
        ));
    }
    match authenticate(&auth, &attempt.name, form.password).await? {
        Some(user) => sign_in(&auth, &attempt, user).await,
        None => refuse(&auth, &attempt, &form.name).await,
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

/// A wrong password, unknown or disabled user: counts the failure, then answers 401 with the
/// lock it may have caused.
async fn refuse(
    auth: &AuthState,
    attempt: &Attempt,
    form_name: &str,
) -> Result<Response, WebError> {
    ratelimit::record_failure(auth.store.pool(), &attempt.keys, attempt.now)
        .await
        .map_err(|e| internal(&e))?;
    audit(auth, attempt.failed("wrong password or unknown user")).await;
    let lock = attempt.lock(auth).await?;
    let message = lock.map_or_else(
        || WRONG.to_owned(),
        |until| locked_message(until, attempt.now),
    );
    Ok(page(StatusCode::UNAUTHORIZED, form_name, Some(message)))
}

/// Clears the user's failure count, opens a session and redirects with its cookie (to
/// /account when the password must be changed first).
async fn sign_in(
    auth: &AuthState,
    attempt: &Attempt,
    user: users::User,
) -> Result<Response, WebError> {
    let pool = auth.store.pool();
    ratelimit::clear(pool, &attempt.user_key)
        .await
        .map_err(|e| internal(&e))?;
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
