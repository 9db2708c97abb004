//! /users (admins): list, add with a role and an initial password, change role, disable,
//! enable, reset a password. Added and reset accounts must choose a new password.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use secrecy::SecretString;
use serde::Deserialize;

use super::{audit, internal, HumanForm};
use crate::audit::{actions, Entry, Outcome};
use crate::auth::users::{UserError, UserName};
use crate::auth::{
    password, ratelimit, sessions, users, Admin, AuthState, ClientIp, CsrfChecked, Role,
};
use crate::clock::format_ms;
use crate::web::error::WebError;
use crate::web::view::{render, Chrome};

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<UserRow>,
    roles: [Role; 3],
    me: String,
    notice: Option<String>,
    error: Option<String>,
}

struct UserRow {
    name: String,
    role: Role,
    disabled: bool,
    must_change: bool,
    created: String,
    /// "until HH:MM (from N addresses)" while this name is locked from some address.
    locked: Option<String>,
}

pub(super) async fn users_page(
    auth: &AuthState,
    admin: &Admin,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let list = users::list(auth.store.pool())
        .await
        .map_err(|e| internal(&e))?;
    let locks = ratelimit::locked_names(auth.store.pool(), auth.clock.now_ms())
        .await
        .map_err(|e| internal(&e))?;
    let locked = |name: &str| {
        locks.iter().find(|l| l.0 == name).map(|(_, until, n)| {
            let s = if *n == 1 { "" } else { "es" };
            format!("{} ({n} address{s})", format_ms(*until, false))
        })
    };
    let page = UsersPage {
        chrome: Chrome::new(admin, "users"),
        users: list
            .into_iter()
            .map(|u| UserRow {
                role: u.role,
                disabled: u.disabled,
                must_change: u.must_change_password,
                created: format_ms(u.created_ms, false),
                locked: locked(&u.name),
                name: u.name,
            })
            .collect(),
        roles: Role::ALL,
        me: admin.name.clone(),
        notice,
        error,
    };
    Ok(render(&page))
}

type PageResult = Result<Response, WebError>;

pub(super) async fn list(State(auth): State<AuthState>, admin: Admin) -> PageResult {
    users_page(&auth, &admin, None, None).await
}

/// The result of a change: the list again, with a notice or the reason it was refused.
async fn after(auth: &AuthState, admin: &Admin, result: Result<String, UserError>) -> PageResult {
    match result {
        Ok(notice) => users_page(auth, admin, Some(notice), None).await,
        Err(UserError::Internal(e)) => Err(internal(&e)),
        Err(refused) => users_page(auth, admin, None, Some(refused.to_string())).await,
    }
}

/// A change's ending: audited as `action` on `target` when it was made, then [`after`].
async fn audited(
    auth: &AuthState,
    admin: &Admin,
    ip: ClientIp,
    (action, target, details): (&str, &str, serde_json::Value),
    result: Result<String, UserError>,
) -> PageResult {
    if result.is_ok() {
        audit(auth, entry(admin, action, target, ip, details)).await;
    }
    after(auth, admin, result).await
}

pub(super) fn entry<'a>(
    admin: &'a Admin,
    action: &'a str,
    target: &'a str,
    ip: ClientIp,
    details: serde_json::Value,
) -> Entry<'a> {
    Entry {
        actor: &admin.name,
        action,
        target,
        ip: ip.0,
        details,
        result: Outcome::Ok,
    }
}

#[derive(Deserialize)]
pub(super) struct AddForm {
    name: String,
    role: String,
    password: SecretString,
}

pub(super) async fn add(
    State(auth): State<AuthState>,
    ip: ClientIp,
    admin: Admin,
    _: CsrfChecked,
    HumanForm(form): HumanForm<AddForm>,
) -> PageResult {
    let parsed = form
        .name
        .parse::<UserName>()
        .and_then(|n| Ok((n, form.role.parse::<Role>()?)))
        .and_then(|nr| password::check_new(&form.password).map(|()| nr));
    let (name, role) = match parsed {
        Ok(v) => v,
        Err(msg) => return users_page(&auth, &admin, None, Some(msg)).await,
    };
    let phc = password::hash(form.password)
        .await
        .map_err(|e| internal(&e))?;
    let now = auth.clock.now_ms();
    let created = users::create(auth.store.pool(), &name, role, &phc, true, now).await;
    let notice = format!("Added {name} as {role}; they choose their own password at first login.");
    let details = serde_json::json!({ "role": role });
    let what = (actions::USER_ADD, name.as_str(), details);
    audited(&auth, &admin, ip, what, created.map(|_| notice)).await
}

