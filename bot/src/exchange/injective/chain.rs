//! Our fills and order updates from the chain itself: the connector's [`FillStream`] (chain
//! stream filtered on our subaccount and market, CometBFT backfill after every reconnect,
//! trade id as the dedupe key) runs in its own task and forwards what it yields over a channel.
//!
//! The task owns the stream: the bot's event loop drops `next_event` whenever a timer fires,
//! and a dropped read in the middle of a backfill must not lose what was read. Reading the
//! channel is cancel-safe. Transport failures never reach the bot (the stream reconnects and
//! backfills); undecodable chain data ends the feed with its one-line reason, which the
//! adapter reports as a data failure (the engine then cancels everything).

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tradebot_injective::address::SubaccountId;
use tradebot_injective::msgs::MarketKind;
use tradebot_injective::stream::{ChainEvent, FillStream, StreamConfig};

use super::config::ChainStreamUrls;

/// Events buffered between the stream task and the bot (a block rarely holds more than a few
/// of ours; a full channel only delays the stream, it loses nothing).
const CHANNEL: usize = 1024;
/// Wait between reconnect attempts of the stream.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// What the stream task sends: an event, or why it stopped.
#[derive(Debug)]
pub enum ChainMsg {
    Event(ChainEvent),
    Failed(String),
}

/// The receiving end; dropping it stops the task.
#[derive(Debug)]
pub struct ChainFeed {
    rx: mpsc::Receiver<ChainMsg>,
    task: JoinHandle<()>,
}

impl Drop for ChainFeed {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ChainFeed {
    /// Opens the subscription (one attempt: an unreachable stream at start-up is the
    /// operator's to fix) and starts forwarding. Live from the first block received.
    pub async fn start(
        urls: &ChainStreamUrls,
        market_id: &str,
        kind: MarketKind,
        subaccount: SubaccountId,
    ) -> Result<Self, String> {
        let cfg = StreamConfig {
            stream_url: urls.stream.clone(),
            rpc_url: urls.rpc.clone(),
            market_id: market_id.to_owned(),
            kind,
            subaccount,
            reconnect_delay: RECONNECT_DELAY,
            start_height: None,
        };
        let stream = FillStream::connect(cfg).await.map_err(|e| e.to_string())?;
        let (tx, rx) = mpsc::channel(CHANNEL);
        let task = tokio::spawn(forward(stream, tx));
        Ok(Self { rx, task })
    }

    /// The next message; `None` once the task is gone. Cancel-safe.
    pub async fn recv(&mut self) -> Option<ChainMsg> {
        self.rx.recv().await
    }
}

/// The chain feed's next message; never ready without one.
pub async fn recv(feed: Option<&mut ChainFeed>) -> Option<ChainMsg> {
    match feed {
        Some(feed) => feed.recv().await,
        None => std::future::pending().await,
    }
}

async fn forward(mut stream: FillStream, tx: mpsc::Sender<ChainMsg>) {
    loop {
        let msg = match stream.next_event().await {
            Ok(event) => ChainMsg::Event(event),
            Err(e) => ChainMsg::Failed(e.to_string()),
        };
        let last = matches!(msg, ChainMsg::Failed(_));
        if tx.send(msg).await.is_err() || last {
            return;
        }
    }
}
