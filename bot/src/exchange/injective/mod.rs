//! The bot's [`Exchange`] over the Injective connector ([`InjectiveClient`]).
//!
//! * Market: ticks, minimum notional and decimals are read from the chain at start-up
//!   ([`market::map_market`]); the bot's static table only names the market.
//! * Events: the connector's polled book feed gives `Book` events (venue time = our clock: the
//!   LCD book carries none). Our `Fill`s come from the chain stream when the node's stream and
//!   RPC are configured ([`chain`]: own task, channel, backfill after a reconnect), else from the
//!   indexer's trades after each snapshot ([`ledger`]); an indexer, when there is one, also
//!   gives `Trade` events. A feed outage emits nothing: the engine's stale-data guard halts.
//! * Orders: one `MsgBatchUpdateOrders` per `place` or `cancel`, each order under a client order
//!   id. An order is `Accepted` only with a chain order hash; anything else is `Rejected`, with
//!   the chain's code when an order failed inside a successful batch.
//!   Values are human on both sides: the connector converts to LegacyDec and from chain format.

mod answers;
mod chain;
mod config;
mod ledger;
mod market;
mod orders;

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;
use tokio::sync::mpsc;
use tradebot_injective::client::{
    BookEvent, ClientConfig, ClientError, InjectiveClient, MarketRef, Signer,
};
use tradebot_injective::keys::PrivateKey;
use tradebot_injective::models::{OpenOrder, Trade};
use tradebot_injective::msgs::{Batch, CancelOrder, MarketKind as ChainKind, MarketMeta};

pub use config::{ChainStreamUrls, InjectiveSpecExt};
pub use market::map_market;
pub use tradebot_contract::spec::{Endpoints, InjectiveSpec};

use self::answers::{nothing_placed, rejection};
use self::chain::{ChainFeed, ChainMsg};
use self::ledger::Ledger;
use super::{
    Balances, BookTop, Exchange, ExchangeError, MarketEvent, Order, OrderId, Placed, Position,
};
use crate::clock::now_ms;
use crate::domain::OrderRequest;
use crate::markets::MarketParams;

/// Book levels per side asked of the LCD (the strategies use the top only).
const BOOK_DEPTH: u32 = 5;
/// Trades per indexer poll: more matches than this between two polls are not seen.
const TRADES_LIMIT: u32 = 100;

/// A trades poll in flight, kept across calls (see [`InjectiveExchange::poll_trades`]).
type TradesPoll = Pin<Box<dyn Future<Output = Result<Vec<Trade>, ClientError>>>>;

pub struct InjectiveExchange {
    client: Arc<InjectiveClient>,
    market_ref: MarketRef,
    meta: MarketMeta,
    params: MarketParams,
    book: mpsc::Receiver<BookEvent>,
    /// Our fills and order updates from the chain stream, when configured.
    chain: Option<ChainFeed>,
    /// Whether the indexer is asked for trades (and, without a chain stream, our fills).
    indexer: bool,
    ledger: Ledger,
    queue: VecDeque<(MarketEvent, Option<String>)>,
    /// Trade id of the fill `next_event` returned last.
    last_trade: Option<String>,
    trades_poll: Option<TradesPoll>,
    /// Leverage of perpetual orders ([`InjectiveExchange::set_leverage`]; default 1).
    leverage: Decimal,
    /// When a delegated key's grant is next read from the chain ([`GRANT_RECHECK`]).
    grant_check_at: std::time::Instant,
}

/// How often a delegated key's grant and fee allowance are read again while the bot runs: a
/// bot whose orders rest sends no tx, so without this a revoked grant would go unnoticed (its
/// page saying `running`) until its next order. One LCD read of the grants (and one of the
/// allowance) per period; a direct key costs nothing.
pub const GRANT_RECHECK: Duration = Duration::from_secs(10);

impl std::fmt::Debug for InjectiveExchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InjectiveExchange")
            .field("market", &self.market_ref)
            .finish_non_exhaustive()
    }
}

