//! API tokens for scripts: `Authorization: Bearer tb_<64 hex>`. Shown once at creation;
//! the database keeps the SHA-256. A token acts with its user's current role. Tokens are
//! created only from a signed-in browser session (never with another token, so a stolen token
//! cannot outlive its revocation), and "log out everywhere" revokes them all.

use secrecy::SecretString;
use sqlx::{Row, SqlitePool};

use super::secret::{random_hex, sha256_hex};
use super::Role;

pub const PREFIX: &str = "tb_";

#[derive(Debug)]
pub struct NewToken {
    pub id: i64,
    pub token: SecretString,
}

#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub created_ms: i64,
    pub last_used_ms: Option<i64>,
}

/// The user behind a valid token.
#[derive(Debug, Clone)]
pub struct TokenUser {
    pub token_id: i64,
    pub user_id: i64,
    pub name: String,
    pub role: Role,
    pub must_change_password: bool,
    /// TOTP is active for this user, or they have a passkey (`auth.require_second_factor_for`).
    pub second_factor_active: bool,
}

/// A token's label: 1 to 64 printable characters.
pub fn check_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err("a token name has 1 to 64 printable characters".into());
    }
    Ok(name.to_owned())
}

pub async fn create(
    pool: &SqlitePool,
    user_id: i64,
    name: &str,
    now_ms: i64,
) -> anyhow::Result<NewToken> {
    let token = format!("{PREFIX}{}", random_hex(32));
    let r = sqlx::query(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_ms) VALUES (?, ?, ?, ?)",
    )
    .bind(user_id)
    .bind(name)
    .bind(sha256_hex(&token))
    .bind(now_ms)
    .execute(pool)
    .await?;
    Ok(NewToken {
        id: r.last_insert_rowid(),
        token: SecretString::from(token),
    })
}

pub async fn list(pool: &SqlitePool, user_id: i64) -> anyhow::Result<Vec<TokenInfo>> {
    let rows = sqlx::query(
        "SELECT id, name, created_ms, last_used_ms FROM api_tokens WHERE user_id = ? ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TokenInfo {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                created_ms: r.try_get("created_ms")?,
                last_used_ms: r.try_get("last_used_ms")?,
            })
        })
        .collect()
}

/// Deletes one of the user's tokens; returns its name, or None if it is not theirs.
pub async fn revoke(pool: &SqlitePool, user_id: i64, id: i64) -> anyhow::Result<Option<String>> {
    let name: Option<String> =
        sqlx::query_scalar("DELETE FROM api_tokens WHERE id = ? AND user_id = ? RETURNING name")
            .bind(id)
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    Ok(name)
}

/// Deletes every token of the user ("log out everywhere"); returns how many.
pub async fn revoke_all(pool: &SqlitePool, user_id: i64) -> anyhow::Result<u64> {
    let r = sqlx::query("DELETE FROM api_tokens WHERE user_id = ?")
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(r.rows_affected())
}

/// The user of a bearer token, if it is valid and the account enabled.
pub async fn lookup(
    pool: &SqlitePool,
    bearer: &str,
    now_ms: i64,
) -> anyhow::Result<Option<TokenUser>> {
    if !bearer.starts_with(PREFIX) {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT t.id, t.user_id, u.name, u.role, u.must_change_password,
                (u.totp_state = 'active'
                 OR EXISTS (SELECT 1 FROM passkeys k WHERE k.user_id = u.id)) AS second_factor_active
           FROM api_tokens t JOIN users u ON u.id = t.user_id
          WHERE t.token_hash = ? AND u.disabled = 0",
    )
    .bind(sha256_hex(bearer))
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let token_id: i64 = row.try_get("id")?;
    // At most one write a minute per token: "last used" is for people, not for billing.
    sqlx::query(
        "UPDATE api_tokens SET last_used_ms = ? WHERE id = ? AND (last_used_ms IS NULL OR last_used_ms <= ?)",
    )
    .bind(now_ms)
    .bind(token_id)
    .bind(now_ms - 60_000)
        .execute(pool)
        .await?;
    let role: String = row.try_get("role")?;
    Ok(Some(TokenUser {
        token_id,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        role: role.parse().map_err(anyhow::Error::msg)?,
        must_change_password: row.try_get("must_change_password")?,
        second_factor_active: row.try_get("second_factor_active")?,
    }))
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[tokio::test]
    async fn create_lookup_revoke() {
        let store = crate::store::Store::memory().await.unwrap();
        let pool = store.pool();
        let uid =
            crate::auth::users::create(pool, &"ci".parse().unwrap(), Role::Operator, "h", false, 0)
                .await
                .unwrap();
        let t = create(pool, uid, "deploy", 1).await.unwrap();
        let token = t.token.expose_secret();
        assert!(token.starts_with("tb_") && token.len() == 67);
        let u = lookup(pool, token, 5).await.unwrap().unwrap();
        assert_eq!((u.name.as_str(), u.role), ("ci", Role::Operator));
        assert_eq!(list(pool, uid).await.unwrap()[0].last_used_ms, Some(5));
        assert!(lookup(pool, "tb_nope", 5).await.unwrap().is_none());
        assert_eq!(
            revoke(pool, uid + 1, t.id).await.unwrap(),
            None,
            "not theirs"
        );
        assert_eq!(
            revoke(pool, uid, t.id).await.unwrap().as_deref(),
            Some("deploy")
        );
        assert!(lookup(pool, token, 6).await.unwrap().is_none());
    }
}
