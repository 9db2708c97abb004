//! The async client the bot's `Exchange` adapter wraps: market metadata, book, trades, account
//! state from REST (chain LCD, indexer HTTP), and signed batch order updates with sequence
//! tracking, gas simulation and confirmation by hash.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use prost::Message;
use rust_decimal::Decimal;
use tokio::sync::Mutex as AsyncMutex;

use crate::address::SubaccountId;
use crate::keys::KeyError;
use crate::legacy_dec::{ChainFormat, DecError};
use crate::models::{self, OpenOrder, OrderBook, Position, Trade};
use crate::msgs::{self, Batch, BatchOutcome, MarketKind, MarketMeta, OrderError};
use crate::network::Network;
use crate::ratelimit::RateLimiter;
use crate::{proto, tx};

mod balances;
mod delegation;
mod grants;
mod http;
mod poll;
mod send;
mod signer;
pub use grants::ChainGrant;
pub use poll::BookEvent;
pub use send::{expected_sequence, with_margin};
pub use signer::Signer;

/// Which market, and of which kind (the chain serves them under different paths).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MarketRef {
    pub id: String,
    pub kind: MarketKind,
}

impl MarketRef {
    pub fn spot(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            kind: MarketKind::Spot,
        }
    }
    pub fn derivative(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            kind: MarketKind::Derivative,
        }
    }
}

/// Errors carry status codes and chain logs, never request bodies or keys.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("request to {0} failed: {1}")]
    Transport(String, String),
    #[error("{path} answered HTTP {status}: {body}")]
    Status {
        path: String,
        status: u16,
        /// The node's message (gateway JSON `message`) or the start of the body.
        body: String,
        /// `(codespace, ABCI code)` when the gateway body named them.
        abci: Option<(String, u32)>,
    },
    #[error("cannot decode the response of {0}: {1}")]
    Decode(String, String),
    #[error("out of gas: wanted {gas_wanted}, used {gas_used}; raise the gas multiplier or table")]
    OutOfGas { gas_wanted: i64, gas_used: i64 },
    #[error("account sequence still wrong after a resync: {0}")]
    SequenceMismatch(String),
    #[error("transaction failed ({codespace} {code}: {description}): {log}")]
    TxFailed {
        code: u32,
        codespace: String,
        description: String,
        log: String,
    },
    #[error("transaction {0} was not found in a block in time; its orders may or may not exist")]
    NotConfirmed(String),
    #[error("this client has no signing key")]
    NoSigner,
    #[error("market {0} was not loaded with market() first")]
    UnknownMarket(String),
    #[error(transparent)]
    Order(#[from] OrderError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Decimal(#[from] DecError),
}

