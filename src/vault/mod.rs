//! Vault broker: the only module that talks to Vault. Everything else uses the types exported
//! here (`VaultError`, `DashboardSession`, `bootstrap`, key lifecycle).

mod admin;
mod approle;
mod bootstrap;
pub mod bot_keys;
mod broker;
mod client;
mod http;
mod key_data;
pub mod policy;
pub mod roles;
pub mod totp;
pub mod versions;
pub mod wallets;
pub mod webhooks;

pub use approle::SECRET_ID_TTL_SECS;
pub use bootstrap::{bootstrap, BootstrapOptions, BootstrapReport};
pub use broker::{IssuedToken, SecretsBroker, TokenLimits, TokenRequest, VaultBroker};
pub use client::VaultClient;
pub use http::{connect_dashboard, DashboardSession};
pub use roles::{grant_bot_access, BotAccess};
pub use totp::VaultTotp;

/// What can go wrong talking to Vault. `Display` is safe to show: it never holds a token, a
/// secret id or a response body. `Rejected::detail` holds Vault's own error strings, for the
/// CLI and logs only, never for a browser.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("Vault is unreachable at {address}: {reason}")]
    Unreachable { address: String, reason: String },
    #[error("Vault refused the request ({status}): {what}")]
    Denied { status: u16, what: &'static str },
    #[error("Vault refused {path} ({status}){}", if detail.is_empty() { String::new() } else { format!(": {detail}") })]
    Rejected {
        status: u16,
        path: String,
        detail: String,
    },
    #[error("Vault answered unexpectedly ({status}): {what}")]
    Unexpected { status: u16, what: &'static str },
    #[error("Vault client configuration: {0}")]
    Config(String),
}
