//! The one reader of a chain for the dashboard: exchange v2 markets and books, authz grants,
//! bank balances, subaccount deposits and positions, from the node's LCD (REST), decoded with
//! the connector's LCD models. Read-only; no key is involved.

use std::time::Duration;

use async_trait::async_trait;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tradebot_injective::address::Address;
use tradebot_injective::models::{
    DerivativeMarketsResponse, OrderbookResponse, SpotMarketsResponse, SubaccountDepositsResponse,
    SubaccountPositionsResponse,
};

use super::{name_of_ticker, Kind, Market};

/// The authz type the bot keys are granted (injective-core exchange v2 authz).
pub const BATCH_AUTHZ_TYPE: &str = "/injective.exchange.v2.BatchUpdateOrdersAuthz";

/// A chain query that failed: which path and why, never a body beyond the node's message.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("the chain's LCD {path}: {reason}")]
pub struct ChainError {
    pub path: String,
    pub reason: String,
}

/// One authz grant of a granter, as the chain holds it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantOnChain {
    pub grantee: String,
    /// The authorization's type url (`/injective.exchange.v2.BatchUpdateOrdersAuthz`, ...).
    pub type_url: String,
    /// Markets a batch-update grant is limited to (spot and derivative ids).
    pub markets: Vec<String>,
    /// RFC 3339 UTC; `None`: no expiry.
    pub expiration: Option<String>,
}

/// A wallet's funds and positions on chain (default subaccount), raw chain units.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WalletOnChain {
    /// Bank coins: (denom, base units).
    pub bank: Vec<(String, Decimal)>,
    /// Subaccount 0 deposits: (denom, total base units); for the default subaccount these are
    /// what open orders hold.
    pub deposits: Vec<(String, Decimal)>,
    /// Open perpetual positions: (market id, long?, quantity, entry price).
    pub positions: Vec<(String, bool, Decimal, Decimal)>,
}

/// What the dashboard asks a chain. `lcd` is the node's REST base URL without a trailing slash.
#[async_trait]
pub trait ChainReader: Send + Sync + std::fmt::Debug + 'static {
    /// Every spot and perpetual market the chain lists under a name of ours.
    async fn markets(&self, lcd: &str) -> Result<Vec<Market>, ChainError>;
    /// The mid of the best bid and ask (one side alone when the other is empty); `None` for an
    /// empty book.
    async fn mid(&self, lcd: &str, market: &Market) -> Result<Option<Decimal>, ChainError>;
    /// Every grant `granter` gave (any grantee, any type).
    async fn grants(&self, lcd: &str, granter: &str) -> Result<Vec<GrantOnChain>, ChainError>;
    /// Bank balances, default-subaccount deposits and positions of `address` (`inj1...`).
    async fn wallet(&self, lcd: &str, address: &str) -> Result<WalletOnChain, ChainError>;
}

/// The real reader: plain HTTP(S) GETs with a short timeout.
#[derive(Debug, Clone)]
pub struct LcdReader {
    http: reqwest::Client,
}

impl Default for LcdReader {
    fn default() -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(3))
            .build()
            .unwrap_or_default();
        Self { http }
    }
}

impl LcdReader {
    async fn get<T: DeserializeOwned>(&self, lcd: &str, path: &str) -> Result<T, ChainError> {
        let err = |reason: String| ChainError {
            path: path.split('?').next().unwrap_or(path).to_owned(),
            reason,
        };
        let resp = self
            .http
            .get(format!("{lcd}{path}"))
            .send()
            .await
            .map_err(|e| err(format!("unreachable ({})", e.without_url())))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(err(format!("answered HTTP {}", status.as_u16())));
        }
        resp.json::<T>()
            .await
            .map_err(|e| err(format!("unreadable answer ({})", e.without_url())))
    }
}

#[derive(Debug, Deserialize)]
struct GrantsResponse {
    #[serde(default)]
    grants: Vec<RawGrant>,
}

#[derive(Debug, Deserialize)]
struct RawGrant {
    #[serde(default)]
    grantee: String,
    #[serde(default)]
    authorization: serde_json::Value,
    #[serde(default)]
    expiration: Option<String>,
}

#[derive(Debug, Deserialize)]
struct BankResponse {
    #[serde(default)]
    balances: Vec<Coin>,
}

#[derive(Debug, Deserialize)]
struct Coin {
    denom: String,
    amount: Decimal,
}

