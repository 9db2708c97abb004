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

/// The class of a Vault that answers 503 with its own "Vault is sealed" error (sealed, or not
/// yet unsealed after a restart). New starts are refused with it; running bots hold their key
/// already and are not touched.
pub const VAULT_SEALED: &str = "Vault is sealed";
/// A 503 that says Vault's node is not the active one and cannot reach one (a standby).
pub const VAULT_STANDBY: &str =
    "the Vault node the dashboard talks to is a standby and no active node answers";
/// Any other 503 (a load balancer or proxy in front of Vault, an overloaded node): not a
/// sealed Vault, whatever the status.
pub const VAULT_UNAVAILABLE: &str =
    "Vault answered 503 without saying it is sealed (a proxy in front of it, or an overloaded node)";
/// A 429: a rate-limit quota of Vault refused the dashboard's request.
pub const VAULT_RATE_LIMITED: &str = "Vault's rate limit refused the dashboard's request (429)";

/// A Vault failure for operators: class only, never Vault's body. A 503 is "sealed" only when
/// Vault's own error says so (OpenBao and Vault answer `{"errors":["Vault is sealed"]}`);
/// the body is read for the class, never shown.
pub fn vault_reason(e: &VaultError) -> String {
    match e {
        VaultError::Rejected {
            status: 503,
            detail,
            ..
        } => class_of_503(detail).into(),
        VaultError::Unexpected { status: 503, .. } => VAULT_UNAVAILABLE.into(),
        VaultError::Rejected { status: 429, .. } | VaultError::Unexpected { status: 429, .. } => {
            VAULT_RATE_LIMITED.into()
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

/// The class of a 503 from Vault's `errors` (joined by `; `): sealed, standby, or neither.
fn class_of_503(detail: &str) -> &'static str {
    let d = detail.to_ascii_lowercase();
    if d.contains("is sealed") {
        VAULT_SEALED
    } else if d.contains("standby") || d.contains("node not active") {
        VAULT_STANDBY
    } else {
        VAULT_UNAVAILABLE
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(status: u16, detail: &str) -> VaultError {
        VaultError::Rejected {
            status,
            path: "auth/token/create".into(),
            detail: detail.into(),
        }
    }

    #[test]
    fn only_a_503_that_says_sealed_is_a_sealed_vault() {
        assert_eq!(
            vault_reason(&rejected(503, "Vault is sealed")),
            VAULT_SEALED
        );
        assert_eq!(
            vault_reason(&rejected(
                503,
                "local node not active but active cluster node not found"
            )),
            VAULT_STANDBY
        );
        // A proxy's 503 page has no `errors` list: the detail is empty.
        assert_eq!(vault_reason(&rejected(503, "")), VAULT_UNAVAILABLE);
        let unexpected = VaultError::Unexpected {
            status: 503,
            what: "unreadable response body",
        };
        assert_eq!(vault_reason(&unexpected), VAULT_UNAVAILABLE);
        assert_eq!(
            vault_reason(&rejected(
                429,
                "request path \"x\": rate limit quota exceeded"
            )),
            VAULT_RATE_LIMITED
        );
        assert_eq!(
            vault_reason(&rejected(500, "internal")),
            "Vault answered 500"
        );
    }
}
