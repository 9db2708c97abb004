//! The dashboard's side of secure introduction: mint a wrapped, single-purpose bot token,
//! revoke it by accessor, list wallets. The dashboard never holds a bot token or a key.

use std::time::Duration;

use secrecy::SecretString;
use serde_json::json;

use super::bot_keys::{self, BotKeyInfo};
use super::client::from_vaultrs;
use super::roles::BOT_ROLE;
use super::wallets::{self, WalletInfo};
use super::{policy, DashboardSession, VaultError};
use crate::domain::{MarketId, WalletId};

/// What a bot receives (the wrapping token) and what the dashboard keeps (the accessor of the
/// wrapped bot token, to revoke it later).
#[derive(Debug)]
pub struct IssuedToken {
    pub wrapping_token: SecretString,
    pub wrapped_accessor: String,
    pub wrap_ttl: Duration,
}

/// Who a token is for; recorded in the token's metadata (visible in Vault's audit log).
#[derive(Debug, Clone)]
pub struct TokenRequest<'a> {
    pub bot_id: &'a str,
    pub wallet: &'a WalletId,
    /// A live bot's market: the token then carries the policy of the trade-only bot key of
    /// (`wallet`, this market) (`bot-<wallet>.<slug>`), never the wallet key's.
    pub market_key: Option<&'a MarketId>,
    pub operator: &'a str,
    pub launch_id: &'a str,
}

/// Token parameters. Defaults follow DESIGN.md: wrap 60 s, token 5 min, 2 uses (read the key,
/// revoke itself).
#[derive(Debug, Clone, Copy)]
pub struct TokenLimits {
    pub wrap_ttl: Duration,
    pub ttl: Duration,
    pub num_uses: u32,
}

impl Default for TokenLimits {
    fn default() -> Self {
        Self {
            wrap_ttl: Duration::from_secs(60),
            ttl: Duration::from_secs(300),
            num_uses: 2,
        }
    }
}

/// The secrets operations the rest of the control plane uses (fakes implement it in unit tests).
/// Futures are `Send`: the lifecycle calls these from spawned tasks.
pub trait SecretsBroker: Send + Sync + 'static {
    fn issue_bot_token(
        &self,
        req: &TokenRequest<'_>,
    ) -> impl std::future::Future<Output = Result<IssuedToken, VaultError>> + Send;
    /// Idempotent: an accessor that is already gone counts as revoked.
    fn revoke(
        &self,
        accessor: &str,
    ) -> impl std::future::Future<Output = Result<(), VaultError>> + Send;
    fn list_wallets(
        &self,
    ) -> impl std::future::Future<Output = Result<Vec<WalletInfo>, VaultError>> + Send;
    /// One wallet's metadata (one Vault read), or `None` if the wallet does not exist. What a
    /// Start needs to check one wallet, without reading every other wallet's metadata.
    fn wallet(
        &self,
        id: &WalletId,
    ) -> impl std::future::Future<Output = Result<Option<WalletInfo>, VaultError>> + Send;
    /// The trade-only bot key of (`wallet`, `market`) (metadata only), or `None` if there is
    /// none: a live bot can only start on a market whose bot key exists.
    fn bot_key(
        &self,
        wallet: &WalletId,
        market: &MarketId,
    ) -> impl std::future::Future<Output = Result<Option<BotKeyInfo>, VaultError>> + Send;
    /// Every bot key of `wallet` (metadata only), for the wallets page.
    fn bot_keys(
        &self,
        wallet: &WalletId,
    ) -> impl std::future::Future<Output = Result<Vec<BotKeyInfo>, VaultError>> + Send;
}

/// The Vault implementation, over the dashboard's AppRole session.
#[derive(Debug, Clone)]
pub struct VaultBroker {
    session: DashboardSession,
    kv_mount: String,
    limits: TokenLimits,
}

impl VaultBroker {
    pub fn new(session: DashboardSession, kv_mount: &str, limits: TokenLimits) -> Self {
        Self {
            session,
            kv_mount: kv_mount.to_owned(),
            limits,
        }
    }
}

