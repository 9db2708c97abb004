//! Passkeys on the account pages (rules in `auth::second_factor::passkeys`), driven by
//! static/passkey.js: enrolment from a signed-in browser session (options, then the
//! authenticator's answer, both JSON with the CSRF header), removal (a form), and the
//! passkey way through the second sign-in step (/login/passkey), throttled like a code.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};
use webauthn_rs::Webauthn;

use super::login::entry;
use super::second_step::pending_user;
use super::throttle::{locked_message, Attempt};
use super::{audit, internal};
use crate::audit::actions;
use crate::auth::second_factor::passkeys::{self, MAX_PER_USER};
use crate::auth::{AuthState, ClientIp, CsrfChecked, CurrentUser};
use crate::web::error::WebError;

/// The browser's script: `default-src 'self'` allows no inline script.
pub(super) const SCRIPT: &str = include_str!("../../../static/passkey.js");

pub(super) async fn script() -> Response {
    let js = HeaderValue::from_static("text/javascript; charset=utf-8");
    ([(header::CONTENT_TYPE, js)], SCRIPT).into_response()
}

fn relying_party(auth: &AuthState) -> Result<Webauthn, WebError> {
    passkeys::relying_party(&auth.settings).map_err(|e| {
        tracing::warn!(error = %e, "passkeys are off");
        WebError::conflict(
            "passkeys are not available: auth.passkey_origin is not this dashboard's https URL",
        )
    })
}

fn session_only(user: &CurrentUser) -> Result<(), WebError> {
    match user.session_id() {
        Some(_) => Ok(()),
        None => Err(WebError::forbidden(
            "passkeys are set up from a signed-in browser session, not with an API token",
        )),
    }
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, WebError> {
    serde_json::from_slice(body)
        .map_err(|_| WebError::bad_request("the browser's passkey answer could not be read"))
}

/// POST /account/passkeys/options: the `navigator.credentials.create` options (JSON).
pub(super) async fn register_options(
    State(auth): State<AuthState>,
    user: CurrentUser,
    _: CsrfChecked,
) -> Result<Response, WebError> {
    session_only(&user)?;
    let rp = relying_party(&auth)?;
    let now = auth.clock.now_ms();
    let options = passkeys::start_registration(auth.store.pool(), &rp, user.id, &user.name, now)
        .await
        .map_err(|e| WebError::internal(&e))?;
    match options {
        Some(o) => Ok(Json(o).into_response()),
        None => Err(WebError::conflict(format!(
            "you have {MAX_PER_USER} passkeys; remove one first"
        ))),
    }
}

#[derive(Deserialize)]
struct Registration {
    name: String,
    credential: RegisterPublicKeyCredential,
}

/// POST /account/passkeys: the authenticator's answer; the public key is kept (JSON).
pub(super) async fn register(
    State(auth): State<AuthState>,
    ip: ClientIp,
    user: CurrentUser,
    _: CsrfChecked,
    body: Bytes,
) -> Result<Response, WebError> {
    session_only(&user)?;
    let reg: Registration = parse(&body)?;
    let rp = relying_party(&auth)?;
    let now = auth.clock.now_ms();
    let pool = auth.store.pool();
    let done = passkeys::finish_registration(pool, &rp, user.id, &reg.name, &reg.credential, now)
        .await
        .map_err(|e| WebError::internal(&e))?;
    let id = done.map_err(|refused| WebError::bad_request(refused.to_string()))?;
    let details = json!({ "factor": "passkey", "passkey": id });
    audit(&auth, entry(&user, actions::PASSKEY_ADD, ip, details)).await;
    Ok(Json(json!({ "id": id, "redirect": "/account?done=passkey" })).into_response())
}

/// POST /account/passkeys/{id}/remove (a form).
pub(super) async fn remove(
    State(auth): State<AuthState>,
    ip: ClientIp,
    user: CurrentUser,
    _: CsrfChecked,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    session_only(&user)?;
    let removed = passkeys::remove(auth.store.pool(), user.id, id)
        .await
        .map_err(|e| internal(&e))?;
    if !removed {
        return Err(WebError::not_found("you have no such passkey").page_for(&user));
    }
    let details = json!({ "factor": "passkey", "passkey": id });
    audit(&auth, entry(&user, actions::PASSKEY_REMOVE, ip, details)).await;
    Ok(Redirect::to("/account?done=passkey-removed").into_response())
}

fn refused(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

const ENDED: &str = "the sign-in took too long or has ended; sign in again";

/// POST /login/passkey/options: the `navigator.credentials.get` options for the user of
/// this second step (JSON); refused while their sign-in is locked.
pub(super) async fn login_options(
    State(auth): State<AuthState>,
    ip: ClientIp,
    headers: axum::http::HeaderMap,
) -> Result<Response, WebError> {
    let Some((token, user_id, name)) = pending_user(&auth, &headers).await? else {
        return Ok(refused(StatusCode::UNAUTHORIZED, ENDED));
    };
    let attempt = Attempt::new(&auth, ip, &name);
    if let Some(until) = attempt.lock(&auth).await? {
        let message = locked_message(until, attempt.now);
        return Ok(refused(StatusCode::TOO_MANY_REQUESTS, message));
    }
    let rp = relying_party(&auth)?;
    let options =
        passkeys::start_authentication(auth.store.pool(), &rp, &token, user_id, attempt.now)
            .await
            .map_err(|e| WebError::internal(&e))?;
    Ok(match options {
        Some(o) => Json(o).into_response(),
        None => refused(StatusCode::CONFLICT, "you have no passkey; use a code"),
    })
}

/// POST /login/passkey: the authenticator's signature. Right: the session starts and the
/// answer names where to go (`{"redirect": ...}`, with the session cookie). Wrong: counted
/// by the login throttle like a wrong code.
pub(super) async fn login_finish(
    State(auth): State<AuthState>,
    ip: ClientIp,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let Some((token, user_id, name)) = pending_user(&auth, &headers).await? else {
        return Ok(refused(StatusCode::UNAUTHORIZED, ENDED));
    };
    let attempt = Attempt::new(&auth, ip, &name);
    if let Some(until) = attempt.lock(&auth).await? {
        let message = locked_message(until, attempt.now);
        return Ok(refused(StatusCode::TOO_MANY_REQUESTS, message));
    }
    let ok = match serde_json::from_slice::<PublicKeyCredential>(&body) {
        Ok(cred) => {
            let rp = relying_party(&auth)?;
            let pool = auth.store.pool();
            passkeys::finish_authentication(pool, &rp, &token, user_id, &cred, attempt.now)
                .await
                .map_err(|e| WebError::internal(&e))?
        }
        Err(_) => false,
    };
    if !ok {
        let lock = attempt.failed(&auth, "wrong passkey signature").await?;
        let message = lock.map_or_else(
            || "the passkey did not sign in; try again or use a code".to_owned(),
            |u| locked_message(u, attempt.now),
        );
        return Ok(refused(StatusCode::UNAUTHORIZED, message));
    }
    let signed_in = super::second_step::complete(&auth, &attempt, &token, &name).await?;
    Ok(as_json(&signed_in))
}

/// A sign-in's redirect (with its cookie) as JSON for the script: `{"redirect": path}`.
fn as_json(redirect: &Response) -> Response {
    let to = redirect
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("/login")
        .to_owned();
    let cookie = redirect.headers().get(header::SET_COOKIE).cloned();
    let mut res = Json(json!({ "redirect": to })).into_response();
    if let Some(c) = cookie {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    res
}
