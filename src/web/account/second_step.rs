//! /login/code: the second step of a sign-in for a user with TOTP. The password step left a
//! short-lived `__Host-` cookie (`auth::second_factor::pending`); this form takes a TOTP code
//! (checked by Vault) or a recovery code (checked here, once), through the same throttle as
//! passwords: the user's name from this address. A user with a passkey can answer with it
//! instead (`super::passkeys`, same throttle).

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;

use super::login::sign_in;
use super::throttle::{locked_message, Attempt};
use super::{audit, internal, HumanForm};
use crate::audit::{actions, Entry, Outcome};
use crate::auth::second_factor::{self, passkeys, pending, recovery};
use crate::auth::{users, AuthState, ClientIp};
use crate::web::error::WebError;
use crate::web::view::{render_status, Chrome};

#[derive(Template)]
#[template(path = "login_code.html")]
struct CodePage {
    chrome: Chrome,
    error: Option<String>,
    /// What this user can answer with.
    factors: Factors,
}

/// The second factors a half-signed-in user has: the page offers those.
#[derive(Debug, Clone, Copy, Default)]
struct Factors {
    code: bool,
    passkey: bool,
}

async fn factors(auth: &AuthState, user_id: i64) -> Result<Factors, WebError> {
    let pool = auth.store.pool();
    let totp = second_factor::state(pool, user_id)
        .await
        .map_err(|e| internal(&e))?;
    let keys = passkeys::count(pool, user_id)
        .await
        .map_err(|e| internal(&e))?;
    Ok(Factors {
        code: totp == second_factor::State::Active,
        passkey: keys > 0,
    })
}

fn page(status: StatusCode, error: Option<String>, factors: Factors) -> Response {
    render_status(
        status,
        &CodePage {
            chrome: Chrome::anonymous(),
            error,
            factors,
        },
    )
}

/// After a right password for a user with TOTP: no session yet, only the second-step cookie.
pub(super) async fn begin(
    auth: &AuthState,
    attempt: &Attempt,
    user: &users::User,
) -> Result<Response, WebError> {
    let token = pending::create(auth.store.pool(), user.id, &attempt.ip.text(), attempt.now)
        .await
        .map_err(|e| internal(&e))?;
    Ok((
        [(header::SET_COOKIE, pending::set_cookie(&token))],
        Redirect::to("/login/code"),
    )
        .into_response())
}

/// The live second step of this browser: (cookie token, user id, user name).
pub(super) async fn pending_user(
    auth: &AuthState,
    headers: &HeaderMap,
) -> Result<Option<(String, i64, String)>, WebError> {
    let Some(token) = pending::token_from(headers) else {
        return Ok(None);
    };
    let found = pending::lookup(auth.store.pool(), &token, auth.clock.now_ms())
        .await
        .map_err(|e| internal(&e))?;
    Ok(found.map(|(id, name)| (token, id, name)))
}

pub(super) async fn form(
    State(auth): State<AuthState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    Ok(match pending_user(&auth, &headers).await? {
        Some((_, id, _)) => page(StatusCode::OK, None, factors(&auth, id).await?),
        None => Redirect::to("/login").into_response(),
    })
}

#[derive(Deserialize)]
pub(super) struct CodeForm {
    code: SecretString,
}

const WRONG: &str = "wrong code; type the code your app shows now, or a recovery code";

pub(super) async fn submit(
    State(auth): State<AuthState>,
    ip: ClientIp,
    headers: HeaderMap,
    HumanForm(form): HumanForm<CodeForm>,
) -> Result<Response, WebError> {
    let Some((token, user_id, name)) = pending_user(&auth, &headers).await? else {
        let msg = "the sign-in took too long or has ended; sign in again";
        let factors = Factors {
            code: true,
            passkey: false,
        };
        return Ok(page(StatusCode::UNAUTHORIZED, Some(msg.into()), factors));
    };
    let offered = factors(&auth, user_id).await?;
    let attempt = Attempt::new(&auth, ip, &name);
    if let Some(until) = attempt.lock(&auth).await? {
        let message = locked_message(until, attempt.now);
        return Ok(page(StatusCode::TOO_MANY_REQUESTS, Some(message), offered));
    }
    if !check(&auth, &attempt, user_id, &name, &form.code).await? {
        let lock = attempt.failed(&auth, "wrong second-factor code").await?;
        let message = lock.map_or_else(|| WRONG.to_owned(), |u| locked_message(u, attempt.now));
        return Ok(page(StatusCode::UNAUTHORIZED, Some(message), offered));
    }
    complete(&auth, &attempt, &token, &name).await
}

/// The second factor was right: the second step ends and the session starts (a redirect
/// with its cookie), or back to /login when the user was disabled meanwhile.
pub(super) async fn complete(
    auth: &AuthState,
    attempt: &Attempt,
    token: &str,
    name: &str,
) -> Result<Response, WebError> {
    let pool = auth.store.pool();
    pending::finish(pool, token)
        .await
        .map_err(|e| internal(&e))?;
    let user = users::by_name(pool, name)
        .await
        .map_err(|e| internal(&e))?
        .map(|(u, _)| u)
        .filter(|u| !u.disabled);
    match user {
        Some(user) => sign_in(auth, attempt, user).await,
        None => Ok(Redirect::to("/login").into_response()),
    }
}

/// A 6-digit code goes to Vault; a recovery code's shape is spent here (audited).
async fn check(
    auth: &AuthState,
    attempt: &Attempt,
    user_id: i64,
    name: &str,
    code: &SecretString,
) -> Result<bool, WebError> {
    if let Some(totp) = second_factor::parse_code(code.expose_secret()) {
        let Some(vault) = &auth.totp else {
            return Err(internal(&anyhow::anyhow!(
                "TOTP code but no Vault configured"
            )));
        };
        return vault.validate(name, &totp).await.map_err(|e| internal(&e));
    }
    let left = recovery::consume(auth.store.pool(), user_id, code, attempt.now)
        .await
        .map_err(|e| internal(&e))?;
    if let Some(left) = left {
        let entry = Entry {
            actor: name,
            action: actions::RECOVERY_CODE_USED,
            target: name,
            ip: attempt.ip.0,
            details: json!({ "codes_left": left }),
            result: Outcome::Ok,
        };
        audit(auth, entry).await;
    }
    Ok(left.is_some())
}