/// Decodes one grant of the LCD's granter listing.
fn grant_of(raw: RawGrant) -> GrantOnChain {
    let a = &raw.authorization;
    let list = |k: &str| -> Vec<String> {
        a.get(k)
            .and_then(|v| v.as_array())
            .map(|v| {
                v.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut markets = list("spot_markets");
    markets.extend(list("derivative_markets"));
    GrantOnChain {
        grantee: raw.grantee,
        type_url: a
            .get("@type")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned(),
        markets,
        expiration: raw.expiration.filter(|e| !e.is_empty()),
    }
}

/// Our markets of the chain's listings (tickers that are no name of ours are left out).
pub fn markets_of(spot: SpotMarketsResponse, perp: DerivativeMarketsResponse) -> Vec<Market> {
    let spot = spot.markets.into_iter().filter_map(|m| {
        Some(Market {
            market: name_of_ticker(&m.ticker, Kind::Spot)?,
            ticker: m.ticker,
            market_id: m.market_id,
            kind: Kind::Spot,
            base_denom: Some(m.base_denom),
            quote_denom: m.quote_denom,
            price_tick: m.min_price_tick_size,
            quantity_tick: m.min_quantity_tick_size,
            min_notional: m.min_notional,
            base_decimals: Some(m.base_decimals),
            quote_decimals: m.quote_decimals,
            active: m.status,
        })
    });
    let perp = perp.markets.into_iter().filter_map(|full| {
        let m = full.market;
        Some(Market {
            market: name_of_ticker(&m.ticker, Kind::Perpetual)?,
            ticker: m.ticker,
            market_id: m.market_id,
            kind: Kind::Perpetual,
            base_denom: None,
            quote_denom: m.quote_denom,
            price_tick: m.min_price_tick_size,
            quantity_tick: m.min_quantity_tick_size,
            min_notional: m.min_notional,
            base_decimals: None,
            quote_decimals: m.quote_decimals,
            active: m.status,
        })
    });
    let mut all: Vec<Market> = spot.chain(perp).collect();
    all.sort_by(|a, b| a.market.cmp(&b.market));
    all
}

/// The mid of a book's best levels.
pub fn mid_of(book: &OrderbookResponse) -> Option<Decimal> {
    let bid = book.buys_price_level.first().map(|l| l.p);
    let ask = book.sells_price_level.first().map(|l| l.p);
    match (bid, ask) {
        (Some(b), Some(a)) => Some((b + a) / Decimal::TWO),
        (one, other) => one.or(other),
    }
}

fn kind_path(kind: Kind) -> &'static str {
    match kind {
        Kind::Spot => "spot",
        Kind::Perpetual => "derivative",
    }
}

#[async_trait]
impl ChainReader for LcdReader {
    async fn markets(&self, lcd: &str) -> Result<Vec<Market>, ChainError> {
        let spot = self.get(lcd, "/injective/exchange/v2/spot/markets").await?;
        let perp = self
            .get(lcd, "/injective/exchange/v2/derivative/markets")
            .await?;
        Ok(markets_of(spot, perp))
    }

    async fn mid(&self, lcd: &str, market: &Market) -> Result<Option<Decimal>, ChainError> {
        let path = format!(
            "/injective/exchange/v2/{}/orderbook/{}?limit=1",
            kind_path(market.kind),
            market.market_id
        );
        let book: OrderbookResponse = self.get(lcd, &path).await?;
        Ok(mid_of(&book))
    }

    async fn grants(&self, lcd: &str, granter: &str) -> Result<Vec<GrantOnChain>, ChainError> {
        let path = format!("/cosmos/authz/v1beta1/grants/granter/{granter}?pagination.limit=1000");
        let r: GrantsResponse = self.get(lcd, &path).await?;
        Ok(r.grants.into_iter().map(grant_of).collect())
    }

    async fn wallet(&self, lcd: &str, address: &str) -> Result<WalletOnChain, ChainError> {
        let addr = Address::from_bech32(address).map_err(|e| ChainError {
            path: "address".into(),
            reason: e.to_string(),
        })?;
        let bank: BankResponse = self
            .get(
                lcd,
                &format!("/cosmos/bank/v1beta1/balances/{address}?pagination.limit=1000"),
            )
            .await?;
        let sub = addr.subaccount(0);
        let deposits: SubaccountDepositsResponse = self
            .get(
                lcd,
                &format!("/injective/exchange/v2/exchange/subaccountDeposits?subaccount_id={sub}"),
            )
            .await?;
        let positions: SubaccountPositionsResponse = self
            .get(
                lcd,
                &format!("/injective/exchange/v2/subaccount_positions/{sub}"),
            )
            .await?;
        Ok(WalletOnChain {
            bank: bank
                .balances
                .into_iter()
                .map(|c| (c.denom, c.amount))
                .collect(),
            deposits: deposits
                .into_balances()
                .into_iter()
                .map(|b| (b.denom, b.total))
                .collect(),
            positions: positions
                .into_positions()
                .into_iter()
                .map(|p| (p.market_id, p.is_long, p.quantity, p.entry_price))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests;