impl InjectiveExchange {
    /// Builds the signer from the wallet key (moved in: the key read from Vault stays the only
    /// copy, on its locked page) and connects. A delegated key (`injective.granter`) is first
    /// checked against the chain: without a live trading grant for this market, or without
    /// its fee allowance, it is refused at once with [`ExchangeError::PermissionGone`] (the
    /// bot exits 21 before any order). Other errors: [`ExchangeError::Unavailable`] and co.,
    /// one line, free of key material.
    pub async fn from_spec(
        spec: &InjectiveSpec,
        named: &MarketParams,
        key: PrivateKey,
    ) -> Result<Self, ExchangeError> {
        let net = spec.network().map_err(ExchangeError::Refused)?;
        let signer = match spec.granter().map_err(ExchangeError::Refused)? {
            Some(granter) => Signer::delegated(key, granter),
            None => Signer::direct(key),
        };
        let cfg = ClientConfig {
            subaccount_index: spec.subaccount_index,
            ..ClientConfig::default()
        };
        let client = InjectiveClient::new(net, cfg, Some(signer))?;
        let poll = Duration::from_millis(spec.poll_ms);
        let mut me = Self::connect(Arc::new(client), &spec.market_id, named, poll).await?;
        me.set_leverage(spec.leverage.unwrap_or(Decimal::ONE))?;
        if let Some(gap) = me.client.delegation_gap(&me.market_ref).await? {
            return Err(ExchangeError::PermissionGone(gap));
        }
        if let Some(urls) = spec.chain_stream() {
            me.use_chain_stream(&urls, spec.has_indexer())
                .await
                .map_err(ExchangeError::Unavailable)?;
        }
        Ok(me)
    }

    /// Takes our fills from the node's chain stream from now on (the indexer, if `indexer`,
    /// only for the market's trade prints). Errors are one line: the stream unreachable.
    pub async fn use_chain_stream(
        &mut self,
        urls: &ChainStreamUrls,
        indexer: bool,
    ) -> Result<(), String> {
        let subaccount = self.client.subaccount().map_err(|e| e.to_string())?;
        let feed = ChainFeed::start(urls, &self.market_ref.id, self.meta.kind, subaccount)
            .await
            .map_err(|e| format!("chain stream {}: {e}", urls.stream))?;
        self.chain = Some(feed);
        self.indexer = indexer;
        Ok(())
    }

    /// Reads the market from the chain, checks it is the named one, starts the book feed.
    pub async fn connect(
        client: Arc<InjectiveClient>,
        market_id: &str,
        named: &MarketParams,
        poll: Duration,
    ) -> Result<Self, ExchangeError> {
        let market_ref = if named.is_perpetual() {
            MarketRef::derivative(market_id)
        } else {
            MarketRef::spot(market_id)
        };
        let meta = client.market(&market_ref).await?;
        let params = map_market(named, &meta).map_err(ExchangeError::Refused)?;
        let subaccount = client.subaccount()?.to_hex();
        let book = client.subscribe_orderbook(market_ref.clone(), BOOK_DEPTH, poll);
        Ok(Self {
            client,
            market_ref,
            meta,
            params,
            book,
            chain: None,
            indexer: true,
            ledger: Ledger::new(&subaccount, now_ms()),
            queue: VecDeque::new(),
            last_trade: None,
            trades_poll: None,
            leverage: Decimal::ONE,
            grant_check_at: std::time::Instant::now() + GRANT_RECHECK,
        })
    }

    /// Polls the indexer's trades. The live loop drops `next_event` whenever a timer fires
    /// (tokio::select!), so the request is kept and resumed by the next call instead of being
    /// restarted: a slow indexer cannot starve the fills.
    async fn poll_trades(&mut self) {
        let poll = self.trades_poll.get_or_insert_with(|| {
            let (client, market) = (Arc::clone(&self.client), self.market_ref.clone());
            Box::pin(async move { client.trades(&market, TRADES_LIMIT).await })
        });
        let result = poll.await;
        self.trades_poll = None;
        match result {
            Ok(trades) => {
                let fills = self.chain.is_none();
                self.ledger.on_trades(&trades, fills, &mut self.queue);
            }
            // Fills are not lost while the trade stays within the next polls' page.
            Err(e) => tracing::warn!(error = %e, "trade history poll failed"),
        }
    }

