//! Adding and removing a target across its two homes, the URL in Vault ([`UrlBook`]) and the
//! row in the database ([`targets`]), so that a failure of either leaves nothing half-saved:
//! - add: Vault first, under a fresh [`UrlRef`]; Vault failing saves nothing; the row failing
//!   (a name taken meanwhile included) removes the URL from Vault again;
//! - remove: Vault first; Vault failing keeps the row (the removal can be retried, and no row
//!   points at a URL that is gone), then the row.

use sqlx::SqlitePool;

use super::targets::{self, Target, Valid};
use super::urls::{UrlBook, UrlRef};
use crate::vault::VaultError;

/// Why an add or a remove did not happen (a refusal by rule is not a failure: see [`add`]).
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Vault refused or did not answer; nothing changed.
    #[error("Vault: {0}")]
    Vault(#[from] VaultError),
    /// The database failed; for an add, the URL was removed from Vault again.
    #[error("database: {0:#}")]
    Database(anyhow::Error),
}

/// Saves `valid`: the URL to Vault, then the row. `Ok(Err(sentence))`: refused by a rule (a
/// name in use), nothing saved. Returns the new target's id.
pub async fn add(
    pool: &SqlitePool,
    urls: &UrlBook,
    valid: &Valid,
    by: &str,
    now_ms: i64,
) -> Result<Result<i64, String>, Failure> {
    if let Some(taken) = targets::name_in_use(pool, &valid.name)
        .await
        .map_err(Failure::Database)?
    {
        return Ok(Err(taken));
    }
    let url_ref = UrlRef::random();
    urls.save(&url_ref, valid.url.clone()).await?;
    let inserted = targets::insert(pool, valid, &url_ref, by, now_ms).await;
    if !matches!(inserted, Ok(Ok(_))) {
        if let Err(e) = urls.forget(&url_ref).await {
            tracing::error!(error = %e, url_ref = url_ref.as_str(), "cannot remove from Vault the URL of a target that was not saved");
        }
    }
    inserted.map_err(Failure::Database)
}

/// Removes `target`: its URL from Vault, then its row. `Ok(false)`: the row was gone already.
pub async fn remove(pool: &SqlitePool, urls: &UrlBook, target: &Target) -> Result<bool, Failure> {
    if let Some(r) = &target.url_ref {
        urls.forget(r).await?;
    }
    targets::remove(pool, target.id)
        .await
        .map_err(Failure::Database)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::urls::{MemoryVault, WebhookVault};
    use crate::alerts::NewTarget;
    use secrecy::{ExposeSecret, SecretString};
    use std::sync::atomic::Ordering;
    use std::sync::Arc;

    fn valid(name: &str) -> Valid {
        NewTarget {
            name: name.into(),
            format: "slack".into(),
            url: SecretString::from("https://hooks.example/T0/SECRET".to_owned()),
            chat_id: String::new(),
            rules: vec!["bot_failed".into()],
        }
        .validate(false)
        .unwrap()
    }

    fn held(vault: &MemoryVault) -> usize {
        vault.urls.lock().unwrap().len()
    }

    #[tokio::test]
    async fn nothing_is_left_half_saved_whichever_side_fails() {
        let store = crate::store::Store::memory().await.unwrap();
        let pool = store.pool();
        let vault = Arc::new(MemoryVault::default());
        let urls = UrlBook::new(vault.clone());

        // Vault down: no row.
        vault.fail.store(true, Ordering::SeqCst);
        let e = add(pool, &urls, &valid("ops"), "ada", 1).await.unwrap_err();
        assert!(matches!(e, Failure::Vault(_)), "{e}");
        assert!(targets::list(pool).await.unwrap().is_empty());
        vault.fail.store(false, Ordering::SeqCst);

        // Saved: the URL in Vault under the row's reference.
        let id = add(pool, &urls, &valid("ops"), "ada", 1)
            .await
            .unwrap()
            .unwrap();
        let t = targets::find(pool, id).await.unwrap().unwrap();
        let r = t.url_ref.clone().unwrap();
        let url = vault.get(r.as_str()).await.unwrap().unwrap();
        assert_eq!(url.expose_secret(), "https://hooks.example/T0/SECRET");

        // A name in use: refused before Vault is written.
        let refused = add(pool, &urls, &valid("ops"), "ada", 2).await.unwrap();
        assert!(refused.unwrap_err().contains("exists"));
        assert_eq!(held(&vault), 1);

        // The database refusing the row: the URL written to Vault is removed again.
        sqlx::query(
            "CREATE TRIGGER full BEFORE INSERT ON alert_targets \
             BEGIN SELECT RAISE(ABORT, 'disk full'); END",
        )
        .execute(pool)
        .await
        .unwrap();
        let e = add(pool, &urls, &valid("second"), "ada", 3)
            .await
            .unwrap_err();
        assert!(matches!(e, Failure::Database(_)), "{e}");
        assert!(!e.to_string().contains("SECRET"), "{e}");
        assert_eq!(held(&vault), 1, "only the first target's URL");

        // Vault down: the target stays, removable later; then both go.
        vault.fail.store(true, Ordering::SeqCst);
        assert!(matches!(
            remove(pool, &urls, &t).await,
            Err(Failure::Vault(_))
        ));
        assert_eq!(targets::list(pool).await.unwrap().len(), 1);
        vault.fail.store(false, Ordering::SeqCst);
        assert!(remove(pool, &urls, &t).await.unwrap());
        assert_eq!(held(&vault), 0);
        assert!(targets::list(pool).await.unwrap().is_empty());
    }
}
