//! The second factor: TOTP (RFC 6238) whose seed lives in Vault's `totp/` engine, reached only
//! through [`TotpVault`] (implemented by `vault::VaultTotp`), plus one-time recovery codes and
//! the half-signed-in step between password and code. The database holds the enrolment state,
//! Argon2 hashes of recovery codes and digests of second-step cookies: never a seed. Passkeys
//! ([`passkeys`], WebAuthn) are the other second factor: public keys only, in the database.

pub mod passkeys;
pub mod pending;
pub mod recovery;

use secrecy::SecretString;
use sqlx::{Row, SqlitePool};

use super::Role;
use crate::config::AuthSettings;

/// What the dashboard may do with TOTP keys in Vault (policy `tradebot-dashboard`: create,
/// validate, delete; never read a seed back). Keyed by the dashboard user name.
#[async_trait::async_trait]
pub trait TotpVault: Send + Sync + std::fmt::Debug {
    /// Creates (or replaces) the user's key and returns its `otpauth://` URL, shown once.
    async fn create(&self, user: &str) -> anyhow::Result<SecretString>;
    /// Whether `code` is the user's current code. A code already used in its period, or a
    /// user without a key, is `false`.
    async fn validate(&self, user: &str, code: &str) -> anyhow::Result<bool>;
    /// Removes the user's key; a missing key is not an error.
    async fn delete(&self, user: &str) -> anyhow::Result<()>;
}

/// Where a user's TOTP enrolment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    None,
    /// A key exists in Vault but no code has confirmed it: sign-in does not ask for codes.
    Pending,
    Active,
}

impl State {
    fn parse(s: &str) -> Self {
        match s {
            "active" => State::Active,
            "pending" => State::Pending,
            _ => State::None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            State::None => "none",
            State::Pending => "pending",
            State::Active => "active",
        }
    }
}

pub async fn state(pool: &SqlitePool, user_id: i64) -> anyhow::Result<State> {
    let row = sqlx::query("SELECT totp_state FROM users WHERE id = ?")
        .bind(user_id)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some(r) => State::parse(&r.try_get::<String, _>("totp_state")?),
        None => State::None,
    })
}

pub async fn set_state(pool: &SqlitePool, user_id: i64, state: State) -> anyhow::Result<()> {
    sqlx::query("UPDATE users SET totp_state = ? WHERE id = ?")
        .bind(state.as_str())
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Whether the user has a second factor: TOTP confirmed, or at least one passkey. Either
/// satisfies `auth.require_second_factor_for` and makes sign-in ask for it.
pub async fn any_active(pool: &SqlitePool, user_id: i64) -> anyhow::Result<bool> {
    let row = sqlx::query(
        "SELECT (totp_state = 'active'
                 OR EXISTS (SELECT 1 FROM passkeys k WHERE k.user_id = users.id)) AS active
           FROM users WHERE id = ?",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some(r) => r.try_get("active")?,
        None => false,
    })
}

/// Forgets a user's second factors in the database (TOTP state, passkeys, recovery codes,
/// half-signed-in logins and ceremonies). The caller deletes the Vault key first.
pub async fn reset(pool: &SqlitePool, user_id: i64) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE users SET totp_state = 'none' WHERE id = ?")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = ?")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    for table in ["pending_logins", "passkeys", "passkey_ceremonies"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE user_id = ?"))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Whether `auth.require_second_factor_for` makes this role enrol before anything else.
pub fn required_for(settings: &AuthSettings, role: Role) -> bool {
    settings.require_second_factor_for.contains(&role)
}

/// A typed TOTP code: exactly six ASCII digits (what Vault's engine issues by default).
pub fn parse_code(input: &str) -> Option<String> {
    let code: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_spaces_ignored() {
        assert_eq!(parse_code("123 456").as_deref(), Some("123456"));
        for bad in ["12345", "1234567", "12345a", "", "１２３４５６"] {
            assert_eq!(parse_code(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn state_round_trips() {
        for s in [State::None, State::Pending, State::Active] {
            assert_eq!(State::parse(s.as_str()), s);
        }
    }
}
