//! Starting a bot: [`BotManager::begin`] checks the wallet and reserves it (every refusal is
//! known before anything is issued or created); [`BotManager::launch`] issues the token,
//! records the launch, creates the container from the plan and waits for `ready`. Nothing is
//! left half-started: any failure after the token was issued revokes it and removes the
//! container before the error is returned.

use futures_util::StreamExt;
use secrecy::SecretString;

use super::error::{runtime_failure, vault_reason};
use super::events::{parse_line, BotEvent};
use super::identity::BotIdentity;
use super::manager::{BotManager, Counters};
use super::plan::LaunchPlan;
use super::registry::{Bot, CurrentLaunch};
use super::request::StartRequest;
use super::state::{now_ms, BotState, BotView};
use super::teardown::{exit_code_text, Outcome};
use super::venue::Venue;
use super::LifecycleError;
use crate::domain::WalletId;
use crate::domain::{BotId, LaunchId};
use crate::runtime::{ContainerRuntime, LineStream};
use crate::store::Launch;
use crate::vault::wallets::WalletInfo;
use crate::vault::{IssuedToken, SecretsBroker, TokenRequest};

/// What one launch did, for the caller to record (audit) without asking again.
#[derive(Debug)]
pub struct LaunchReport {
    pub bot_id: BotId,
    /// Set once a token was issued, also when the launch failed after that (the token is
    /// then revoked).
    pub launch_id: Option<LaunchId>,
    /// The accessor of that token (not a secret; for the audit log).
    pub accessor: Option<String>,
    /// The bot, running and ready; or why it is not (the bot is then `failed`).
    pub result: Result<BotView, LifecycleError>,
}

impl<R: ContainerRuntime, B: SecretsBroker> BotManager<R, B> {
    /// Starts a bot and waits for its `ready` event.
    pub async fn start(
        &self,
        req: StartRequest,
        operator: &str,
    ) -> Result<BotView, LifecycleError> {
        let bot_id = self.begin(req, operator).await?;
        self.launch(&bot_id).await.result
    }

    /// The synchronous half of a start: checks the wallet in Vault, and for a wallet on a
    /// network the market, bot key, grant and order sizes on its chain ([`Self::venue_for`]),
    /// then reserves (wallet, market), so every refusal is known before anything is issued or
    /// created. Returns the new bot's id in state
    /// `starting`; [`BotManager::launch`] does the rest (the dashboard runs it in the background
    /// and shows its progress).
    #[tracing::instrument(skip_all, fields(wallet = %req.wallet, market = %req.market.as_str()))]
    pub async fn begin(&self, req: StartRequest, operator: &str) -> Result<BotId, LifecycleError> {
        let wallet = self.wallet_info(&req.wallet).await?;
        if !wallet
            .allowed_markets
            .iter()
            .any(|m| m == req.market.as_str())
        {
            return Err(LifecycleError::Invalid(format!(
                "wallet {} may not trade {} (allowed: {})",
                req.wallet,
                req.market.as_str(),
                wallet.allowed_markets.join(", ")
            )));
        }
        let venue = self
            .venue_for(&wallet, &req.market, &req.params, req.bot_type.as_str())
            .await?;
        let who = BotIdentity {
            bot_id: BotId::for_wallet(&req.wallet, rand::random()),
            wallet: req.wallet,
            market: req.market,
            bot_type: req.bot_type,
            operator: operator.to_owned(),
        };
        let bot_id = who.bot_id.clone();
        let bot = Bot::new(who, req.params, venue, now_ms());
        self.refuse_beyond_capacity()?;
        self.refuse_without_room().await?;
        self.registry().reserve(bot)?;
        Ok(bot_id)
    }

    /// One wallet's metadata from Vault, in one read (never key material).
    async fn wallet_info(&self, wallet: &WalletId) -> Result<WalletInfo, LifecycleError> {
        self.inner
            .broker
            .wallet(wallet)
            .await
            .map_err(|e| LifecycleError::Vault(vault_reason(&e)))?
            .ok_or_else(|| {
                LifecycleError::NotFound(format!("wallet {wallet} does not exist in Vault"))
            })
    }

    /// Issues a token, creates and starts the container, waits for `ready`. On any failure the
    /// token is revoked, the container removed and the bot marked failed with the reason.
    pub async fn launch(&self, bot_id: &BotId) -> LaunchReport {
        Counters::bump(&self.inner.counters.starts);
        let mut issued = None;
        let result = self.launch_steps(bot_id, &mut issued).await;
        if result.is_err() {
            Counters::bump(&self.inner.counters.start_failures);
        }
        let (launch_id, accessor) = issued.map(|l| (l.launch_id, l.accessor)).unzip();
        let accessor = accessor.flatten();
        LaunchReport {
            bot_id: bot_id.clone(),
            launch_id,
            accessor,
            result,
        }
    }

