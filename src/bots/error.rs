//! Why a lifecycle operation was refused or failed. Every `Display` is safe to show the
//! operator who asked: no secret, no Vault body, no Docker engine text (those are logged where
//! they are met: `vault`, `runtime::docker`).

use crate::runtime::RuntimeError;
use crate::vault::VaultError;

/// The lifecycle's error. The first three are refusals (the request must change); the others
/// are failures of a part the dashboard depends on, or of the bot itself.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// The request does not fit (e.g. a market the wallet may not trade).
    #[error("{0}")]
    Invalid(String),
    /// No such bot or wallet.
    #[error("{0}")]
    NotFound(String),
    /// The bot's state or its wallet forbids it now (already stopping, wallet busy, ...).
    #[error("{0}")]
    Conflict(String),
    /// Vault did not answer as needed; the text names the class only (see [`vault_reason`]);
    /// a sealed Vault says so ([`VAULT_SEALED`]).
    #[error("Vault is unavailable: {0}")]
    Vault(String),
    /// A part the start depends on cannot be asked now (the chain's LCD): our sentence, never
    /// the part's text; nothing was issued.
    #[error("{0}")]
    Unavailable(String),
    /// As many bots run as the bots' address range holds (issue 15); nothing was issued.
    #[error("{0}")]
    Full(String),
    /// The Docker engine could not be reached through the socket proxy.
    #[error("Docker is unavailable: {0}")]
    Docker(RuntimeError),
    /// The bot did not start: its own reason (exit during start-up, no `ready` in time), the
    /// engine's refusal class, or the dashboard database being down.
    #[error("{0}")]
    StartFailed(String),
    /// A stop did not complete (the engine refused it), or a kill switch left bots running.
    #[error("{0}")]
    StopFailed(String),
}

/// The class of a Vault that answers 503: sealed (or not yet unsealed after a restart). New
/// starts are refused with it; running bots hold their key already and are not touched.
pub const VAULT_SEALED: &str = "Vault is sealed";

/// A Vault failure for operators: class only, never Vault's body.
pub fn vault_reason(e: &VaultError) -> String {
    match e {
        VaultError::Rejected { status: 503, .. } | VaultError::Unexpected { status: 503, .. } => {
            VAULT_SEALED.into()
        }
        VaultError::Unreachable { .. } => "Vault is unreachable".into(),
        VaultError::Denied { .. }
        | VaultError::Rejected {
            status: 401 | 403, ..
        } => "the dashboard's Vault session was refused".into(),
        VaultError::Rejected { status, .. } | VaultError::Unexpected { status, .. } => {
            format!("Vault answered {status}")
        }
        VaultError::Config(_) => "the dashboard's Vault configuration is wrong".into(),
    }
}

/// A runtime failure met while starting (`StartFailed`) or stopping (`StopFailed`) a bot: an
/// unreachable proxy is `Docker` (the engine is down, not the bot); anything else is the
/// operation failing, with `reason` (already built from the error's safe `Display`).
pub fn runtime_failure(
    e: RuntimeError,
    reason: String,
    failed: fn(String) -> LifecycleError,
) -> LifecycleError {
    match e {
        RuntimeError::Unreachable => LifecycleError::Docker(e),
        _ => failed(reason),
    }
}
