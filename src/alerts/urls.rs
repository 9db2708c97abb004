//! Where webhook URLs live: Vault ([`WebhookVault`], implemented by
//! `crate::vault::VaultWebhooks` at `alerts/data/webhooks/<ref>`), with an in-memory cache
//! ([`UrlBook`]) so that deliveries do not read Vault each time, and so that the `vault_down`
//! alert still reaches targets whose URL was read before Vault went away (every URL is read
//! once at startup). URLs are [`SecretString`]s: wiped on drop, never printed.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use secrecy::SecretString;

use crate::vault::VaultError;

/// A target's reference in Vault: 32 lowercase hex characters (new targets) or `legacy-<id>`
/// (URLs moved out of the database at startup). Never holds `/`, so it names one entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UrlRef(String);

impl UrlRef {
    /// A fresh random reference (128 bits).
    pub fn random() -> Self {
        Self(hex::encode(rand::random::<[u8; 16]>()))
    }

    /// The reference of the URL moved out of row `id` of the previous version's table.
    pub fn legacy(id: i64) -> Self {
        Self(format!("legacy-{id}"))
    }

    /// A stored reference; `None` for anything that is not one of the two shapes.
    pub fn parse(s: &str) -> Option<Self> {
        let hex = s.len() == 32
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let legacy = s
            .strip_prefix("legacy-")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        (hex || legacy).then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the dashboard may do with webhook URLs in Vault. Errors are Vault's (unreachable,
/// sealed, denied); their `Display` holds no URL.
#[async_trait::async_trait]
pub trait WebhookVault: Send + Sync + std::fmt::Debug {
    /// Writes (or replaces) the URL of `url_ref`.
    async fn put(&self, url_ref: &str, url: &SecretString) -> Result<(), VaultError>;
    /// The URL of `url_ref`, or `None` if there is none.
    async fn get(&self, url_ref: &str) -> Result<Option<SecretString>, VaultError>;
    /// Removes the URL of `url_ref` for good; a missing one is not an error.
    async fn remove(&self, url_ref: &str) -> Result<(), VaultError>;
}

/// The URLs in Vault with a cache in front. Clones share the cache. `Debug` shows how many
/// URLs are cached, nothing else.
#[derive(Clone)]
pub struct UrlBook {
    vault: Arc<dyn WebhookVault>,
    cache: Arc<RwLock<HashMap<UrlRef, SecretString>>>,
}

impl std::fmt::Debug for UrlBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UrlBook")
            .field("cached", &self.read_cache().len())
            .finish_non_exhaustive()
    }
}

impl UrlBook {
    pub fn new(vault: Arc<dyn WebhookVault>) -> Self {
        Self {
            vault,
            cache: Arc::default(),
        }
    }

