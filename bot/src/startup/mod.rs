//! Secure start-up: process hardening, wrapped-token checks, unwrap, key read, revoke-self.
//!
//! The only secret a bot receives is a response-wrapping token in `TRADEBOT_WRAPPING_TOKEN`.
//! Order matters: harden the process before any secret is in memory; check the wrapping token
//! was created by `auth/token/create/bot` (anything else means someone substituted or replayed
//! it); unwrap it exactly once (never retried: a failed unwrap means someone else may have it);
//! read the key straight into a zeroizing, locked buffer; revoke the bot token at once.

mod harden;
mod vault;

use zeroize::Zeroizing;

pub use harden::harden_process;

/// Env variable holding the wrapping token; removed from the environment once read.
pub const WRAPPING_TOKEN_ENV: &str = "TRADEBOT_WRAPPING_TOKEN";
/// What `sys/wrapping/lookup` must report for a genuine bot token.
pub const EXPECTED_CREATION_PATH: &str = "auth/token/create/bot";

/// Where and how the bot reaches Vault (the spec's `vault` section, from the contract).
pub use tradebot_contract::spec::VaultAccess;

/// A wallet's 32-byte secp256k1 private key: wiped on drop, locked in RAM where the
/// environment permits (RLIMIT_MEMLOCK), never printed.
pub struct WalletKey {
    bytes: Box<Zeroizing<[u8; 32]>>,
    _lock: Option<region::LockGuard>,
}

impl WalletKey {
    /// Decodes hex straight into the final, locked buffer (no intermediate copy of the bytes).
    fn from_hex(hex_text: &str) -> Result<Self, StartupError> {
        let mut bytes = Box::new(Zeroizing::new([0u8; 32]));
        let lock = region::lock(bytes.as_ptr(), 32).ok();
        let text = hex_text.trim();
        let text = text.strip_prefix("0x").unwrap_or(text);
        hex::decode_to_slice(text, bytes.as_mut_slice()).map_err(|_| StartupError::MalformedKey)?;
        if bytes.iter().all(|b| *b == 0) {
            return Err(StartupError::MalformedKey);
        }
        Ok(Self { bytes, _lock: lock })
    }

    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// Whether the key page is locked in RAM (false where RLIMIT_MEMLOCK forbids it).
    pub fn is_locked(&self) -> bool {
        self._lock.is_some()
    }
}

impl std::fmt::Debug for WalletKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WalletKey(<redacted>)")
    }
}

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
pub async fn secure_start(access: &VaultAccess) -> Result<WalletKey, StartupError> {
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
        let key = WalletKey::from_hex(hex).unwrap();
        assert_eq!(hex::encode(key.expose_secret()), hex);
        assert!(!format!("{key:?}").contains("5d38"));
        for bad in ["", "zz", &"0".repeat(64), &"f".repeat(63)] {
            assert!(
                matches!(WalletKey::from_hex(bad), Err(StartupError::MalformedKey)),
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
