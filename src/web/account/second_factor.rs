//! /account/second-factor: TOTP enrolment (a key created in Vault, the otpauth URL shown
//! once, then confirmed by a first code; recovery codes issued), and the admin reset
//! (/users/NAME/reset-second-factor). Every step is audited.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;

use super::login::entry;
use super::{audit, internal, HumanForm};
use crate::audit::actions;
use crate::auth::second_factor::{self, recovery, State as Enrolment, TotpVault};
use crate::auth::users::UserName;
use crate::auth::{users, Admin, AuthState, ClientIp, CsrfChecked, CurrentUser};
use crate::web::error::WebError;
use crate::web::view::{render, Chrome};

#[derive(Template)]
#[template(path = "second_factor.html")]
struct EnrolPage {
    chrome: Chrome,
    otpauth: Option<String>,
    recovery_codes: Vec<String>,
    error: Option<String>,
}

fn vault(auth: &AuthState) -> Result<&dyn TotpVault, WebError> {
    auth.totp.as_deref().ok_or_else(|| {
        WebError::conflict("the second factor needs the dashboard's Vault connection").page()
    })
}

fn browser_only(user: &CurrentUser) -> Result<(), WebError> {
    match user.session_id() {
        Some(_) => Ok(()),
        None => Err(WebError::forbidden(
            "the second factor is set up from a signed-in browser session, not with an API token",
        )),
    }
}

/// Starts (or restarts) enrolment: a fresh key in Vault, its otpauth URL shown once.
pub(super) async fn enrol(
    State(auth): State<AuthState>,
    ip: ClientIp,
    user: CurrentUser,
    _: CsrfChecked,
) -> Result<Response, WebError> {
    browser_only(&user)?;
    let pool = auth.store.pool();
    let state = second_factor::state(pool, user.id)
        .await
        .map_err(|e| internal(&e))?;
    if state == Enrolment::Active {
        return Err(WebError::conflict(
            "a second factor is already active; an admin can reset it if you lost it",
        )
        .page_for(&user));
    }
    let url = vault(&auth)?
        .create(&user.name)
        .await
        .map_err(|e| internal(&e))?;
    second_factor::set_state(pool, user.id, Enrolment::Pending)
        .await
        .map_err(|e| internal(&e))?;
    audit(
        &auth,
        entry(&user, actions::SECOND_FACTOR_ENROL, ip, json!({})),
    )
    .await;
    Ok(render(&EnrolPage {
        chrome: Chrome::new(&user, "account"),
        otpauth: Some(url.expose_secret().to_owned()),
        recovery_codes: Vec::new(),
        error: None,
    }))
}

#[derive(Deserialize)]
pub(super) struct ConfirmForm {
    code: SecretString,
}

/// The first valid code turns the pending key on and issues the recovery codes (shown once).
pub(super) async fn confirm(
    State(auth): State<AuthState>,
    ip: ClientIp,
    user: CurrentUser,
    _: CsrfChecked,
    HumanForm(form): HumanForm<ConfirmForm>,
) -> Result<Response, WebError> {
    browser_only(&user)?;
    let pool = auth.store.pool();
    let state = second_factor::state(pool, user.id)
        .await
        .map_err(|e| internal(&e))?;
    if state != Enrolment::Pending {
        return Err(
            WebError::conflict("start the set-up from your account page first").page_for(&user),
        );
    }
    let ok = match second_factor::parse_code(form.code.expose_secret()) {
        Some(code) => vault(&auth)?
            .validate(&user.name, &code)
            .await
            .map_err(|e| internal(&e))?,
        None => false,
    };
    if !ok {
        return Err(WebError::bad_request(
            "that code is not the one your app shows now; the set-up is not finished, try the next code",
        )
        .page_for(&user));
    }
    let codes = recovery::issue(pool, user.id)
        .await
        .map_err(|e| internal(&e))?;
    second_factor::set_state(pool, user.id, Enrolment::Active)
        .await
        .map_err(|e| internal(&e))?;
    let details = json!({ "recovery_codes": codes.len() });
    audit(
        &auth,
        entry(&user, actions::SECOND_FACTOR_CONFIRM, ip, details),
    )
    .await;
    Ok(render(&EnrolPage {
        chrome: Chrome::new(&user, "account"),
        otpauth: None,
        recovery_codes: codes.iter().map(|c| c.expose_secret().to_owned()).collect(),
        error: None,
    }))
}

/// An admin removes a user's second factors: the TOTP key in Vault, then the state, passkeys
/// and recovery codes.
pub(super) async fn admin_reset(
    State(auth): State<AuthState>,
    ip: ClientIp,
    admin: Admin,
    _: CsrfChecked,
    Path(name): Path<String>,
) -> Result<Response, WebError> {
    let name = match name.parse::<UserName>() {
        Ok(n) => n,
        Err(msg) => return super::users::users_page(&auth, &admin, None, Some(msg)).await,
    };
    let pool = auth.store.pool();
    let Some((user, _)) = users::by_name(pool, name.as_str())
        .await
        .map_err(|e| internal(&e))?
    else {
        let msg = format!("there is no user {name}");
        return super::users::users_page(&auth, &admin, None, Some(msg)).await;
    };
    // Passkeys live in the database only; a TOTP key (pending or active) also in Vault.
    let totp = second_factor::state(pool, user.id)
        .await
        .map_err(|e| internal(&e))?;
    if totp != Enrolment::None {
        vault(&auth)?
            .delete(name.as_str())
            .await
            .map_err(|e| internal(&e))?;
    }
    second_factor::reset(pool, user.id)
        .await
        .map_err(|e| internal(&e))?;
    let e = super::users::entry(
        &admin,
        actions::SECOND_FACTOR_RESET,
        name.as_str(),
        ip,
        json!({}),
    );
    audit(&auth, e).await;
    let notice = format!("{name} has no second factor now and will be asked to set one up if their role requires it.");
    super::users::users_page(&auth, &admin, Some(notice), None).await
}
