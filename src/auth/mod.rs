//! Dashboard accounts: users and roles, browser sessions, CSRF, login throttling, API tokens,
//! the first admin, and their pages (login, account, users, audit).
//!
//! Handlers depend on [`AuthState`] only (the store, `[auth]` settings, data dir and a
//! clock), which `Arc<AppState>` provides through `FromRef`; tests drive the same routes
//! with [`test_router`], without Vault or Docker.
//!
//! Who may do what: every signed-in user (viewer) sees bots and wallets and manages their own
//! password and API tokens; operators also start and stop bots and read the audit log
//! (`/audit`, `/audit.csv`); admins also manage users. Viewers do not read the audit log: it
//! names people, addresses and every action taken.

pub mod api_tokens;
pub mod password;
pub mod ratelimit;
pub mod sessions;
pub mod users;

mod bootstrap;
mod clock;
mod csrf;
mod extract;
mod pages;
mod refusal;
mod role;
mod secret;
mod view;

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::FromRef;
use axum::routing::{get, post};
use axum::Router;

pub use bootstrap::{ensure_first_admin, FirstAdmin, INITIAL_PASSWORD_FILE};
pub use clock::{format_ms, now_ms, Clock};
pub use csrf::{csrf_layer, CsrfChecked};
pub use extract::{Admin, ClientIp, CurrentUser, Operator, Via, Viewer};
pub use refusal::Refusal;
pub use role::Role;
pub use view::{render, render_status, Chrome, ChromeUser};

use crate::config::AuthSettings;
use crate::store::Store;
use crate::web::AppState;

/// What the auth code needs from the application.
#[derive(Debug, Clone)]
pub struct AuthState {
    pub store: Store,
    pub settings: AuthSettings,
    /// Where `initial-admin-password` lives (removed once that admin picks a password).
    pub data_dir: PathBuf,
    pub clock: Clock,
}

impl FromRef<Arc<AppState>> for AuthState {
    fn from_ref(app: &Arc<AppState>) -> Self {
        Self {
            store: app.store.clone(),
            settings: app.settings.auth.clone(),
            data_dir: app.settings.data_dir.clone(),
            clock: Clock::System,
        }
    }
}

/// The dashboard's auth pages, for `Router::merge` in `web::router`.
pub fn routes() -> Router<Arc<AppState>> {
    routes_for()
}

/// The routes for any state that provides [`AuthState`].
pub fn routes_for<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    AuthState: FromRef<S>,
{
    Router::new()
        .route("/login", get(pages::login::form).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/logout-all", post(pages::login::logout_all))
        .route("/account", get(pages::account::show))
        .route("/account/password", post(pages::account::change_password))
        .route("/account/tokens", post(pages::account::create_token))
        .route(
            "/account/tokens/{id}/revoke",
            post(pages::account::revoke_token),
        )
        .route("/users", get(pages::users::list).post(pages::users::add))
        .route("/users/{name}/role", post(pages::users::set_role))
        .route("/users/{name}/disable", post(pages::users::disable))
        .route("/users/{name}/enable", post(pages::users::enable))
        .route(
            "/users/{name}/reset-password",
            post(pages::users::reset_password),
        )
        .route("/audit", get(pages::audit::page))
        .route("/audit.csv", get(pages::audit::csv))
        .route("/api/me", get(pages::account::me))
        .route("/static/app.css", get(view::stylesheet))
}

/// The auth routes behind the CSRF layer, on their own state: the black-box tests' router.
pub fn test_router(state: AuthState) -> Router {
    routes_for()
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            csrf_layer,
        ))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;

    #[test]
    fn auth_settings_have_defaults_and_env_overrides() {
        let s = Settings::load_from(None, Vec::new()).unwrap();
        assert_eq!(s.auth.session_idle_minutes, 30);
        assert_eq!(s.auth.session_absolute_hours, 12);
        let env = vec![(
            "TRADEBOT_AUTH__SESSION_IDLE_MINUTES".to_owned(),
            "5".to_owned(),
        )];
        let s = Settings::load_from(None, env).unwrap();
        assert_eq!(s.auth.session_idle_minutes, 5);
        let env = vec![("TRADEBOT_AUTH__IDLE".to_owned(), "5".to_owned())];
        assert!(
            Settings::load_from(None, env).is_err(),
            "unknown keys refused"
        );
    }
}
