//! Paper trading on live market data (spec `exchange: "paper"` with an `injective` section):
//! the market's ticks, minimum notional and decimals and its order book come from that chain
//! with the live adapter's own market-data code (the connector's `market()` read checked by
//! [`map_market`], and its polled LCD book feed); fills are simulated by the paper engine
//! against that book. The client has no signer: no transaction can be sent.
//!
//! Matching on a live book: a resting paper order fills (maker, at its own price) once the
//! chain's best opposite price reaches it, e.g. another account's sell order resting at or
//! below our paper bid. The LCD book carries no trade prints, so a print that leaves no resting
//! order behind is not seen (a self-hosted node has no indexer).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tradebot_injective::client::{BookEvent, ClientConfig, InjectiveClient, MarketRef};

use crate::exchange::injective::{map_market, InjectiveSpec, InjectiveSpecExt};
use crate::exchange::{BookTop, ExchangeError};
use crate::markets::MarketParams;

/// Book levels per side asked of the LCD (the paper engine uses the top only).
const BOOK_DEPTH: u32 = 5;

/// The chain's book feed of one market.
#[derive(Debug)]
pub struct LiveBook {
    /// Kept so the feed's client lives as long as the feed.
    _client: Arc<InjectiveClient>,
    book: mpsc::Receiver<BookEvent>,
}

impl LiveBook {
    /// Reads the market from the chain (refusing an id that is not the named market, as the
    /// live adapter does), then starts polling its book every `spec.poll_ms`. Returns the feed
    /// and the market with the chain's ticks. Errors: the chain unreachable or the market wrong.
    pub async fn connect(
        spec: &InjectiveSpec,
        named: &MarketParams,
    ) -> Result<(Self, MarketParams), ExchangeError> {
        let net = spec.network().map_err(ExchangeError::Refused)?;
        let client = Arc::new(InjectiveClient::new(net, ClientConfig::default(), None)?);
        let market_ref = if named.is_perpetual() {
            MarketRef::derivative(&spec.market_id)
        } else {
            MarketRef::spot(&spec.market_id)
        };
        let meta = client.market(&market_ref).await?;
        let params = map_market(named, &meta).map_err(ExchangeError::Refused)?;
        let poll = Duration::from_millis(spec.poll_ms);
        let book = client.subscribe_orderbook(market_ref, BOOK_DEPTH, poll);
        Ok((
            Self {
                _client: client,
                book,
            },
            params,
        ))
    }

    /// The next two-sided top of the chain's book. One-sided books and feed outages are
    /// skipped (logged): no book event, so the engine's stale-data guard decides when to halt.
    /// Cancel-safe (a channel read).
    pub async fn next_top(&mut self) -> Result<BookTop, ExchangeError> {
        loop {
            match self.book.recv().await {
                None => return Err(ExchangeError::Data("the order book feed stopped".into())),
                Some(BookEvent::Snapshot(book)) => match (book.bids.first(), book.asks.first()) {
                    (Some(bid), Some(ask)) => {
                        return Ok(BookTop {
                            bid: bid.price,
                            ask: ask.price,
                        })
                    }
                    _ => tracing::warn!("one-sided order book; no book event"),
                },
                Some(BookEvent::Disconnected(why)) => {
                    tracing::warn!(error = %why, "order book feed down; retrying");
                }
                Some(BookEvent::Reconnected) => tracing::info!("order book feed back"),
            }
        }
    }
}
