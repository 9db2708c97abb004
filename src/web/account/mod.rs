//! The account pages, one file per page: login/logout, /account (`profile`: password, API tokens),
//! /users (admins), /audit. They use `auth` for the rules and `web` for errors and chrome.

mod audit;
mod login;
mod passkeys;
mod profile;
mod second_factor;
mod second_step;
mod throttle;
mod users;

use axum::extract::{FromRef, FromRequest, Request};
use axum::routing::{get, post};
use axum::Router;
use serde::de::DeserializeOwned;

use super::actions;
use super::error::WebError;
use crate::audit::Entry;
use crate::auth::{csrf_layer, AuthState};

/// The account routes for any state that provides [`AuthState`].
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    AuthState: FromRef<S>,
{
    Router::new()
        .route("/login", get(login::form).post(login::submit))
        .route(
            "/login/code",
            get(second_step::form).post(second_step::submit),
        )
        .route("/login/passkey", post(passkeys::login_finish))
        .route("/login/passkey/options", post(passkeys::login_options))
        .route("/logout", post(login::logout))
        .route("/logout-all", post(login::logout_all))
        .route("/account", get(profile::show))
        .route("/account/password", post(profile::change_password))
        .route("/account/tokens", post(profile::create_token))
        .route("/account/second-factor", post(second_factor::enrol))
        .route(
            "/account/second-factor/confirm",
            post(second_factor::confirm),
        )
        .route("/account/passkeys", post(passkeys::register))
        .route(
            "/account/passkeys/options",
            post(passkeys::register_options),
        )
        .route("/account/passkeys/{id}/remove", post(passkeys::remove))
        .route("/account/tokens/{id}/revoke", post(profile::revoke_token))
        .route("/users", get(users::list).post(users::add))
        .route("/users/{name}/role", post(users::set_role))
        .route("/users/{name}/disable", post(users::disable))
        .route("/users/{name}/enable", post(users::enable))
        .route("/users/{name}/reset-password", post(users::reset_password))
        .route("/users/{name}/unlock", post(users::unlock))
        .route(
            "/users/{name}/reset-second-factor",
            post(second_factor::admin_reset),
        )
        .route("/audit", get(audit::page))
        .route("/audit.csv", get(audit::csv))
        .route("/api/me", get(profile::me))
        .route("/static/app.css", get(super::view::stylesheet))
        .route("/static/passkey.js", get(passkeys::script))
}

/// The account routes behind the CSRF layer, on their own state: the black-box tests' router
/// (no Vault, no Docker).
pub fn test_router(state: AuthState) -> Router {
    routes()
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            csrf_layer,
        ))
        .with_state(state)
}

/// Writes each ended login lock's count of refused attempts to the audit log, every minute.
pub fn spawn_lock_summaries(auth: AuthState) -> tokio::task::JoinHandle<()> {
    throttle::spawn_flush(auth)
}

/// `axum::Form` with a sentence instead of the deserializer's text on a bad form.
#[derive(Debug)]
pub(crate) struct HumanForm<T>(pub T);

impl<S, T> FromRequest<S> for HumanForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req.uri().path().starts_with("/api/");
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|axum::Form(t)| HumanForm(t))
            .map_err(|_| {
                let e =
                    WebError::bad_request("the form is incomplete; reload the page and try again");
                if json {
                    e
                } else {
                    e.page()
                }
            })
    }
}

/// Records an audit entry through the one writer, stamped by the auth clock.
async fn audit(auth: &AuthState, entry: Entry<'_>) {
    actions::append(&auth.store, &auth.clock, entry).await;
}

/// `anyhow` to an opaque error page.
fn internal(e: &anyhow::Error) -> WebError {
    WebError::internal(e).page()
}
