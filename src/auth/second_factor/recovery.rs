//! Recovery codes: ten one-time codes shown once when TOTP is confirmed, stored as Argon2id
//! hashes (like passwords). A code is `xxxxx-xxxxx-xxxxx-xxxxx` (80 random bits); its first
//! five characters are kept in clear to pick the one row to verify.

use secrecy::{ExposeSecret, SecretString};
use sqlx::{Row, SqlitePool};

use crate::auth::password;
use crate::auth::secret::random_hex;

pub const COUNT: usize = 10;
const LOOKUP_LEN: usize = 5;

/// Replaces the user's recovery codes with ten fresh ones and returns them, once.
pub async fn issue(pool: &SqlitePool, user_id: i64) -> anyhow::Result<Vec<SecretString>> {
    let mut codes = Vec::with_capacity(COUNT);
    let mut rows = Vec::with_capacity(COUNT);
    for _ in 0..COUNT {
        let raw = random_hex(10);
        let shown = raw
            .as_bytes()
            .chunks(5)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-");
        let hash = password::hash(SecretString::from(raw.clone())).await?;
        rows.push((raw[..LOOKUP_LEN].to_owned(), hash));
        codes.push(SecretString::from(shown));
    }
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = ?")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    for (lookup, hash) in rows {
        sqlx::query("INSERT INTO recovery_codes (user_id, lookup, code_hash) VALUES (?, ?, ?)")
            .bind(user_id)
            .bind(lookup)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(codes)
}

/// The typed code without dashes and spaces, lower case, if it has a recovery code's shape.
pub fn normalise(input: &str) -> Option<String> {
    let raw: String = input
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (raw.len() == 20 && raw.bytes().all(|b| b.is_ascii_hexdigit())).then_some(raw)
}

/// Spends `code` if it is one of the user's unused codes: `Some(codes left)` then, `None`
/// otherwise. The spend is one conditional UPDATE, so two requests cannot both use it.
pub async fn consume(
    pool: &SqlitePool,
    user_id: i64,
    code: &SecretString,
    now_ms: i64,
) -> anyhow::Result<Option<i64>> {
    let Some(raw) = normalise(code.expose_secret()) else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT id, code_hash FROM recovery_codes WHERE user_id = ? AND lookup = ? AND used_ms IS NULL",
    )
    .bind(user_id)
    .bind(&raw[..LOOKUP_LEN])
    .fetch_all(pool)
    .await?;
    for row in rows {
        let (id, phc): (i64, String) = (row.try_get("id")?, row.try_get("code_hash")?);
        if !password::verify(SecretString::from(raw.clone()), Some(phc)).await {
            continue;
        }
        let spent =
            sqlx::query("UPDATE recovery_codes SET used_ms = ? WHERE id = ? AND used_ms IS NULL")
                .bind(now_ms)
                .bind(id)
                .execute(pool)
                .await?;
        if spent.rows_affected() == 1 {
            return Ok(Some(left(pool, user_id).await?));
        }
    }
    Ok(None)
}

/// Unused recovery codes of a user.
pub async fn left(pool: &SqlitePool, user_id: i64) -> anyhow::Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = ? AND used_ms IS NULL",
    )
    .bind(user_id)
    .fetch_one(pool)
    .await?;
    Ok(row.try_get("n")?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{users, Role};

    #[tokio::test]
    async fn a_recovery_code_works_once_and_only_its_hash_is_stored() {
        let store = crate::store::Store::memory().await.unwrap();
        let pool = store.pool();
        let uid = users::create(pool, &"rae".parse().unwrap(), Role::Admin, "h", false, 0)
            .await
            .unwrap();
        let codes = issue(pool, uid).await.unwrap();
        assert_eq!(codes.len(), COUNT);
        let first = codes[0].expose_secret().to_owned();
        let stored: Vec<String> = sqlx::query_scalar("SELECT code_hash FROM recovery_codes")
            .fetch_all(pool)
            .await
            .unwrap();
        let bare = first.replace('-', "");
        assert!(stored
            .iter()
            .all(|h| h.starts_with("$argon2id$") && !h.contains(&bare)));
        let typed = SecretString::from(first.to_uppercase());
        assert_eq!(consume(pool, uid, &typed, 1).await.unwrap(), Some(9));
        assert_eq!(
            consume(pool, uid, &typed, 2).await.unwrap(),
            None,
            "used once"
        );
        let wrong = SecretString::from("00000-00000-00000-00000".to_owned());
        assert_eq!(consume(pool, uid, &wrong, 3).await.unwrap(), None);
        let fresh = issue(pool, uid).await.unwrap();
        assert_eq!(left(pool, uid).await.unwrap(), 10);
        let old = SecretString::from(codes[1].expose_secret().to_owned());
        assert_eq!(consume(pool, uid, &old, 4).await.unwrap(), None, "replaced");
        assert_eq!(consume(pool, uid, &fresh[1], 5).await.unwrap(), Some(9));
    }
}