    fn read_cache(&self) -> std::sync::RwLockReadGuard<'_, HashMap<UrlRef, SecretString>> {
        self.cache
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write_cache(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<UrlRef, SecretString>> {
        self.cache
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes `url` to Vault, then caches it. On error nothing is cached.
    pub async fn save(&self, url_ref: &UrlRef, url: SecretString) -> Result<(), VaultError> {
        self.vault.put(url_ref.as_str(), &url).await?;
        self.write_cache().insert(url_ref.clone(), url);
        Ok(())
    }

    /// The URL of `url_ref`: from the cache, else from Vault (then cached). `Ok(None)`: Vault
    /// has none.
    pub async fn url(&self, url_ref: &UrlRef) -> Result<Option<SecretString>, VaultError> {
        if let Some(url) = self.read_cache().get(url_ref).cloned() {
            return Ok(Some(url));
        }
        let found = self.vault.get(url_ref.as_str()).await?;
        if let Some(url) = &found {
            self.write_cache().insert(url_ref.clone(), url.clone());
        }
        Ok(found)
    }

    /// Removes the URL from Vault, then from the cache (a failed removal keeps it cached, so
    /// the target it belongs to still gets its alerts).
    pub async fn forget(&self, url_ref: &UrlRef) -> Result<(), VaultError> {
        self.vault.remove(url_ref.as_str()).await?;
        self.write_cache().remove(url_ref);
        Ok(())
    }

    /// Reads every URL of `refs` into the cache; returns how many could not be read (logged
    /// by reference, never by URL).
    pub async fn warm(&self, refs: &[UrlRef]) -> usize {
        let mut missed = 0;
        for r in refs {
            match self.url(r).await {
                Ok(Some(_)) => {}
                Ok(None) => {
                    missed += 1;
                    tracing::warn!(url_ref = r.as_str(), "an alert target has no URL in Vault");
                }
                Err(e) => {
                    missed += 1;
                    tracing::warn!(url_ref = r.as_str(), error = %e, "cannot read an alert target's URL from Vault");
                }
            }
        }
        missed
    }
}

/// An in-memory [`WebhookVault`] for unit tests; `fail` makes every call fail as if Vault
/// were unreachable.
#[cfg(test)]
#[derive(Debug, Default)]
pub struct MemoryVault {
    pub urls: std::sync::Mutex<HashMap<String, SecretString>>,
    pub fail: std::sync::atomic::AtomicBool,
}

#[cfg(test)]
impl MemoryVault {
    fn check(&self) -> Result<(), VaultError> {
        if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(VaultError::Unreachable {
                address: "memory".into(),
                reason: "down for the test".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
#[async_trait::async_trait]
impl WebhookVault for MemoryVault {
    async fn put(&self, url_ref: &str, url: &SecretString) -> Result<(), VaultError> {
        self.check()?;
        self.urls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(url_ref.to_owned(), url.clone());
        Ok(())
    }

    async fn get(&self, url_ref: &str) -> Result<Option<SecretString>, VaultError> {
        self.check()?;
        Ok(self
            .urls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(url_ref)
            .cloned())
    }

    async fn remove(&self, url_ref: &str) -> Result<(), VaultError> {
        self.check()?;
        self.urls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(url_ref);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::sync::atomic::Ordering;

    #[test]
    fn references_are_hex_or_legacy_and_never_a_path() {
        let r = UrlRef::random();
        assert_eq!(UrlRef::parse(r.as_str()), Some(r.clone()));
        assert_ne!(UrlRef::random(), r);
        assert_eq!(UrlRef::parse("legacy-12"), Some(UrlRef::legacy(12)));
        for bad in [
            "",
            "legacy-",
            "legacy-1/2",
            "../x",
            "ABCDEF0123456789abcdef0123456789",
            "a/b",
        ] {
            assert_eq!(UrlRef::parse(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn the_cache_serves_a_url_read_once_while_vault_is_down() {
        let vault = Arc::new(MemoryVault::default());
        let book = UrlBook::new(vault.clone());
        let r = UrlRef::random();
        book.save(&r, SecretString::from("https://h/SECRET"))
            .await
            .unwrap();
        // Cached at save: Vault down, the URL still comes.
        vault.fail.store(true, Ordering::SeqCst);
        assert_eq!(
            book.url(&r).await.unwrap().unwrap().expose_secret(),
            "https://h/SECRET"
        );
        assert!(!format!("{book:?}").contains("SECRET"));
        // Not cached and Vault down: an error, then a warm read once it is back.
        let other = UrlRef::random();
        assert!(book
            .save(&other, SecretString::from("https://h/2"))
            .await
            .is_err());
        assert!(book.url(&other).await.is_err());
        vault.fail.store(false, Ordering::SeqCst);
        assert_eq!(book.url(&other).await.unwrap().map(|_| ()), None);
        assert_eq!(book.warm(&[r.clone(), other]).await, 1);
        book.forget(&r).await.unwrap();
        assert!(book.url(&r).await.unwrap().is_none());
    }
}