impl SecretsBroker for VaultBroker {
    #[tracing::instrument(skip_all, fields(bot_id = %req.bot_id, wallet = %req.wallet, launch_id = %req.launch_id))]
    async fn issue_bot_token(&self, req: &TokenRequest<'_>) -> Result<IssuedToken, VaultError> {
        let l = self.limits;
        // `policies` as ONE string: the dashboard's policy accepts nothing else (a list, a
        // comma, any parameter not below), so a token carries exactly one wallet's policy.
        let body = json!({
            "policies": match req.market_key {
                Some(market) => policy::bot_key_policy_name(req.wallet, market),
                None => policy::bot_policy_name(req.wallet),
            },
            "ttl": format!("{}s", l.ttl.as_secs()),
            "num_uses": l.num_uses,
            "display_name": format!("bot-{}", req.bot_id),
            "meta": {
                "bot_id": req.bot_id,
                "wallet": req.wallet.as_str(),
                "operator": req.operator,
                "launch_id": req.launch_id,
            },
        });
        // Plain HTTP, not vaultrs: its `api::wrap` hard-codes the wrap TTL and drops
        // `wrapped_accessor` (see client.rs and the test in tests/policy_matrix.rs).
        let path = format!("auth/token/create/{BOT_ROLE}");
        let response = self
            .session
            .client()
            .write_wrapped(&path, &body, l.wrap_ttl)
            .await?;
        let wrap = &response["wrap_info"];
        let (Some(token), Some(accessor)) =
            (wrap["token"].as_str(), wrap["wrapped_accessor"].as_str())
        else {
            return Err(VaultError::Unexpected {
                status: 200,
                what: "token create answered without wrap_info",
            });
        };
        tracing::info!(accessor = %accessor, "issued a wrapped bot token");
        Ok(IssuedToken {
            wrapping_token: SecretString::from(token.to_owned()),
            wrapped_accessor: accessor.to_owned(),
            wrap_ttl: l.wrap_ttl,
        })
    }

    /// Idempotent: an accessor that is already gone counts as revoked.
    async fn revoke(&self, accessor: &str) -> Result<(), VaultError> {
        let client = self.session.client();
        let r = vaultrs::token::revoke_accessor(client.api(), accessor).await;
        match r.map_err(|e| from_vaultrs(client.address(), "auth/token/revoke-accessor", e)) {
            Ok(_) => Ok(()),
            Err(VaultError::Rejected {
                status: 400,
                detail,
                ..
            }) if detail.contains("invalid accessor") => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn list_wallets(&self) -> Result<Vec<WalletInfo>, VaultError> {
        wallets::list(&self.session.client(), &self.kv_mount).await
    }

    #[tracing::instrument(skip_all, fields(wallet = %id))]
    async fn wallet(&self, id: &WalletId) -> Result<Option<WalletInfo>, VaultError> {
        wallets::info(&self.session.client(), &self.kv_mount, id).await
    }

    async fn bot_key(
        &self,
        wallet: &WalletId,
        market: &MarketId,
    ) -> Result<Option<BotKeyInfo>, VaultError> {
        bot_keys::info(&self.session.client(), &self.kv_mount, wallet, market).await
    }

    async fn bot_keys(&self, wallet: &WalletId) -> Result<Vec<BotKeyInfo>, VaultError> {
        bot_keys::list(&self.session.client(), &self.kv_mount, wallet).await
    }
}

impl VaultBroker {
    /// Whether the token behind `accessor` still exists (for checks after stop).
    pub async fn accessor_alive(&self, accessor: &str) -> Result<bool, VaultError> {
        let client = self.session.client();
        let r = vaultrs::token::lookup_accessor(client.api(), accessor).await;
        match r.map_err(|e| from_vaultrs(client.address(), "auth/token/lookup-accessor", e)) {
            Ok(_) => Ok(true),
            Err(VaultError::Rejected {
                status: 400 | 403, ..
            }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
