//! Fills and order updates from the chain itself, without an indexer: a subscription to the
//! node's chain stream (`injective.stream.v2.Stream/StreamV2`, gRPC) filtered on one
//! subaccount and one market, plus a backfill from CometBFT after every (re)connect, so that no
//! fill is missed and none is delivered twice (the trade id is the key).
//!
//! ```no_run
//! # async fn run(cfg: tradebot_injective::stream::StreamConfig) -> Result<(), tradebot_injective::stream::StreamError> {
//! use tradebot_injective::stream::{ChainEvent, FillStream};
//! let mut stream = FillStream::connect(cfg).await?;
//! loop {
//!     match stream.next_event().await? {
//!         ChainEvent::Fill(fill) => println!("{} {} @ {}", fill.trade_id, fill.quantity, fill.price),
//!         ChainEvent::Order(update) => println!("{:?} {}", update.status, update.order_hash),
//!         ChainEvent::Failure(f) => println!("refused {:?} code {}", f.cid, f.code),
//!     }
//! }
//! # }
//! ```

pub mod backfill;
mod fill;
mod ledger;
pub mod proto;

use std::time::Duration;

use tonic::transport::{Channel, Endpoint};

pub use fill::{ChainEvent, Fill, OrderFailure, OrderStatus, OrderUpdate};

use crate::address::SubaccountId;
use crate::msgs::MarketKind;
use backfill::Target;
use ledger::Ledger;

/// Where to listen and for whom.
#[derive(Debug, Clone)]
pub struct StreamConfig {
    /// Chain stream gRPC URL, e.g. `http://127.0.0.1:9999` (the node's `[chainstream] server`).
    pub stream_url: String,
    /// CometBFT RPC URL, e.g. `http://127.0.0.1:26657`, for the backfill.
    pub rpc_url: String,
    /// `0x` + 64 hex chars.
    pub market_id: String,
    pub kind: MarketKind,
    pub subaccount: SubaccountId,
    /// Wait between reconnect attempts.
    pub reconnect_delay: Duration,
    /// Fills from this height on are backfilled at the first connect (e.g. the height at which
    /// the bot placed its first order); `None` = live from the first block received.
    pub start_height: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("bad stream configuration: {0}")]
    Config(String),
    #[error("chain stream: {0}")]
    Grpc(String),
    #[error("CometBFT RPC: {0}")]
    Rpc(String),
    #[error("undecodable chain data: {0}")]
    Decode(String),
}

/// A live, self-healing feed of one subaccount's fills, order updates and order failures on
/// one market. Transport failures never surface: the stream reconnects (after
/// `reconnect_delay`) and backfills the missed heights first. Only undecodable chain data is an
/// error, and the heights it covers are not marked as seen.
pub struct FillStream {
    cfg: StreamConfig,
    target: Target,
    channel: Channel,
    http: reqwest::Client,
    live: Option<tonic::Streaming<proto::StreamResponse>>,
    ledger: Ledger,
    reconnects: u64,
}

impl std::fmt::Debug for FillStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FillStream")
            .field("target", &self.target)
            .field("last_height", &self.ledger.last_height)
            .field("reconnects", &self.reconnects)
            .finish_non_exhaustive()
    }
}

