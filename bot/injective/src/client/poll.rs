//! Order book "subscription" by polling the LCD: the public REST endpoints have no stream, and a
//! poll loop reconnects naturally. Errors back off exponentially and are reported as events so
//! the strategy can pull its quotes while the feed is down.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::{InjectiveClient, MarketRef};
use crate::models::OrderBook;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookEvent {
    Snapshot(OrderBook),
    /// The feed failed; the loop is backing off and will retry.
    Disconnected(String),
    /// The feed works again (the next event is a fresh snapshot).
    Reconnected,
}

impl InjectiveClient {
    /// Polls the book every `interval` until the receiver is dropped.
    pub fn subscribe_orderbook(
        self: &Arc<Self>,
        market: MarketRef,
        depth: u32,
        interval: std::time::Duration,
    ) -> mpsc::Receiver<BookEvent> {
        let (tx, rx) = mpsc::channel(16);
        let client = Arc::clone(self);
        tokio::spawn(async move {
            let mut backoff = client.cfg.backoff_initial;
            let mut down = false;
            loop {
                let event = match client.orderbook(&market, depth).await {
                    Ok(book) => {
                        if down && tx.send(BookEvent::Reconnected).await.is_err() {
                            return;
                        }
                        down = false;
                        backoff = client.cfg.backoff_initial;
                        BookEvent::Snapshot(book)
                    }
                    Err(e) if !down => {
                        down = true;
                        BookEvent::Disconnected(e.to_string())
                    }
                    Err(_) => {
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(client.cfg.backoff_max);
                        continue;
                    }
                };
                let wait = if down { backoff } else { interval };
                if tx.send(event).await.is_err() {
                    return;
                }
                tokio::time::sleep(wait).await;
            }
        });
        rx
    }
}