    /// One message of the book feed: a two-sided snapshot becomes a `Book` event, followed by
    /// the indexer's trades when there is an indexer.
    async fn on_book(&mut self, event: Option<BookEvent>) -> Result<(), ExchangeError> {
        match event {
            None => return Err(ExchangeError::Data("the order book feed stopped".into())),
            Some(BookEvent::Snapshot(book)) => {
                match (book.bids.first(), book.asks.first()) {
                    (Some(bid), Some(ask)) => {
                        let top = BookTop {
                            bid: bid.price,
                            ask: ask.price,
                        };
                        let ts_ms = now_ms();
                        self.queue
                            .push_back((MarketEvent::Book { ts_ms, top }, None));
                    }
                    // No two-sided top, no quote: the stale-data guard decides when to halt.
                    _ => tracing::warn!("one-sided order book; no book event"),
                }
                if self.indexer {
                    self.poll_trades().await;
                }
                self.recheck_grant().await?;
            }
            Some(BookEvent::Disconnected(why)) => {
                tracing::warn!(error = %why, "order book feed down; retrying");
            }
            Some(BookEvent::Reconnected) => tracing::info!("order book feed back"),
        }
        Ok(())
    }

    /// Every [`GRANT_RECHECK`], a delegated key's grant read again from the chain: gone ->
    /// [`ExchangeError::PermissionGone`] (the bot exits 21). A failed read is logged and retried
    /// at the next book snapshot; the time moves on only once a read completed.
    async fn recheck_grant(&mut self) -> Result<(), ExchangeError> {
        if std::time::Instant::now() < self.grant_check_at {
            return Ok(());
        }
        match self.client.delegation_gap(&self.market_ref).await {
            Ok(Some(gap)) => return Err(ExchangeError::PermissionGone(gap)),
            // No signer (paper on live data): nothing is granted, nothing to check.
            Ok(None) | Err(ClientError::NoSigner) => {}
            Err(e) => {
                tracing::warn!(error = %e, "reading the trading grant failed; retrying");
                return Ok(());
            }
        }
        self.grant_check_at = std::time::Instant::now() + GRANT_RECHECK;
        Ok(())
    }

    fn open_order(&mut self, o: &OpenOrder) -> Order {
        Order {
            id: self.ledger.id_for_hash(&o.order_hash),
            side: ledger::side(o.side),
            price: o.price,
            remaining: o.fillable,
        }
    }
}

impl Exchange for InjectiveExchange {
    fn market(&self) -> &MarketParams {
        &self.params
    }

    fn last_trade_id(&self) -> Option<&str> {
        self.last_trade.as_deref()
    }

    async fn next_event(&mut self) -> Result<MarketEvent, ExchangeError> {
        loop {
            if let Some((ev, trade)) = self.queue.pop_front() {
                self.last_trade = trade;
                return Ok(ev);
            }
            if self.trades_poll.is_some() {
                self.poll_trades().await;
                continue;
            }
            // Both receivers are cancel-safe: a message is only taken when it is handled.
            tokio::select! {
                biased;
                msg = chain::recv(self.chain.as_mut()) => match msg {
                    Some(ChainMsg::Event(ev)) => self.ledger.on_chain(ev, &mut self.queue),
                    Some(ChainMsg::Failed(why)) => return Err(ExchangeError::Data(why)),
                    None => return Err(ExchangeError::Data("the chain stream stopped".into())),
                },
                book = self.book.recv() => self.on_book(book).await?,
            }
        }
    }