    /// The steps of a launch, each undoing what came before it when it fails. `issued` is set
    /// as soon as there is a token.
    async fn launch_steps(
        &self,
        bot_id: &BotId,
        issued: &mut Option<CurrentLaunch>,
    ) -> Result<BotView, LifecycleError> {
        let (who, params, venue, checked) = self
            .registry()
            .read(bot_id, |b| {
                (
                    b.who.clone(),
                    b.params.clone(),
                    b.venue.clone(),
                    b.venue_checked,
                )
            })
            .ok_or_else(|| LifecycleError::NotFound(format!("no bot {bot_id}")))?;
        let venue = match checked {
            true => venue,
            false => self.venue_again(&who, &params).await?,
        };
        let launch_id = LaunchId::from_random(rand::random());
        let token = self.issue_token(&who, &launch_id, venue.as_ref()).await?;
        let accessor = token.wrapped_accessor.clone();
        let current = CurrentLaunch {
            launch_id,
            accessor: Some(accessor.clone()),
        };
        *issued = Some(current.clone());
        self.registry().update(bot_id, |b| {
            b.launch = Some(current.clone());
            b.reason = Some("creating the container".into());
            b.started_ms = now_ms();
            b.ready_ms = None;
            // The last known status (position, PnL) stays until the new run reports.
        });
        self.record_launch(bot_id, &current.launch_id, &accessor)
            .await?;
        let plan = LaunchPlan::new(
            &who,
            &current.launch_id,
            &params,
            venue.as_ref(),
            &self.inner.cfg,
        );
        let container = self
            .create_container(bot_id, plan, token.wrapping_token, &accessor)
            .await?;
        self.await_ready(bot_id, current.launch_id, &container)
            .await
    }

    /// The venue of a bot that has none recorded (recovered after a dashboard restart): the
    /// wallet is read again and a chain's checks run again; a refusal fails the bot, before any
    /// token.
    async fn venue_again(
        &self,
        who: &BotIdentity,
        params: &serde_json::Value,
    ) -> Result<Option<Venue>, LifecycleError> {
        let checked = match self.wallet_info(&who.wallet).await {
            Ok(w) => {
                self.venue_for(&w, &who.market, params, who.bot_type.as_str())
                    .await
            }
            Err(e) => Err(e),
        };
        match checked {
            Ok(venue) => {
                self.registry().update(&who.bot_id, |b| {
                    b.venue.clone_from(&venue);
                    b.venue_checked = true;
                });
                Ok(venue)
            }
            Err(e) => {
                self.fail(&who.bot_id, &e.to_string());
                Err(e)
            }
        }
    }

    /// A wrapped, single-use token for this launch (for a live bot: the token that reads the
    /// bot key of its market); the bot is failed when Vault says no.
    async fn issue_token(
        &self,
        who: &BotIdentity,
        launch_id: &LaunchId,
        venue: Option<&Venue>,
    ) -> Result<IssuedToken, LifecycleError> {
        let live = venue.is_some_and(|v| v.live);
        let request = TokenRequest {
            bot_id: who.bot_id.as_str(),
            wallet: &who.wallet,
            market_key: live.then_some(&who.market),
            operator: &who.operator,
            launch_id: launch_id.as_str(),
        };
        match self.inner.broker.issue_bot_token(&request).await {
            Ok(token) => {
                Counters::bump(&self.inner.counters.token_issues);
                Ok(token)
            }
            Err(e) => {
                let class = vault_reason(&e);
                self.fail(
                    &who.bot_id,
                    &format!("Vault could not issue a token: {class}"),
                );
                Err(LifecycleError::Vault(class))
            }
        }
    }

    /// Records the launch in the store (recovery reads it back) and its container's start in
    /// the audit log, both before the container exists: a dashboard killed between the two
    /// steps leaves no container without its audited start. Revokes on failure.
    async fn record_launch(
        &self,
        bot_id: &BotId,
        launch_id: &LaunchId,
        accessor: &str,
    ) -> Result<(), LifecycleError> {
        let Some(launch) = self.registry().read(bot_id, |b| Launch {
            launch_id: launch_id.to_string(),
            bot_id: bot_id.to_string(),
            wallet: b.who.wallet.to_string(),
            market: b.who.market.as_str().to_owned(),
            bot_type: b.who.bot_type.as_str().to_owned(),
            params: b.params.to_string(),
            operator: b.who.operator.clone(),
            accessor: accessor.to_owned(),
            created_ms: now_ms(),
        }) else {
            self.revoke(accessor).await;
            return Err(LifecycleError::NotFound(format!("no bot {bot_id}")));
        };
        let recorded = match self.inner.store.record_launch(&launch).await {
            Ok(()) => super::trail::container_start(&self.inner.store, &launch).await,
            Err(e) => Err(e),
        };
        if let Err(e) = recorded {
            tracing::error!(error = %e, "cannot record the launch");
            self.revoke(accessor).await;
            if crate::store::is_full(&e) {
                self.fail(bot_id, super::admission::DATA_VOLUME_FULL);
                return Err(LifecycleError::Unavailable(
                    super::admission::DATA_VOLUME_FULL.into(),
                ));
            }
            let reason = "the dashboard database is unavailable";
            self.fail(bot_id, reason);
            return Err(LifecycleError::StartFailed(reason.into()));
        }
        Ok(())
    }

