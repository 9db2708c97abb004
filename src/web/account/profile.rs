//! /account: change one's password, create and revoke one's API tokens; /api/me.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::login::entry;
use super::{audit, internal, HumanForm};
use crate::audit::actions;
use crate::auth::api_tokens::{self, TokenInfo};
use crate::auth::{
    password, second_factor, second_factor::passkeys, sessions, users, AuthState, ClientIp,
    CsrfChecked, CurrentUser, Viewer,
};
use crate::clock::format_ms;
use crate::web::error::WebError;
use crate::web::view::{render, Chrome};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    must_change: bool,
    /// The role requires a second factor and the user has none yet.
    must_enrol: bool,
    /// "none", "pending" or "active".
    second_factor: &'static str,
    tokens: Vec<TokenRow>,
    passkeys: Vec<PasskeyRow>,
    /// Shown once, right after creation.
    new_token: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
}

struct TokenRow {
    id: i64,
    name: String,
    created: String,
    last_used: String,
}

impl From<TokenInfo> for TokenRow {
    fn from(t: TokenInfo) -> Self {
        Self {
            id: t.id,
            name: t.name,
            created: format_ms(t.created_ms, false),
            last_used: t
                .last_used_ms
                .map_or_else(|| "never".into(), |ms| format_ms(ms, false)),
        }
    }
}

struct PasskeyRow {
    id: i64,
    name: String,
    created: String,
    last_used: String,
}

impl From<passkeys::PasskeyInfo> for PasskeyRow {
    fn from(k: passkeys::PasskeyInfo) -> Self {
        Self {
            id: k.id,
            name: k.name,
            created: format_ms(k.created_ms, false),
            last_used: k
                .last_used_ms
                .map_or_else(|| "never".into(), |ms| format_ms(ms, false)),
        }
    }
}

#[derive(Deserialize)]
pub(super) struct Done {
    done: Option<String>,
}

async fn account_page(
    auth: &AuthState,
    user: &CurrentUser,
    notice: Option<&'static str>,
    error: Option<String>,
    new_token: Option<String>,
) -> Result<Response, WebError> {
    let tokens = api_tokens::list(auth.store.pool(), user.id)
        .await
        .map_err(|e| internal(&e))?;
    let state = second_factor::state(auth.store.pool(), user.id)
        .await
        .map_err(|e| internal(&e))?;
    let keys = passkeys::list(auth.store.pool(), user.id)
        .await
        .map_err(|e| internal(&e))?;
    let page = AccountPage {
        chrome: Chrome::new(user, "account"),
        must_change: user.must_change_password,
        must_enrol: user.must_enrol_second_factor,
        second_factor: match state {
            second_factor::State::Active => "active",
            second_factor::State::Pending => "pending",
            second_factor::State::None => "none",
        },
        tokens: tokens.into_iter().map(TokenRow::from).collect(),
        passkeys: keys.into_iter().map(PasskeyRow::from).collect(),
        new_token,
        notice,
        error,
    };
    Ok(render(&page))
}

pub(super) async fn show(
    State(auth): State<AuthState>,
    user: CurrentUser,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    // Fixed sentences only: nothing from the query string is reflected.
    let notice = match done.done.as_deref() {
        Some("password") => Some("Password changed. Your other sessions were signed out."),
        Some("revoked") => Some("Token revoked."),
        Some("passkey") => Some("Passkey added. Sign-in now asks for it after your password."),
        Some("passkey-removed") => Some("Passkey removed."),
        _ => None,
    };
    account_page(&auth, &user, notice, None, None).await
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    current: SecretString,
    new: SecretString,
    confirm: SecretString,
}