    async fn place(&mut self, orders: &[OrderRequest]) -> Result<Vec<Placed>, ExchangeError> {
        let mut answers: Vec<Option<Placed>> = vec![None; orders.len()];
        let mut batch = Batch::default();
        let mut pending = Vec::new();
        for (i, o) in orders.iter().enumerate() {
            // The chain's own rules, checked here so one bad order cannot fail the whole batch.
            if let Err(e) = self.meta.check(o.price().get(), o.qty().get()) {
                answers[i] = Some(Placed::Rejected(e.to_string()));
                continue;
            }
            let (id, cid) = self.ledger.next();
            batch.creates.push(self.new_order(o, cid.clone()));
            pending.push((i, id, cid, o.qty().get()));
        }
        if !pending.is_empty() {
            match self.client.batch_update(&batch).await {
                Ok(out) => {
                    for (i, id, cid, qty) in pending {
                        answers[i] = Some(match out.placed.iter().find(|p| p.cid == cid) {
                            Some(p) => {
                                self.ledger.placed(id, cid, &p.order_hash, qty);
                                Placed::Accepted(id)
                            }
                            None => Placed::Rejected(rejection(&out.rejected, &cid)),
                        });
                    }
                }
                // A gone grant is no order's fault: it ends the run (exit 21), never a rejection.
                Err(e) if nothing_placed(&e) && e.grant_gone().is_none() => {
                    let reason = e.to_string();
                    for (i, ..) in pending {
                        answers[i] = Some(Placed::Rejected(reason.clone()));
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(answers
            .into_iter()
            .map(|a| a.unwrap_or_else(|| Placed::Rejected("not sent".into())))
            .collect())
    }

    async fn cancel(&mut self, ids: &[OrderId]) -> Result<Vec<OrderId>, ExchangeError> {
        let batch = Batch {
            cancels: ids
                .iter()
                .filter_map(|id| self.ledger.cid(*id))
                .map(|cid| CancelOrder {
                    market_id: self.market_ref.id.clone(),
                    cid: cid.to_owned(),
                })
                .collect(),
            ..Batch::default()
        };
        if batch.cancels.is_empty() {
            return Ok(Vec::new());
        }
        let out = self.client.batch_update(&batch).await?;
        let mut done = Vec::new();
        let mut failed = Vec::new();
        for (cid, ok) in &out.cancels {
            if let Some(id) = self.ledger.id_of_cid(cid) {
                if *ok {
                    done.push(id);
                } else {
                    failed.push(id);
                }
            }
        }
        if !failed.is_empty() {
            // A cancel fails when the order is gone already (filled, or expired): it is not
            // open, so the engine may forget it; its fills still arrive from trade history.
            let open = self.client.open_orders(&self.market_ref).await?;
            let open_ids: Vec<OrderId> = open
                .iter()
                .map(|o| self.ledger.id_for_hash(&o.order_hash))
                .collect();
            done.extend(failed.into_iter().filter(|id| !open_ids.contains(id)));
        }
        for id in &done {
            self.ledger.closed(*id);
        }
        Ok(done)
    }

    async fn cancel_all(&mut self) -> Result<Vec<OrderId>, ExchangeError> {
        // Read first, so the ids cancelled can be reported (a predecessor's orphans included);
        // the cancel-all is sent even when the read shows nothing (the read may lag).
        let open = self.client.open_orders(&self.market_ref).await?;
        let ids = self.ledger.adopt_all(&open);
        self.client
            .cancel_all(std::slice::from_ref(&self.market_ref))
            .await?;
        Ok(ids)
    }

    async fn open_orders(&mut self) -> Result<Vec<Order>, ExchangeError> {
        let open = self.client.open_orders(&self.market_ref).await?;
        Ok(open.iter().map(|o| self.open_order(o)).collect())
    }

    async fn balances(&mut self) -> Result<Balances, ExchangeError> {
        let all = self.client.balances().await?;
        let human = |denom: Option<&str>, decimals: u32| -> Result<Decimal, ExchangeError> {
            match all.iter().find(|b| Some(b.denom.as_str()) == denom) {
                Some(b) => Ok(b
                    .human(decimals)
                    .map_err(|e| ExchangeError::Data(e.to_string()))?
                    .1),
                None => Ok(Decimal::ZERO),
            }
        };
        Ok(Balances {
            // Derivative markets hold no base token: inventory is the position.
            base: human(self.meta.base_denom.as_deref(), self.params.base_decimals)?,
            quote: human(Some(&self.meta.quote_denom), self.params.quote_decimals)?,
        })
    }

    async fn position(&mut self) -> Result<Option<Position>, ExchangeError> {
        if self.meta.kind == ChainKind::Spot {
            return Ok(None);
        }
        let all = self.client.positions().await?;
        Ok(all
            .iter()
            .find(|p| p.market_id.eq_ignore_ascii_case(&self.market_ref.id))
            .filter(|p| !p.quantity.is_zero())
            .map(|p| Position {
                qty: if p.is_long { p.quantity } else { -p.quantity },
                entry_price: p.entry_price,
                margin: p.margin,
            }))
    }
}
