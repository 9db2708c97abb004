//! The registry: every bot's live state, behind one lock that is never held across an await.
//! The other layers read and change bots only through it; the rule "one active bot per
//! (wallet, market)" lives here, in [`Registry::reserve`] and [`occupant`]: two bots of one
//! wallet on two markets sign with two bot keys (one per market), so they never share an
//! account sequence; two on one market would.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use super::ending::Verdict;
use super::identity::BotIdentity;
use super::state::{BotState, BotView};
use super::venue::Venue;
use super::LifecycleError;
use crate::domain::{BotId, LaunchId};
use crate::domain::{MarketId, WalletId};

/// Fills kept per bot for its page (the bot's own log has them all).
pub const KEPT_FILLS: usize = 50;

/// The launch a bot is on: its id and the accessor of its Vault token (not a secret: it can
/// only look the token up or revoke it; `None` for a recovered bot whose launch record is gone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentLaunch {
    pub launch_id: LaunchId,
    pub accessor: Option<String>,
}

/// One bot as the dashboard tracks it.
#[derive(Debug)]
pub struct Bot {
    pub who: BotIdentity,
    /// The strategy parameters it was started with (checked at the edge).
    pub params: serde_json::Value,
    /// Where it trades beyond paper: the chain of a live wallet (or the data of a paper
    /// wallet's network). `None`: plain paper, or a recovered bot whose venue is worked out
    /// again at its next launch.
    pub venue: Option<Venue>,
    /// Whether `venue` was worked out (at begin); false for a recovered bot.
    pub venue_checked: bool,
    /// `None` until its first token is issued.
    pub launch: Option<CurrentLaunch>,
    pub state: BotState,
    pub reason: Option<String>,
    pub started_ms: i64,
    pub ready_ms: Option<i64>,
    /// Crash restarts in a row.
    pub restarts: u32,
    pub last_status: Option<serde_json::Value>,
    pub pnl: Option<String>,
    pub container_id: Option<String>,
    pub fills: VecDeque<serde_json::Value>,
    /// How its last run ended (cleared when a new run is ready).
    pub ended: Option<Verdict>,
}

impl Bot {
    /// A bot that is `starting`, with no launch yet.
    pub fn new(
        who: BotIdentity,
        params: serde_json::Value,
        venue: Option<Venue>,
        now: i64,
    ) -> Self {
        Self {
            who,
            params,
            venue,
            venue_checked: true,
            launch: None,
            state: BotState::Starting,
            reason: Some("issuing a Vault token".into()),
            started_ms: now,
            ready_ms: None,
            restarts: 0,
            last_status: None,
            pnl: None,
            container_id: None,
            fills: VecDeque::new(),
            ended: None,
        }
    }

    /// The public view (API, pages): the typed identity written out as text.
    pub fn view(&self) -> BotView {
        BotView {
            bot_id: self.who.bot_id.to_string(),
            wallet: self.who.wallet.to_string(),
            market: self.who.market.as_str().to_owned(),
            bot_type: self.who.bot_type.as_str().to_owned(),
            operator: self.who.operator.clone(),
            launch_id: self
                .launch
                .as_ref()
                .map(|l| l.launch_id.to_string())
                .unwrap_or_default(),
            state: self.state,
            reason: self.reason.clone(),
            started_ms: self.started_ms,
            ready_ms: self.ready_ms,
            restarts: self.restarts,
            last_status: self.last_status.clone(),
            pnl: self.pnl.clone(),
            container_id: self.container_id.clone(),
            ended: self.ended.clone(),
            shown_state: super::state::shown_state(self.state, self.last_status.as_ref()),
        }
    }

    /// Marks the bot failed with `reason`; it no longer holds a container (or its wallet).
    pub fn fail(&mut self, reason: &str) {
        self.state = BotState::Failed;
        self.reason = Some(reason.to_owned());
        self.container_id = None;
    }

    /// Keeps `fill`, dropping the oldest beyond [`KEPT_FILLS`].
    pub fn keep_fill(&mut self, fill: serde_json::Value) {
        if self.fills.len() == KEPT_FILLS {
            self.fills.pop_front();
        }
        self.fills.push_back(fill);
    }
}

/// Every bot, by id.
#[derive(Debug, Default)]
pub struct Registry {
    bots: Mutex<HashMap<BotId, Bot>>,
}

impl Registry {
    /// Runs `f` under the lock (keep it short; never await inside).
    pub fn with<T>(&self, f: impl FnOnce(&mut HashMap<BotId, Bot>) -> T) -> T {
        let mut bots = self.bots.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut bots)
    }

    /// Changes one bot, if it exists.
    pub fn update(&self, id: &BotId, f: impl FnOnce(&mut Bot)) {
        self.with(|bots| {
            if let Some(bot) = bots.get_mut(id) {
                f(bot);
            }
        });
    }

    /// Reads one bot, if it exists.
    pub fn read<T>(&self, id: &BotId, f: impl FnOnce(&Bot) -> T) -> Option<T> {
        self.with(|bots| bots.get(id).map(f))
    }

    /// The id of the bot named `raw` (an id from a URL or a form), if there is one.
    pub fn find(&self, raw: &str) -> Option<BotId> {
        let id = BotId::parse(raw).ok()?;
        self.with(|bots| bots.contains_key(&id)).then_some(id)
    }

    /// Every bot's view, sorted by id.
    pub fn list(&self) -> Vec<BotView> {
        let mut all: Vec<BotView> = self.with(|b| b.values().map(Bot::view).collect());
        all.sort_by(|a, b| a.bot_id.cmp(&b.bot_id));
        all
    }

    /// Ids of the bots matching `keep`, sorted.
    pub fn ids_where(&self, keep: impl Fn(&Bot) -> bool) -> Vec<BotId> {
        let mut ids: Vec<BotId> = self.with(|b| {
            b.values()
                .filter(|x| keep(x))
                .map(|x| x.who.bot_id.clone())
                .collect()
        });
        ids.sort();
        ids
    }

    /// Adds a new bot unless an active bot holds its (wallet, market), or its id is taken (a
    /// random suffix that repeats: nothing is overwritten, the start is refused).
    pub fn reserve(&self, bot: Bot) -> Result<(), LifecycleError> {
        self.with(|bots| {
            if bots.contains_key(&bot.who.bot_id) {
                return Err(LifecycleError::Conflict(format!(
                    "bot id {} is taken; start again",
                    bot.who.bot_id
                )));
            }
            if let Some(other) = occupant(bots, &bot.who.wallet, &bot.who.market, None) {
                return Err(LifecycleError::Conflict(format!(
                    "wallet {} already runs bot {} on {}: one bot per wallet and market at a time; stop it first",
                    bot.who.wallet,
                    other.who.bot_id,
                    other.who.market.as_str()
                )));
            }
            bots.insert(bot.who.bot_id.clone(), bot);
            Ok(())
        })
    }
}

/// A bot other than `except` that holds (`wallet`, `market`) (starting, running or stopping).
pub fn occupant<'a>(
    bots: &'a HashMap<BotId, Bot>,
    wallet: &WalletId,
    market: &MarketId,
    except: Option<&BotId>,
) -> Option<&'a Bot> {
    bots.values().find(|b| {
        &b.who.wallet == wallet
            && &b.who.market == market
            && b.state.is_active()
            && except != Some(&b.who.bot_id)
    })
}