impl FillStream {
    /// Checks the configuration and opens the first subscription (one attempt: an unreachable
    /// endpoint at start-up is a configuration error for the caller to report).
    pub async fn connect(cfg: StreamConfig) -> Result<Self, StreamError> {
        let market_id = cfg.market_id.to_lowercase();
        if market_id.len() != 66
            || !market_id.starts_with("0x")
            || hex::decode(&market_id[2..]).is_err()
        {
            return Err(StreamError::Config(format!(
                "market id {:?} is not 0x + 64 hex",
                cfg.market_id
            )));
        }
        let channel = Endpoint::from_shared(cfg.stream_url.clone())
            .map_err(|e| StreamError::Config(format!("stream URL {:?}: {e}", cfg.stream_url)))?
            .connect_timeout(Duration::from_secs(5))
            .connect_lazy();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| StreamError::Config(format!("HTTP client: {e}")))?;
        let target = Target {
            market_id,
            kind: cfg.kind,
            subaccount_id: cfg.subaccount.to_hex(),
        };
        let ledger = Ledger::starting_after(cfg.start_height.map(|h| h.saturating_sub(1)));
        let mut me = Self {
            cfg,
            target,
            channel,
            http,
            live: None,
            ledger,
            reconnects: 0,
        };
        me.resubscribe().await?;
        Ok(me)
    }

    /// The next event, oldest first; waits for the chain. Cancel-safe only between events.
    pub async fn next_event(&mut self) -> Result<ChainEvent, StreamError> {
        loop {
            if let Some(event) = self.ledger.pop() {
                return Ok(event);
            }
            let message = match self.live.as_mut() {
                Some(live) => live.message().await,
                None => {
                    self.reconnect().await?;
                    continue;
                }
            };
            match message {
                Ok(Some(block)) => self.ledger.absorb(&block)?,
                Ok(None) => self.drop_live("the server ended the stream"),
                Err(status) => self.drop_live(&format!("{}: {}", status.code(), status.message())),
            }
        }
    }

    /// The highest block height fully delivered, if any.
    pub fn last_height(&self) -> Option<u64> {
        self.ledger.last_height
    }

    /// How many times the subscription was re-opened after a failure.
    pub fn reconnects(&self) -> u64 {
        self.reconnects
    }

    fn drop_live(&mut self, why: &str) {
        tracing::warn!(reason = why, last_height = ?self.ledger.last_height, "chain stream lost; reconnecting");
        self.live = None;
    }

    /// Retries [`Self::resubscribe`] until it succeeds; transport errors are waited out,
    /// decode errors returned.
    async fn reconnect(&mut self) -> Result<(), StreamError> {
        loop {
            tokio::time::sleep(self.cfg.reconnect_delay).await;
            match self.resubscribe().await {
                Ok(()) => {
                    self.reconnects += 1;
                    return Ok(());
                }
                Err(e @ StreamError::Decode(_)) => return Err(e),
                Err(e) => tracing::warn!(error = %e, "chain stream reconnect failed; retrying"),
            }
        }
    }

    /// Subscribes, waits for the first block, backfills the heights between the last one
    /// delivered and it, then queues that block. Nothing is marked as seen unless all of it
    /// succeeded.
    async fn resubscribe(&mut self) -> Result<(), StreamError> {
        let mut live = proto::stream_v2(self.channel.clone(), self.request())
            .await
            .map_err(|s| StreamError::Grpc(format!("{}: {}", s.code(), s.message())))?;
        let first = live
            .message()
            .await
            .map_err(|s| StreamError::Grpc(format!("{}: {}", s.code(), s.message())))?
            .ok_or_else(|| StreamError::Grpc("the server ended the stream at once".into()))?;
        if let Some(last) = self.ledger.last_height {
            let (from, to) = (last + 1, first.block_height.saturating_sub(1));
            let missed =
                backfill::fills_between(&self.http, &self.cfg.rpc_url, &self.target, from, to)
                    .await?;
            tracing::info!(from, to, fills = missed.len(), "chain stream backfilled");
            self.ledger.backfilled(missed, to);
        }
        self.ledger.absorb(&first)?;
        self.live = Some(live);
        Ok(())
    }

    fn request(&self) -> proto::StreamRequest {
        let trades = proto::TradesFilter {
            subaccount_ids: vec![self.target.subaccount_id.clone()],
            market_ids: vec![self.target.market_id.clone()],
        };
        let failures = proto::OrderFailuresFilter {
            accounts: vec![self.cfg.subaccount.address().to_bech32()],
        };
        match self.cfg.kind {
            MarketKind::Spot => proto::StreamRequest {
                spot_trades_filter: Some(trades.clone()),
                spot_orders_filter: Some(trades),
                order_failures_filter: Some(failures),
                ..Default::default()
            },
            MarketKind::Derivative => proto::StreamRequest {
                derivative_trades_filter: Some(trades.clone()),
                derivative_orders_filter: Some(trades),
                order_failures_filter: Some(failures),
                ..Default::default()
            },
        }
    }
}
