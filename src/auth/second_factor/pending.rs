//! The half-signed-in step: the password was right, the second factor is still to come. A
//! random token in its own short-lived `__Host-` cookie; the database keeps its SHA-256 and
//! the user. It grants nothing but the code form, and ends after `TTL_MS` or one success.

use axum::http::{header, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use sqlx::{Row, SqlitePool};

use crate::auth::secret::{random_hex, sha256_hex};

pub const COOKIE_NAME: &str = "__Host-tradebot_second_step";
/// How long the code form stays open after the password.
pub const TTL_MS: i64 = 5 * 60_000;

/// Starts a second step for `user_id`; returns the cookie token (shown to the browser once).
pub async fn create(
    pool: &SqlitePool,
    user_id: i64,
    ip: &str,
    now_ms: i64,
) -> anyhow::Result<SecretString> {
    let token = random_hex(32);
    sqlx::query("DELETE FROM pending_logins WHERE created_ms < ?")
        .bind(now_ms - TTL_MS)
        .execute(pool)
        .await?;
    sqlx::query("INSERT INTO pending_logins (id, user_id, created_ms, ip) VALUES (?, ?, ?, ?)")
        .bind(sha256_hex(&token))
        .bind(user_id)
        .bind(now_ms)
        .bind(ip)
        .execute(pool)
        .await?;
    Ok(SecretString::from(token))
}

/// The user (id, name) of a live second step for this cookie token; enabled users only.
pub async fn lookup(
    pool: &SqlitePool,
    token: &str,
    now_ms: i64,
) -> anyhow::Result<Option<(i64, String)>> {
    let row = sqlx::query(
        "SELECT p.user_id, u.name FROM pending_logins p JOIN users u ON u.id = p.user_id
          WHERE p.id = ? AND p.created_ms >= ? AND u.disabled = 0",
    )
    .bind(sha256_hex(token))
    .bind(now_ms - TTL_MS)
    .fetch_optional(pool)
    .await?;
    row.map(|r| Ok((r.try_get("user_id")?, r.try_get("name")?)))
        .transpose()
}

pub async fn finish(pool: &SqlitePool, token: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM pending_logins WHERE id = ?")
        .bind(sha256_hex(token))
        .execute(pool)
        .await?;
    Ok(())
}

pub fn set_cookie(token: &SecretString) -> HeaderValue {
    let value = format!(
        "{COOKIE_NAME}={}; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        token.expose_secret(),
        TTL_MS / 1000
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| clear_cookie())
}

pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static(
        "__Host-tradebot_second_step=; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=0",
    )
}

pub fn token_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{users, Role};

    #[tokio::test]
    async fn a_second_step_is_short_lived_and_single_use() {
        let store = crate::store::Store::memory().await.unwrap();
        let pool = store.pool();
        let uid = users::create(pool, &"sam".parse().unwrap(), Role::Viewer, "h", false, 0)
            .await
            .unwrap();
        let t = create(pool, uid, "", 0).await.unwrap();
        let t = t.expose_secret();
        assert_eq!(
            lookup(pool, t, TTL_MS).await.unwrap(),
            Some((uid, "sam".to_owned()))
        );
        assert_eq!(lookup(pool, t, TTL_MS + 1).await.unwrap(), None, "expired");
        finish(pool, t).await.unwrap();
        assert_eq!(lookup(pool, t, 1).await.unwrap(), None, "used");
    }
}