#[derive(Deserialize)]
pub(super) struct RoleForm {
    role: String,
}

pub(super) async fn set_role(
    State(auth): State<AuthState>,
    ip: ClientIp,
    admin: Admin,
    _: CsrfChecked,
    Path(name): Path<String>,
    HumanForm(form): HumanForm<RoleForm>,
) -> PageResult {
    let role = match form.role.parse::<Role>() {
        Ok(r) => r,
        Err(msg) => return users_page(&auth, &admin, None, Some(msg)).await,
    };
    let result = users::set_role(auth.store.pool(), &name, role).await;
    let details = match &result {
        Ok(from) => serde_json::json!({ "from": from, "to": role }),
        Err(_) => serde_json::Value::Null,
    };
    let done = result.map(|_| format!("{name} is now {role}."));
    audited(
        &auth,
        &admin,
        ip,
        (actions::USER_ROLE_CHANGE, &name, details),
        done,
    )
    .await
}

pub(super) async fn disable(
    State(auth): State<AuthState>,
    ip: ClientIp,
    admin: Admin,
    _: CsrfChecked,
    Path(name): Path<String>,
) -> PageResult {
    if name == admin.name {
        let msg = "you cannot disable your own account".to_owned();
        return users_page(&auth, &admin, None, Some(msg)).await;
    }
    let result = users::set_disabled(auth.store.pool(), &name, true).await;
    let done = result.map(|()| format!("{name} is disabled and signed out."));
    let what = (
        actions::USER_DISABLE,
        name.as_str(),
        serde_json::Value::Null,
    );
    audited(&auth, &admin, ip, what, done).await
}

pub(super) async fn enable(
    State(auth): State<AuthState>,
    ip: ClientIp,
    admin: Admin,
    _: CsrfChecked,
    Path(name): Path<String>,
) -> PageResult {
    let result = users::set_disabled(auth.store.pool(), &name, false).await;
    let done = result.map(|()| format!("{name} is enabled."));
    let what = (actions::USER_ENABLE, name.as_str(), serde_json::Value::Null);
    audited(&auth, &admin, ip, what, done).await
}

#[derive(Deserialize)]
pub(super) struct ResetForm {
    password: SecretString,
}

/// Sets a temporary password the user must replace; ends their sessions.
pub(super) async fn reset_password(
    State(auth): State<AuthState>,
    ip: ClientIp,
    admin: Admin,
    _: CsrfChecked,
    Path(name): Path<String>,
    HumanForm(form): HumanForm<ResetForm>,
) -> PageResult {
    if let Err(msg) = password::check_new(&form.password) {
        return users_page(&auth, &admin, None, Some(msg)).await;
    }
    let pool = auth.store.pool();
    let Some((user, _)) = users::by_name(pool, &name)
        .await
        .map_err(|e| internal(&e))?
    else {
        return after(&auth, &admin, Err(UserError::NotFound(name))).await;
    };
    let phc = password::hash(form.password)
        .await
        .map_err(|e| internal(&e))?;
    users::set_password(pool, user.id, &phc, true)
        .await
        .map_err(|e| internal(&e))?;
    sessions::delete_all_for_user(pool, user.id)
        .await
        .map_err(|e| internal(&e))?;
    audit(
        &auth,
        entry(
            &admin,
            actions::PASSWORD_RESET,
            &name,
            ip,
            serde_json::Value::Null,
        ),
    )
    .await;
    let notice = format!("{name} has a temporary password and must choose a new one at login.");
    users_page(&auth, &admin, Some(notice), None).await
}

/// Lifts the sign-in locks of `name` from every address (audited with what it ended).
pub(super) async fn unlock(
    State(auth): State<AuthState>,
    ip: ClientIp,
    admin: Admin,
    _: CsrfChecked,
    Path(name): Path<String>,
) -> PageResult {
    let name = match name.parse::<UserName>() {
        Ok(n) => n,
        Err(msg) => return users_page(&auth, &admin, None, Some(msg)).await,
    };
    let done = ratelimit::unlock_name(auth.store.pool(), name.as_str())
        .await
        .map_err(|e| internal(&e))?;
    let details = serde_json::json!({ "locks": done.keys, "refused_attempts": done.refused });
    audit(
        &auth,
        entry(&admin, actions::LOGIN_UNLOCK, name.as_str(), ip, details),
    )
    .await;
    let notice = format!("{name} may sign in again from every address.");
    users_page(&auth, &admin, Some(notice), None).await
}
