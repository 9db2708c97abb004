//! The cache of market listings per network and of mid prices per market.
//!
//! Listings are read again after [`MARKETS_TTL`]; a refresh that fails keeps the last good copy
//! and the [`Snapshot`] says how old it is and why it is stale (only a network never read
//! successfully is an error). Mid prices are kept [`MID_TTL`]: a start and the form's preview
//! see the book of a moment ago, never a stale one of minutes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;

use super::lcd::{ChainError, ChainReader, GrantOnChain, LcdReader, WalletOnChain};
use super::Market;
use crate::domain::MarketId;

/// How long a network's listing is served before it is read again.
pub const MARKETS_TTL: Duration = Duration::from_secs(60);
/// How long a mid price is served.
pub const MID_TTL: Duration = Duration::from_secs(2);

/// A network's markets as last read.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub markets: Arc<Vec<Market>>,
    /// Time since the listing was read from the chain.
    pub age: Duration,
    /// Set when the last refresh failed (the listing is the last good one): why.
    pub stale: Option<String>,
}

impl Snapshot {
    /// The market named `name`, if the chain lists it.
    pub fn find(&self, name: &MarketId) -> Option<&Market> {
        self.markets.iter().find(|m| &m.market == name)
    }

    /// "read 12 s ago" or "the last refresh failed (...); listing read 75 s ago".
    pub fn freshness(&self) -> String {
        let secs = self.age.as_secs();
        match &self.stale {
            None => format!("read {secs} s ago"),
            Some(why) => format!("the last refresh failed ({why}); listing read {secs} s ago"),
        }
    }
}

#[derive(Debug)]
struct Listing {
    markets: Arc<Vec<Market>>,
    read_at: Instant,
    stale: Option<String>,
    tried_at: Instant,
}

/// Listings and mids of every network the dashboard was asked about. Cheap to share (`Arc`).
#[derive(Debug)]
pub struct Catalogue {
    reader: Arc<dyn ChainReader>,
    /// [`MARKETS_TTL`] (tests shorten it).
    ttl: Duration,
    listings: Mutex<HashMap<String, Listing>>,
    mids: Mutex<HashMap<String, (Instant, Option<Decimal>)>>,
}

impl Default for Catalogue {
    fn default() -> Self {
        Self::new(Arc::new(LcdReader::default()))
    }
}

impl Catalogue {
    pub fn new(reader: Arc<dyn ChainReader>) -> Self {
        Self {
            reader,
            ttl: MARKETS_TTL,
            listings: Mutex::new(HashMap::new()),
            mids: Mutex::new(HashMap::new()),
        }
    }

    /// The same catalogue with listings read again after `ttl`.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The markets of the chain at `lcd` (served from the cache while fresh). Errors only
    /// when the chain was never read successfully.
    pub async fn markets(&self, lcd: &str) -> Result<Snapshot, ChainError> {
        let now = Instant::now();
        if let Some(s) = self.cached(lcd, now, true) {
            return Ok(s);
        }
        let read = self.reader.markets(lcd).await;
        let mut all = self.listings.lock().unwrap_or_else(PoisonError::into_inner);
        match (read, all.get_mut(lcd)) {
            (Ok(markets), _) => {
                all.insert(
                    lcd.to_owned(),
                    Listing {
                        markets: Arc::new(markets),
                        read_at: now,
                        stale: None,
                        tried_at: now,
                    },
                );
            }
            (Err(e), Some(last)) => {
                tracing::warn!(error = %e, "market listing refresh failed; serving the last one");
                last.stale = Some(e.to_string());
                last.tried_at = now;
            }
            (Err(e), None) => return Err(e),
        }
        drop(all);
        self.cached(lcd, now, false).ok_or_else(|| ChainError {
            path: lcd.to_owned(),
            reason: "no listing".into(),
        })
    }

    /// The listing of `lcd` if there is one (and, with `fresh_only`, if it was tried within
    /// the TTL: a failed refresh is retried after the TTL too, not on every call).
    fn cached(&self, lcd: &str, now: Instant, fresh_only: bool) -> Option<Snapshot> {
        let all = self.listings.lock().unwrap_or_else(PoisonError::into_inner);
        let l = all.get(lcd)?;
        if fresh_only && now.duration_since(l.tried_at) >= self.ttl {
            return None;
        }
        Some(Snapshot {
            markets: Arc::clone(&l.markets),
            age: now.duration_since(l.read_at),
            stale: l.stale.clone(),
        })
    }

