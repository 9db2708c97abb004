//! Dashboard accounts: users and roles, browser sessions, CSRF, login throttling, API tokens
//! and the first admin. Their pages (login, account, users, audit) live in `web::account`;
//! this module builds no response: a failure is a [`Rejection`], which `web::error` renders.
//!
//! Extractors depend on [`AuthState`] only (the store, `[auth]` settings, data dir and a
//! clock); the web layer provides it from its own state through `FromRef`.
//!
//! Who may do what: every signed-in user (viewer) sees bots and wallets and manages their own
//! password and API tokens; operators also start and stop bots and read the audit log
//! (`/audit`, `/audit.csv`); admins also manage users. Viewers do not read the audit log: it
//! names people, addresses and every action taken.

pub mod api_tokens;
pub mod password;
pub mod ratelimit;
pub mod rejection;
pub mod second_factor;
pub mod sessions;
pub mod users;

mod bootstrap;
mod client_ip;
mod csrf;
mod extract;
mod role;
pub(crate) mod secret;

use std::path::PathBuf;

pub use bootstrap::{
    ensure_first_admin, forget_initial_password, FirstAdmin, INITIAL_PASSWORD_FILE,
};
pub use client_ip::ClientIp;
pub use csrf::{csrf_layer, CsrfChecked};
pub use extract::{Admin, CurrentUser, Operator, Via, Viewer};
pub use rejection::{Reason, Rejection};
pub use role::Role;

pub use crate::clock::Clock;
use crate::config::AuthSettings;
use crate::store::Store;

/// What the auth code needs from the application.
#[derive(Debug, Clone)]
pub struct AuthState {
    pub store: Store,
    pub settings: AuthSettings,
    /// Where `initial-admin-password` lives (removed once that admin picks a password).
    pub data_dir: PathBuf,
    pub clock: Clock,
    /// TOTP keys in Vault (`vault::VaultTotp`); `None` when no Vault is configured (the
    /// account pages then offer no second factor, and enrolled users cannot sign in).
    pub totp: Option<std::sync::Arc<dyn second_factor::TotpVault>>,
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