/// How the gas limit is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GasStrategy {
    /// Simulate (with a real fee, so the fee transfer is counted), then
    /// `ceil(gas used x multiplier) + margin`: the margin covers what a simulation cannot see
    /// (e.g. an order of ours landing between simulation and delivery of a cancel-all).
    Simulate { multiplier: Decimal, margin: u64 },
    /// No simulation round trip: base + per order (create or cancel) + per cancel-all market.
    Table {
        base: u64,
        per_order: u64,
        per_market: u64,
    },
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub subaccount_index: u32,
    pub gas: GasStrategy,
    /// Blocks after the latest one past which the tx is void.
    pub timeout_blocks: u64,
    pub confirm_interval: Duration,
    pub confirm_attempts: u32,
    pub request_timeout: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    pub memo: String,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            subaccount_index: 0,
            gas: GasStrategy::Simulate {
                multiplier: Decimal::new(13, 1),
                margin: 20_000,
            },
            timeout_blocks: 30,
            confirm_interval: Duration::from_millis(700),
            confirm_attempts: 30,
            request_timeout: Duration::from_secs(10),
            backoff_initial: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            memo: String::new(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct AccountState {
    number: u64,
    sequence: u64,
}

#[derive(Debug)]
pub struct InjectiveClient {
    http: reqwest::Client,
    net: Network,
    cfg: ClientConfig,
    limiter: RateLimiter,
    signer: Option<Signer>,
    markets: Mutex<HashMap<String, MarketMeta>>,
    /// Held across build-sign-broadcast so two batches never share a sequence.
    account: AsyncMutex<Option<AccountState>>,
    gas_price: Mutex<Decimal>,
}

impl InjectiveClient {
    pub fn new(
        net: Network,
        cfg: ClientConfig,
        signer: Option<Signer>,
    ) -> Result<Self, ClientError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(cfg.request_timeout)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| ClientError::Transport("client".into(), e.to_string()))?;
        let limiter = RateLimiter::new(net.requests_per_second, net.requests_per_second.max(1));
        let gas_price = Mutex::new(net.gas_price);
        Ok(Self {
            http,
            net,
            cfg,
            limiter,
            signer,
            markets: Mutex::new(HashMap::new()),
            account: AsyncMutex::new(None),
            gas_price,
        })
    }

    pub fn network(&self) -> &Network {
        &self.net
    }

    /// The subaccount this client trades (granter's when delegated).
    pub fn subaccount(&self) -> Result<SubaccountId, ClientError> {
        let signer = self.signer.as_ref().ok_or(ClientError::NoSigner)?;
        Ok(signer.trader().subaccount(self.cfg.subaccount_index))
    }

    // ------------------------------------------------------------ market data

    /// Reads the market from the chain (ticks, decimals, min notional) and caches it.
    pub async fn market(&self, market: &MarketRef) -> Result<MarketMeta, ClientError> {
        let meta: MarketMeta = match market.kind {
            MarketKind::Spot => {
                let path = format!("/injective/exchange/v2/spot/markets/{}", market.id);
                self.get::<models::SpotMarketResponse>(&self.net.lcd, &path)
                    .await?
                    .market
                    .into()
            }
            MarketKind::Derivative => {
                let path = format!("/injective/exchange/v2/derivative/markets/{}", market.id);
                self.get::<models::DerivativeMarketResponse>(&self.net.lcd, &path)
                    .await?
                    .market
                    .market
                    .into()
            }
        };
        self.lock_markets()
            .insert(meta.market_id.clone(), meta.clone());
        Ok(meta)
    }

    fn lock_markets(&self) -> std::sync::MutexGuard<'_, HashMap<String, MarketMeta>> {
        // Poisoning cannot leave the map half-written (insert is atomic from our view).
        self.markets.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn cached(&self, id: &str) -> Result<MarketMeta, ClientError> {
        self.lock_markets()
            .get(id)
            .cloned()
            .ok_or_else(|| ClientError::UnknownMarket(id.to_owned()))
    }

    /// Order book from the chain (human values), best levels first, `depth` per side.
    pub async fn orderbook(
        &self,
        market: &MarketRef,
        depth: u32,
    ) -> Result<OrderBook, ClientError> {
        let kind = match market.kind {
            MarketKind::Spot => "spot",
            MarketKind::Derivative => "derivative",
        };
        let path = format!(
            "/injective/exchange/v2/{kind}/orderbook/{}?limit={depth}",
            market.id
        );
        Ok(self
            .get::<models::OrderbookResponse>(&self.net.lcd, &path)
            .await?
            .into())
    }

    /// Recent trades from the indexer, converted from its chain format with the market's decimals
    /// (so `market()` must have been called).
    pub async fn trades(&self, market: &MarketRef, limit: u32) -> Result<Vec<Trade>, ClientError> {
        let meta = self.cached(&market.id)?;
        match market.kind {
            MarketKind::Spot => {
                let format = ChainFormat::Spot {
                    base_decimals: meta.base_decimals.unwrap_or(0),
                    quote_decimals: meta.quote_decimals,
                };
                let path = format!(
                    "/api/exchange/spot/v2/trades?market_ids={}&limit={limit}",
                    market.id
                );
                let r: models::IndexerTradesResponse<models::IndexerSpotTrade> =
                    self.get(&self.net.indexer, &path).await?;
                Ok(r.trades
                    .iter()
                    .map(|t| t.to_trade(format))
                    .collect::<Result<_, _>>()?)
            }
            MarketKind::Derivative => {
                let format = ChainFormat::Derivative {
                    quote_decimals: meta.quote_decimals,
                };
                let path = format!(
                    "/api/exchange/derivative/v2/trades?market_ids={}&limit={limit}",
                    market.id
                );
                let r: models::IndexerTradesResponse<models::IndexerDerivativeTrade> =
                    self.get(&self.net.indexer, &path).await?;
                Ok(r.trades
                    .iter()
                    .map(|t| t.to_trade(format))
                    .collect::<Result<_, _>>()?)
            }
        }
    }

    // ------------------------------------------------------------ account state

    pub async fn open_orders(&self, market: &MarketRef) -> Result<Vec<OpenOrder>, ClientError> {
        let sub = self.subaccount()?;
        let kind = match market.kind {
            MarketKind::Spot => "spot",
            MarketKind::Derivative => "derivative",
        };
        let path = format!("/injective/exchange/v2/{kind}/orders/{}/{sub}", market.id);
        Ok(self
            .get::<models::TraderOrdersResponse>(&self.net.lcd, &path)
            .await?
            .into_orders(&market.id))
    }

    pub async fn positions(&self) -> Result<Vec<Position>, ClientError> {
        let path = format!(
            "/injective/exchange/v2/subaccount_positions/{}",
            self.subaccount()?
        );
        Ok(self
            .get::<models::SubaccountPositionsResponse>(&self.net.lcd, &path)
            .await?
            .into_positions())
    }

    /// Refreshes the gas price from the chain's current base fee (falls back to the configured one).
    pub async fn refresh_gas_price(&self) -> Result<Decimal, ClientError> {
        let r: models::EipBaseFeeResponse = self
            .get(&self.net.lcd, "/injective/txfees/v1beta1/cur_eip_base_fee")
            .await?;
        let price = r.base_fee.base_fee.max(self.net.gas_price);
        *self.gas_price.lock().unwrap_or_else(|e| e.into_inner()) = price;
        Ok(price)
    }

    // ------------------------------------------------------------ orders

    /// Cancels and creates in one transaction. Orders the chain refused are in `rejected`.
    pub async fn batch_update(&self, batch: &Batch) -> Result<BatchOutcome, ClientError> {
        let signer = self.signer.as_ref().ok_or(ClientError::NoSigner)?;
        let ids = batch
            .creates
            .iter()
            .map(|o| &o.market_id)
            .chain(batch.cancels.iter().map(|c| &c.market_id))
            .chain(batch.cancel_all.iter());
        let markets = ids
            .map(|id| self.cached(id))
            .collect::<Result<Vec<_>, _>>()?;
        let msg = msgs::batch_update(signer.trader(), self.subaccount()?, batch, &markets)?;
        let any = proto::to_any(&msg);
        let wrapped = match signer.granter {
            Some(_) => tx::exec(signer.signer_address(), vec![any]),
            None => any,
        };
        let items = (batch.creates.len() + batch.cancels.len()) as u64;
        let delivered = self
            .send(signer, vec![wrapped], items, batch.cancel_all.len() as u64)
            .await?;
        let responses = tx::msg_responses(&delivered.data)
            .map_err(|e| ClientError::Decode("tx data".into(), e.to_string()))?;
        let first = responses
            .first()
            .ok_or_else(|| ClientError::Decode("tx data".into(), "no message response".into()))?;
        let resp =
            proto::MsgBatchUpdateOrdersResponse::decode(first.1.as_slice()).map_err(|e| {
                ClientError::Decode("MsgBatchUpdateOrdersResponse".into(), e.to_string())
            })?;
        Ok(msgs::read_outcome(&msg, &resp))
    }

    /// Cancels every order of our subaccount in these markets (start-up and shutdown).
    pub async fn cancel_all(&self, markets: &[MarketRef]) -> Result<BatchOutcome, ClientError> {
        let batch = Batch {
            cancel_all: markets.iter().map(|m| m.id.clone()).collect(),
            ..Batch::default()
        };
        self.batch_update(&batch).await
    }
}