    /// The market's mid price now (cached [`MID_TTL`]); `None` for an empty book.
    pub async fn mid(&self, lcd: &str, market: &Market) -> Result<Option<Decimal>, ChainError> {
        let key = format!("{lcd} {}", market.market_id);
        let now = Instant::now();
        {
            let mids = self.mids.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((at, mid)) = mids.get(&key) {
                if now.duration_since(*at) < MID_TTL {
                    return Ok(*mid);
                }
            }
        }
        let mid = self.reader.mid(lcd, market).await?;
        self.mids
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, (now, mid));
        Ok(mid)
    }

    /// The grants `granter` gave, read now (never cached: a revoke must show at once).
    pub async fn grants(&self, lcd: &str, granter: &str) -> Result<Vec<GrantOnChain>, ChainError> {
        self.reader.grants(lcd, granter).await
    }

    /// A wallet's balances and positions, read now.
    pub async fn wallet(&self, lcd: &str, address: &str) -> Result<WalletOnChain, ChainError> {
        self.reader.wallet(lcd, address).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use async_trait::async_trait;

    use super::*;
    use crate::markets::{Kind, WalletOnChain};

    /// A chain whose listing can be made to fail; counts its reads.
    #[derive(Debug, Default)]
    struct Flaky {
        down: AtomicBool,
        reads: AtomicUsize,
    }

    #[async_trait]
    impl ChainReader for Flaky {
        async fn markets(&self, _: &str) -> Result<Vec<Market>, ChainError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            if self.down.load(Ordering::SeqCst) {
                return Err(ChainError {
                    path: "/injective/exchange/v2/spot/markets".into(),
                    reason: "answered HTTP 502".into(),
                });
            }
            Ok(vec![Market {
                market: MarketId::parse("INJ/USDT").unwrap(),
                ticker: "INJ/USDT".into(),
                market_id: "0x05".into(),
                kind: Kind::Spot,
                base_denom: Some("inj".into()),
                quote_denom: "usdt".into(),
                price_tick: Decimal::ONE,
                quantity_tick: Decimal::ONE,
                min_notional: Decimal::ONE,
                base_decimals: Some(18),
                quote_decimals: 6,
                active: true,
            }])
        }
        async fn mid(&self, _: &str, _: &Market) -> Result<Option<Decimal>, ChainError> {
            Ok(Some(Decimal::TEN))
        }
        async fn grants(&self, _: &str, _: &str) -> Result<Vec<GrantOnChain>, ChainError> {
            Ok(Vec::new())
        }
        async fn wallet(&self, _: &str, _: &str) -> Result<WalletOnChain, ChainError> {
            Ok(WalletOnChain::default())
        }
    }

    #[tokio::test]
    async fn a_fresh_listing_is_served_from_the_cache() {
        let chain = Arc::new(Flaky::default());
        let c = Catalogue::new(chain.clone());
        c.markets("lcd").await.unwrap();
        let s = c.markets("lcd").await.unwrap();
        assert_eq!(chain.reads.load(Ordering::SeqCst), 1);
        assert!(s.stale.is_none());
        assert!(
            s.freshness().starts_with("read 0 s ago"),
            "{}",
            s.freshness()
        );
        // Another network is its own listing.
        c.markets("other").await.unwrap();
        assert_eq!(chain.reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_the_last_good_listing_and_says_so() {
        let chain = Arc::new(Flaky::default());
        let c = Catalogue::new(chain.clone()).with_ttl(Duration::ZERO);
        c.markets("lcd").await.unwrap();
        chain.down.store(true, Ordering::SeqCst);
        let s = c.markets("lcd").await.unwrap();
        assert_eq!(chain.reads.load(Ordering::SeqCst), 2, "expired: read again");
        assert_eq!(s.markets.len(), 1, "the last good listing is kept");
        assert!(s.find(&MarketId::parse("INJ/USDT").unwrap()).is_some());
        let why = s.freshness();
        assert!(
            why.contains("the last refresh failed")
                && why.contains("HTTP 502")
                && why.contains("s ago"),
            "{why}"
        );
        // Back up: the next refresh clears the mark.
        chain.down.store(false, Ordering::SeqCst);
        assert!(c.markets("lcd").await.unwrap().stale.is_none());
    }

    #[tokio::test]
    async fn a_chain_never_read_is_an_error() {
        let chain = Arc::new(Flaky::default());
        chain.down.store(true, Ordering::SeqCst);
        let c = Catalogue::new(chain);
        let err = c.markets("lcd").await.unwrap_err();
        assert!(err.to_string().contains("HTTP 502"), "{err}");
    }
}