    /// Creates and starts the planned container with the bot's token; returns its id.
    async fn create_container(
        &self,
        bot_id: &BotId,
        plan: LaunchPlan,
        token: SecretString,
        accessor: &str,
    ) -> Result<String, LifecycleError> {
        let rt = &self.inner.runtime;
        // A leftover container of an earlier launch of this bot would block the name.
        let _ = rt.remove(&plan.name, true).await;
        match rt.create_and_start(plan.into_container(token)).await {
            Ok(id) => {
                let ours = self.registry().with(|bots| {
                    let b = bots.get_mut(bot_id)?;
                    (b.state == BotState::Starting).then(|| {
                        b.container_id = Some(id.clone());
                        b.reason =
                            Some("waiting for the bot to load its key and report ready".into());
                    })
                });
                if ours.is_none() {
                    // Stopped before its container existed: nobody else will remove it.
                    let _ = rt.remove(&id, true).await;
                    self.revoke(accessor).await;
                    return Err(LifecycleError::Conflict(format!(
                        "bot {bot_id} was stopped while it was starting"
                    )));
                }
                Ok(id)
            }
            Err(e) => {
                self.revoke(accessor).await;
                let reason = format!("the container could not start: {e}");
                self.fail(bot_id, &reason);
                Err(runtime_failure(e, reason, LifecycleError::StartFailed))
            }
        }
    }

    /// Waits for `ready` within the configured time; on success the bot is running and
    /// watched, otherwise its run is ended and the bot failed with the reason. A bot stopped
    /// meanwhile stays with whoever stopped it: its state is not overwritten.
    async fn await_ready(
        &self,
        bot_id: &BotId,
        launch_id: LaunchId,
        container: &str,
    ) -> Result<BotView, LifecycleError> {
        let timeout = self.inner.cfg.ready_timeout;
        let mut lines = self.inner.runtime.follow_stdout(container, true);
        let waited = tokio::time::timeout(timeout, wait_ready(&mut lines)).await;
        let ours = |b: &Bot| {
            b.state == BotState::Starting
                && b.launch.as_ref().map(|l| &l.launch_id) == Some(&launch_id)
        };
        let still_ours = self.registry().with(|bots| {
            let b = bots.get_mut(bot_id)?;
            if !ours(b) {
                return Some(false);
            }
            if matches!(waited, Ok(Ok(()))) {
                b.state = BotState::Running;
                b.reason = None;
                b.ready_ms = Some(now_ms());
                b.ended = None;
            }
            Some(true)
        });
        if still_ours != Some(true) {
            return Err(LifecycleError::Conflict(format!(
                "bot {bot_id} was stopped while it was starting"
            )));
        }
        let reason = match waited {
            Ok(Ok(())) => {
                self.spawn_watcher(bot_id.clone(), launch_id, container.to_owned(), lines);
                tracing::info!(%bot_id, "bot ready");
                return self
                    .registry()
                    .read(bot_id, Bot::view)
                    .ok_or_else(|| LifecycleError::NotFound(format!("no bot {bot_id}")));
            }
            Ok(Err(last_error)) => {
                let why = last_error.unwrap_or_else(|| "no reason given".into());
                self.end_run(bot_id, container, Outcome::Failed, |code| {
                    let code = exit_code_text(code);
                    format!("the bot exited during start-up (exit code {code}): {why}")
                })
                .await
            }
            Err(_) => {
                let _ = self.inner.runtime.stop(container, 2).await;
                let secs = timeout.as_secs();
                self.end_run(bot_id, container, Outcome::Failed, |_| {
                    format!("the bot did not report ready within {secs} s")
                })
                .await
            }
        };
        self.fail(bot_id, &reason);
        Err(LifecycleError::StartFailed(reason))
    }
}

/// Reads stdout until `ready` (Ok) or the end of the stream (Err with the last error event).
async fn wait_ready(lines: &mut LineStream) -> Result<(), Option<String>> {
    let mut last_error = None;
    while let Some(line) = lines.next().await {
        let Ok(line) = line else { break };
        match parse_line(&line) {
            Some(BotEvent::Ready) => return Ok(()),
            Some(BotEvent::Error { message, .. }) => last_error = Some(message),
            _ => {}
        }
    }
    Err(last_error)
}
