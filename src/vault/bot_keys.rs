//! Trade-only bot keys: one per (wallet, market) of a live wallet, at
//! `<mount>/data/<wallet>/bots/<market slug>` (the contract's `bot_key_path`), so two bots of
//! one wallet never share a signer (and its account sequence). The key is the grantee of the
//! wallet's authz grant (batch updates on that market only) and fee allowance; what the chain
//! granted is recorded in the entry's KV *custom metadata*, which the dashboard may read (it
//! never reads the key). The keys CLI (`tradebot keys grant`) writes the key here
//! ([`write_key`]), broadcasts the grant, then records what the chain granted
//! ([`record_grant`]); until then the key is *pending*: [`info`] does not show it.

use std::collections::HashMap;

use vaultrs::api::kv2::requests::SetSecretMetadataRequest;
use vaultrs::api::kv2::responses::ReadSecretMetadataResponse;

use super::client::{found, from_vaultrs, VaultClient};
use super::VaultError;
use crate::domain::{MarketId, WalletId};
use tradebot_contract::key::PrivateKey;
use tradebot_contract::spec::bot_key_path;

/// What anyone may know about a bot key. Never key material.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BotKeyInfo {
    pub wallet: WalletId,
    pub market: MarketId,
    /// The bot key's Injective account (`inj1...`): the grantee.
    pub address: String,
    /// The wallet's Injective account (`inj1...`): the granter whose funds the bot trades.
    pub granter: String,
    /// The market's on-chain id (`0x` + 64 hex) the grant is limited to.
    pub market_id: String,
    /// The network the grant was broadcast to (the wallet's).
    pub network: String,
    /// When the trade grant and fee allowance end, RFC 3339 UTC, as recorded at grant time
    /// (the chain is the truth: a revoked grant is gone before this).
    pub grant_expiry: String,
    /// The fee allowance's spend limit as granted (coins, e.g. `1000000000000000000inj`).
    pub fee_spend_limit: String,
    pub current_version: u64,
}

/// What the chain granted a bot key, recorded in its custom metadata after the grant's block
/// (the fields of [`BotKeyInfo`] of the same names and units).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    pub address: String,
    pub granter: String,
    pub market_id: String,
    pub network: String,
    pub grant_expiry: String,
    pub fee_spend_limit: String,
}

/// A bot key entry as it is: its current version, and its metadata if a grant was ever
/// recorded (the recorded `address` may be an older version's while a rotation is pending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotKeyState {
    pub current_version: u64,
    pub recorded: Option<BotKeyInfo>,
    /// When `keys revoke-grant` ended the recorded grant (RFC 3339), if it did.
    pub revoked_at: Option<String>,
}

/// One bot key's metadata, or None if (wallet, market) has no bot key or none whose grant was
/// recorded.
pub async fn info(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
    market: &MarketId,
) -> Result<Option<BotKeyInfo>, VaultError> {
    Ok(state(vault, mount, wallet, market)
        .await?
        .and_then(|s| s.recorded))
}

/// The bot key entry of (wallet, market), or None if it has no version.
pub async fn state(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
    market: &MarketId,
) -> Result<Option<BotKeyState>, VaultError> {
    let path = bot_key_path(wallet, market);
    let r = vaultrs::kv2::read_metadata(vault.api(), mount, &path).await;
    let meta = found(vault.address(), &format!("{mount}/metadata"), r)?;
    Ok(meta.filter(|m| m.current_version > 0).map(|m| {
        let current_version = m.current_version;
        let revoked_at = m
            .custom_metadata
            .as_ref()
            .and_then(|c| c.get("revoked_at").cloned());
        let info = from_metadata(wallet, market, m);
        BotKeyState {
            current_version,
            recorded: (!info.address.is_empty()).then_some(info),
            revoked_at,
        }
    }))
}

/// Writes `key` as the bot key of (wallet, market), check-and-set `cas` (0 = first key).
/// Returns the new version. Metadata is left as it was: [`record_grant`] follows the grant.
///
/// Errors: a CAS mismatch (someone else wrote a version) or any refusal, as [`VaultError`].
pub async fn write_key(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
    market: &MarketId,
    key: &PrivateKey,
    cas: u64,
) -> Result<u64, VaultError> {
    super::key_data::write(vault, mount, &bot_key_path(wallet, market), key, cas).await
}

/// The current bot key of (wallet, market) (key admins only), or None.
pub async fn read_key(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
    market: &MarketId,
) -> Result<Option<PrivateKey>, VaultError> {
    super::key_data::read(vault, mount, &bot_key_path(wallet, market), None).await
}

