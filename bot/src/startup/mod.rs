//! Secure start-up: process hardening, wrapped-token checks, unwrap, key read, revoke-self.
//!
//! The only secret a bot receives is a response-wrapping token in `TRADEBOT_WRAPPING_TOKEN`.
//! Order matters: harden the process before any secret is in memory; check the wrapping token
//! was created by `auth/token/create/bot` (anything else means someone substituted or replayed
//! it); unwrap it exactly once (never retried: a failed unwrap means someone else may have it);
//! read the key straight into a zeroizing, locked buffer; revoke the bot token at once.

mod harden;
mod vault;

pub use harden::harden_process;

/// Env variable holding the wrapping token; removed from the environment once read.
pub const WRAPPING_TOKEN_ENV: &str = "TRADEBOT_WRAPPING_TOKEN";
/// What `sys/wrapping/lookup` must report for a genuine bot token.
pub const EXPECTED_CREATION_PATH: &str = "auth/token/create/bot";

/// Where and how the bot reaches Vault (the spec's `vault` section, from the contract).
pub use tradebot_contract::spec::VaultAccess;

/// The wallet key: the project's one private-key type (the contract's), read from Vault
/// straight into its locked, zeroizing page.
pub use tradebot_contract::key::PrivateKey;

/// Why start-up failed. Each class has its own exit code; messages never hold a secret.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("tampering suspected: {0}")]
    Tampering(String),
    #[error("Vault unreachable: {0}")]
    VaultUnreachable(String),
    #[error("access denied by Vault: {0}")]
    AccessDenied(String),
    #[error("the wallet key in Vault is malformed")]
    MalformedKey,
    #[error("start-up configuration: {0}")]
    Config(String),
}

impl StartupError {
    /// Process exit codes, documented in docs/SECRETS.md.
    pub fn exit_code(&self) -> u8 {
        match self {
            StartupError::Tampering(_) => 10,
            StartupError::VaultUnreachable(_) => 11,
            StartupError::AccessDenied(_) => 12,
            StartupError::MalformedKey => 13,
            StartupError::Config(_) => 14,
        }
    }

    /// A short machine-readable class for the `error` event.
    pub fn class(&self) -> &'static str {
        match self {
            StartupError::Tampering(_) => "tampering_suspected",
            StartupError::VaultUnreachable(_) => "vault_unreachable",
            StartupError::AccessDenied(_) => "access_denied",
            StartupError::MalformedKey => "malformed_key",
            StartupError::Config(_) => "config",
        }
    }
}

/// Runs the whole secure start-up. Call it first thing in `main`, before spawning anything.
pub async fn secure_start(access: &VaultAccess) -> Result<PrivateKey, StartupError> {
    harden_process();
    let token = take_wrapping_token()?;
    vault::introduce(access, token).await
}

/// Reads the wrapping token and removes it from the environment (so no later child process or
/// `/proc/self/environ` reader sees it).
fn take_wrapping_token() -> Result<secrecy::SecretString, StartupError> {
    let value = std::env::var(WRAPPING_TOKEN_ENV)
        .map_err(|_| StartupError::Config(format!("{WRAPPING_TOKEN_ENV} is not set")))?;
    // Edition 2021: remove_var is safe; we are single-threaded at this point.
    std::env::remove_var(WRAPPING_TOKEN_ENV);
    if value.trim().is_empty() {
        return Err(StartupError::Config(format!(
            "{WRAPPING_TOKEN_ENV} is empty"
        )));
    }
    Ok(secrecy::SecretString::from(value.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_parsing_and_redaction() {
        let hex = "5d386fbdbf11f1141010f81a46b40f94887367562bd33b452bbaa6ce1cd1381e";
        let key = vault::wallet_key(hex).unwrap();
        assert_eq!(hex::encode(key.expose_secret()), hex);
        assert!(!format!("{key:?}").contains("5d38"));
        for bad in ["", "zz", &"0".repeat(64), &"f".repeat(63)] {
            assert!(
                matches!(vault::wallet_key(bad), Err(StartupError::MalformedKey)),
                "{bad}"
            );
        }
    }

    #[test]
    fn exit_codes_are_distinct() {
        let all = [
            StartupError::Tampering(String::new()),
            StartupError::VaultUnreachable(String::new()),
            StartupError::AccessDenied(String::new()),
            StartupError::MalformedKey,
            StartupError::Config(String::new()),
        ];
        let mut codes: Vec<u8> = all.iter().map(StartupError::exit_code).collect();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }
}