pub(super) async fn change_password(
    State(auth): State<AuthState>,
    ip: ClientIp,
    user: CurrentUser,
    _: CsrfChecked,
    HumanForm(form): HumanForm<PasswordForm>,
) -> Result<Response, WebError> {
    let pool = auth.store.pool();
    let refuse = |msg: String| account_page(&auth, &user, None, Some(msg), None);
    if form.new.expose_secret() != form.confirm.expose_secret() {
        return refuse("the two new passwords differ".into()).await;
    }
    if let Err(msg) = password::check_new(&form.new) {
        return refuse(msg).await;
    }
    if form.new.expose_secret() == form.current.expose_secret() {
        return refuse("choose a password different from the current one".into()).await;
    }
    let phc = users::by_name(pool, &user.name)
        .await
        .map_err(|e| internal(&e))?
        .map(|(_, phc)| phc);
    if !password::verify(form.current, phc).await {
        return refuse("the current password is wrong".into()).await;
    }
    let phc = password::hash(form.new).await.map_err(|e| internal(&e))?;
    users::set_password(pool, user.id, &phc, false)
        .await
        .map_err(|e| internal(&e))?;
    if user.must_change_password {
        crate::auth::forget_initial_password(&auth.data_dir);
    }
    // Whoever knew the old password is signed out everywhere; this browser gets a new session.
    sessions::delete_all_for_user(pool, user.id)
        .await
        .map_err(|e| internal(&e))?;
    audit(
        &auth,
        entry(&user, actions::PASSWORD_CHANGE, ip, serde_json::Value::Null),
    )
    .await;
    let redirect = Redirect::to("/account?done=password");
    if user.session_id().is_none() {
        return Ok(redirect.into_response());
    }
    let now = auth.clock.now_ms();
    let session = sessions::create(pool, user.id, &ip.text(), now)
        .await
        .map_err(|e| internal(&e))?;
    Ok((
        [(header::SET_COOKIE, sessions::set_cookie(&session.token))],
        redirect,
    )
        .into_response())
}

#[derive(Deserialize)]
pub(super) struct TokenForm {
    name: String,
}

pub(super) async fn create_token(
    State(auth): State<AuthState>,
    ip: ClientIp,
    user: CurrentUser,
    _: CsrfChecked,
    HumanForm(form): HumanForm<TokenForm>,
) -> Result<Response, WebError> {
    if user.session_id().is_none() {
        // A token minting tokens would outlive its own revocation.
        let mut refused = entry(
            &user,
            actions::API_TOKEN_CREATE,
            ip,
            serde_json::json!({ "reason": "with an API token" }),
        );
        refused.result = crate::audit::Outcome::Denied;
        audit(&auth, refused).await;
        return Err(WebError::forbidden(
            "API tokens can only be created from a signed-in browser session, not with an API token",
        ));
    }
    let name = match api_tokens::check_name(&form.name) {
        Ok(n) => n,
        Err(msg) => return account_page(&auth, &user, None, Some(msg), None).await,
    };
    let now = auth.clock.now_ms();
    let token = api_tokens::create(auth.store.pool(), user.id, &name, now)
        .await
        .map_err(|e| internal(&e))?;
    let details = serde_json::json!({ "token_id": token.id, "name": name });
    audit(&auth, entry(&user, actions::API_TOKEN_CREATE, ip, details)).await;
    let shown = token.token.expose_secret().to_owned();
    account_page(&auth, &user, None, None, Some(shown)).await
}

pub(super) async fn revoke_token(
    State(auth): State<AuthState>,
    ip: ClientIp,
    user: CurrentUser,
    _: CsrfChecked,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let revoked = api_tokens::revoke(auth.store.pool(), user.id, id)
        .await
        .map_err(|e| internal(&e))?;
    let Some(name) = revoked else {
        return account_page(
            &auth,
            &user,
            None,
            Some("there is no such token".into()),
            None,
        )
        .await;
    };
    let details = serde_json::json!({ "token_id": id, "name": name });
    audit(&auth, entry(&user, actions::API_TOKEN_REVOKE, ip, details)).await;
    Ok(Redirect::to("/account?done=revoked").into_response())
}

/// Who the caller is: `{"name": ..., "role": ...}` (for scripts checking their token).
pub(super) async fn me(user: Viewer) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "name": user.name, "role": user.role }))
}