/// Records what the chain granted as the entry's custom metadata (replacing what was there).
///
/// Errors: Vault refusals; an empty field (Vault refuses empty custom-metadata values).
pub async fn record_grant(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
    market: &MarketId,
    record: &GrantRecord,
) -> Result<(), VaultError> {
    write_custom(vault, mount, wallet, market, record, None).await
}

/// Records that the grant of `record` was revoked at `at` (RFC 3339): `grant_expiry` becomes
/// `at` (the grant ended then) and `revoked_at` is added, so readers see an ended grant.
pub async fn record_revoked(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
    market: &MarketId,
    record: &GrantRecord,
    at: &str,
) -> Result<(), VaultError> {
    let ended = GrantRecord {
        grant_expiry: at.to_owned(),
        ..record.clone()
    };
    write_custom(vault, mount, wallet, market, &ended, Some(at)).await
}

async fn write_custom(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
    market: &MarketId,
    record: &GrantRecord,
    revoked_at: Option<&str>,
) -> Result<(), VaultError> {
    let mut custom: HashMap<String, String> = [
        ("address", &record.address),
        ("granter", &record.granter),
        ("market_id", &record.market_id),
        ("network", &record.network),
        ("grant_expiry", &record.grant_expiry),
        ("fee_spend_limit", &record.fee_spend_limit),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.clone()))
    .collect();
    if let Some(at) = revoked_at {
        custom.insert("revoked_at".to_owned(), at.to_owned());
    }
    if let Some((k, _)) = custom.iter().find(|(_, v)| v.is_empty()) {
        return Err(VaultError::Config(format!("bot key metadata {k} is empty")));
    }
    let path = bot_key_path(wallet, market);
    vaultrs::kv2::set_metadata(
        vault.api(),
        mount,
        &path,
        Some(SetSecretMetadataRequest::builder().custom_metadata(custom)),
    )
    .await
    .map_err(|e| from_vaultrs(vault.address(), &format!("{mount}/metadata"), e))
}

/// Every bot key of `wallet` whose grant was recorded, in market order (entries whose name is
/// no market slug are skipped).
pub async fn list(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
) -> Result<Vec<BotKeyInfo>, VaultError> {
    let dir = format!("{wallet}/bots");
    let names = found(
        vault.address(),
        &format!("{mount}/metadata"),
        vaultrs::kv2::list(vault.api(), mount, &dir).await,
    )?
    .unwrap_or_default();
    let mut out = Vec::new();
    for name in names {
        let Some(market) = market_of_slug(&name) else {
            continue;
        };
        if let Some(key) = info(vault, mount, wallet, &market).await? {
            out.push(key);
        }
    }
    out.sort_by(|a, b| a.market.cmp(&b.market));
    Ok(out)
}

/// The market a slug names (`inj-usdt-perp` -> `INJ/USDT-PERP`), if it is one.
pub fn market_of_slug(slug: &str) -> Option<MarketId> {
    let upper = slug.to_ascii_uppercase();
    let (base, rest) = upper.split_once('-')?;
    let market = MarketId::parse(&format!("{base}/{rest}")).ok()?;
    (market.slug() == slug).then_some(market)
}

fn from_metadata(
    wallet: &WalletId,
    market: &MarketId,
    m: ReadSecretMetadataResponse,
) -> BotKeyInfo {
    let custom = m.custom_metadata.unwrap_or_default();
    let text = |k: &str| custom.get(k).cloned().unwrap_or_default();
    BotKeyInfo {
        wallet: wallet.clone(),
        market: market.clone(),
        address: text("address"),
        granter: text("granter"),
        market_id: text("market_id"),
        network: text("network"),
        grant_expiry: text("grant_expiry"),
        fee_spend_limit: text("fee_spend_limit"),
        current_version: m.current_version,
    }
}

impl From<&BotKeyInfo> for GrantRecord {
    fn from(i: &BotKeyInfo) -> Self {
        GrantRecord {
            address: i.address.clone(),
            granter: i.granter.clone(),
            market_id: i.market_id.clone(),
            network: i.network.clone(),
            grant_expiry: i.grant_expiry.clone(),
            fee_spend_limit: i.fee_spend_limit.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_name_their_market_back() {
        for m in ["INJ/USDT", "TIA/USDT", "INJ/USDT-PERP", "B2/Q9"] {
            let market = MarketId::parse(m).unwrap();
            assert_eq!(market_of_slug(&market.slug()), Some(market));
        }
        for junk in [
            "",
            "inj",
            "inj-",
            "-usdt",
            "INJ-USDT",
            "inj_usdt",
            "inj-usdt-perp-x",
        ] {
            assert_eq!(market_of_slug(junk), None, "{junk}");
        }
    }
}
