//! The startup move of webhook URLs out of the database. The previous version kept a target's
//! full URL in `alert_targets.url`; now it lives in Vault (`super::urls`). At every start,
//! before the dashboard serves, [`move_into_vault`]:
//! 1. writes each URL still in the table to Vault under `legacy-<id>` (idempotent: a retry
//!    overwrites the same entry), then blanks the row's `url` and records the reference and
//!    the host, with `PRAGMA secure_delete` on so the old bytes are zeroed, not left in the
//!    page's free space;
//! 2. if the previous version ever stored a target (table `alert_url_scrub`, filled by the
//!    migration), rewrites the whole file once (`VACUUM`): a target removed earlier may have
//!    left its URL in free pages;
//! 3. checkpoints the write-ahead log and truncates it, so no old page survives in `-wal`.
//!
//! Any failure (Vault refusing or unreachable: typically `tradebot vault bootstrap` was not run
//! after the upgrade) is an error: the dashboard then refuses to start with that sentence,
//! rather than serve while credentials sit in its database.

use anyhow::Context;
use secrecy::SecretString;
use sqlx::{Row, SqlitePool};

use super::urls::{UrlBook, UrlRef};

/// What the move did: URLs moved, and whether the file was rewritten.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Moved {
    pub urls: usize,
    pub scrubbed: bool,
}

/// Moves every URL left in the database into Vault and scrubs the file (see the module).
/// Nothing to do (the usual case): no Vault call, no write.
pub async fn move_into_vault(pool: &SqlitePool, book: &UrlBook) -> anyhow::Result<Moved> {
    let rows = sqlx::query("SELECT id, url FROM alert_targets WHERE url != '' ORDER BY id")
        .fetch_all(pool)
        .await?;
    let scrub: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM alert_url_scrub")
        .fetch_one(pool)
        .await?;
    if rows.is_empty() && scrub == 0 {
        return Ok(Moved::default());
    }
    let mut conn = pool.acquire().await?;
    sqlx::query("PRAGMA secure_delete = ON")
        .execute(&mut *conn)
        .await?;
    let mut moved = Moved::default();
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let url = SecretString::from(row.try_get::<String, _>("url")?);
        let shown = url::Url::parse(secrecy::ExposeSecret::expose_secret(&url))
            .map_or_else(|_| "(unreadable)".to_owned(), |u| super::targets::shown(&u));
        let r = UrlRef::legacy(id);
        book.save(&r, url).await.with_context(|| {
            format!(
                "cannot move the webhook URL of alert target {id} from the database into Vault \
                 (alerts/): run `tradebot vault bootstrap` with this version first (it creates \
                 the alerts/ mount and the dashboard's grant), then start the dashboard again"
            )
        })?;
        let updated = sqlx::query(
            "UPDATE alert_targets SET url = '', url_ref = ?, shown_url = ? WHERE id = ?",
        )
        .bind(r.as_str())
        .bind(&shown)
        .bind(id)
        .execute(&mut *conn)
        .await;
        if let Err(e) = updated {
            if let Err(v) = book.forget(&r).await {
                tracing::error!(error = %v, id, "cannot remove a moved webhook URL from Vault");
            }
            return Err(e).context("cannot blank a webhook URL in the database");
        }
        tracing::info!(
            id,
            url_ref = r.as_str(),
            "moved an alert target's URL into Vault"
        );
        moved.urls += 1;
    }
    if scrub > 0 {
        sqlx::query("DELETE FROM alert_url_scrub")
            .execute(&mut *conn)
            .await?;
        sqlx::query("VACUUM").execute(&mut *conn).await?;
        moved.scrubbed = true;
    }
    let done = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&mut *conn)
        .await?;
    if done.try_get::<i64, _>(0)? != 0 {
        tracing::warn!("the database's write-ahead log could not be truncated yet");
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::urls::{MemoryVault, WebhookVault};
    use secrecy::ExposeSecret;
    use std::sync::atomic::Ordering;
    use std::sync::Arc;

    /// Every byte of the database's files (`tradebot.db`, `-wal`, `-shm`).
    fn file_bytes(dir: &std::path::Path) -> Vec<u8> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            all.extend(std::fs::read(entry.unwrap().path()).unwrap());
        }
        all
    }

    fn holds(hay: &[u8], needle: &str) -> bool {
        hay.windows(needle.len()).any(|w| w == needle.as_bytes())
    }

    #[tokio::test]
    async fn urls_of_the_previous_version_go_to_vault_and_leave_no_byte_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(dir.path()).await.unwrap();
        let pool = store.pool();
        // As the previous version left it: two targets with their URL, one removed earlier.
        for (name, url) in [
            ("ops", "https://hooks.example:8443/T0/KEPTSECRET"),
            ("old", "https://hooks.example/T0/GONESECRET"),
            ("tg", "https://api.telegram.org/bot123:TGSECRET/sendMessage"),
        ] {
            sqlx::query(
                "INSERT INTO alert_targets (name, format, url, rules, created_by, created_ms) \
                 VALUES (?, 'json', ?, '[\"bot_failed\"]', 'ada', 1)",
            )
            .bind(name)
            .bind(url)
            .execute(pool)
            .await
            .unwrap();
        }
        sqlx::query("DELETE FROM alert_targets WHERE name = 'old'")
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO alert_url_scrub VALUES (3)")
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(pool)
            .await
            .unwrap();
        assert!(holds(&file_bytes(dir.path()), "GONESECRET"), "the fixture");

        let vault = Arc::new(MemoryVault::default());
        let book = UrlBook::new(vault.clone());
        // Vault down: an error that says what to do, and nothing changed.
        vault.fail.store(true, Ordering::SeqCst);
        let e = format!("{:#}", move_into_vault(pool, &book).await.unwrap_err());
        assert!(e.contains("tradebot vault bootstrap"), "{e}");
        assert!(!e.contains("SECRET"), "{e}");
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM alert_targets WHERE url != ''")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(left, 2);

        vault.fail.store(false, Ordering::SeqCst);
        let moved = move_into_vault(pool, &book).await.unwrap();
        assert_eq!(
            moved,
            Moved {
                urls: 2,
                scrubbed: true
            }
        );
        let all = crate::alerts::targets::list(pool).await.unwrap();
        assert_eq!(all[0].shown_url, "https://hooks.example:8443/…");
        assert_eq!(all[1].shown_url, "https://api.telegram.org/…");
        let r = all[0].url_ref.clone().unwrap();
        assert_eq!(r, UrlRef::legacy(all[0].id));
        assert_eq!(
            vault
                .get(r.as_str())
                .await
                .unwrap()
                .unwrap()
                .expose_secret(),
            "https://hooks.example:8443/T0/KEPTSECRET"
        );
        let bytes = file_bytes(dir.path());
        for secret in ["KEPTSECRET", "GONESECRET", "TGSECRET", "/T0/"] {
            assert!(
                !holds(&bytes, secret),
                "{secret} left in the database files"
            );
        }
        // A second start has nothing to do.
        assert_eq!(
            move_into_vault(pool, &book).await.unwrap(),
            Moved::default()
        );
    }
}
