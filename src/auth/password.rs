//! Password hashing: Argon2id with the crate's default (OWASP) parameters, PHC strings in the
//! database. Hashing takes tens of milliseconds of CPU, so it runs on the blocking pool.

use std::sync::LazyLock;

use anyhow::Context;
use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};

/// Shortest password accepted for a person's account.
pub const MIN_LEN: usize = 12;
/// Longest; bounds the work one login can cause.
pub const MAX_LEN: usize = 1024;

/// Why a new password is refused, as a sentence for the person choosing it.
pub fn check_new(password: &SecretString) -> Result<(), String> {
    let n = password.expose_secret().chars().count();
    if n < MIN_LEN {
        return Err(format!("the password needs at least {MIN_LEN} characters"));
    }
    if n > MAX_LEN {
        return Err(format!(
            "the password may have at most {MAX_LEN} characters"
        ));
    }
    Ok(())
}

/// Argon2id PHC string of `password` (blocking: call from [`hash`] or a CLI).
pub fn hash_blocking(password: &SecretString) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let phc = Argon2::default()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    Ok(phc.to_string())
}

pub async fn hash(password: SecretString) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .context("the hashing task failed")?
}

/// Checks `password` against `phc`; with `None` (unknown user) it verifies against a dummy
/// hash with the same parameters and returns false, so both cases take the same time.
pub async fn verify(password: SecretString, phc: Option<String>) -> bool {
    let result = tokio::task::spawn_blocking(move || {
        let (phc, known) = match phc {
            Some(p) => (p, true),
            None => (DUMMY.clone(), false),
        };
        verify_blocking(&password, &phc) && known
    })
    .await;
    result.unwrap_or(false)
}

pub fn verify_blocking(password: &SecretString, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        tracing::error!("a stored password hash does not parse");
        return false;
    };
    // The argon2 crate compares digests in constant time.
    Argon2::default()
        .verify_password(password.expose_secret().as_bytes(), &parsed)
        .is_ok()
}

/// A hash of a random password nobody knows, computed once.
static DUMMY: LazyLock<String> = LazyLock::new(|| {
    let random = SecretString::from(crate::auth::secret::random_hex(16));
    hash_blocking(&random).unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_roundtrip_and_dummy() {
        let pw = SecretString::from("correct horse battery staple");
        let phc = hash(pw.clone()).await.unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify(pw.clone(), Some(phc.clone())).await);
        assert!(!verify(SecretString::from("wrong password!"), Some(phc)).await);
        assert!(!verify(pw, None).await, "the dummy hash must never match");
    }

    #[test]
    fn new_password_rules() {
        assert!(check_new(&SecretString::from("short")).is_err());
        assert!(check_new(&SecretString::from("long enough pass")).is_ok());
        assert!(check_new(&SecretString::from("x".repeat(MAX_LEN + 1))).is_err());
    }
}
