//! `keys grant` and `keys revoke-grant`: the trade-only bot key of one (live wallet, market).
//!
//! `grant` checks everything it can before writing anything (wallet live, network known, market
//! allowed and listed on that chain, the wallet's key at hand), then generates the bot key into
//! Vault (`<wallet>/bots/<slug>`, check-and-set; `--rotate` writes a new version), builds the
//! authz grant (batch updates on that ONE market, the wallet's subaccount 0) and the fee
//! allowance (MsgExec only, spend limit, same expiry) as one transaction, signs it with the
//! wallet's key (read from Vault, or stdin) and broadcasts it, or prints it unsigned; after the
//! block it records the grant in the bot key's metadata. A bot key written but not yet granted
//! (a failed broadcast, an offline signer) is *pending*: running `grant` again grants that same
//! key, or only records the grant if the chain already holds it.

use std::time::Instant;

use anyhow::{bail, Context};
use time::format_description::well_known::Rfc3339;
use tradebot_injective::address::Address;
use tradebot_injective::authz::{self, GrantSpec};
use tradebot_injective::client::{InjectiveClient, Signer};
use tradebot_injective::feegrant;
use tradebot_injective::keys::{InjectiveKey, PrivateKey};
use tradebot_injective::msgs::MarketKind;
use tradebot_injective::tx;

use super::{chain, ensure_bot_access, wallet, Ctx};
use crate::domain::{MarketId, WalletId};
use crate::vault::bot_keys::{self, GrantRecord};
use crate::vault::wallets::{self, WalletInfo};

/// 1 INJ (10^18 inj): at the node's minimum gas price, some 30,000 batch updates.
const DEFAULT_FEE_SPEND_LIMIT: &str = "1000000000000000000inj";

#[derive(Debug, clap::Args)]
pub struct GrantArgs {
    #[arg(long)]
    wallet: WalletId,
    /// The market, as the wallet's allowed markets name it (INJ/USDT, INJ/USDT-PERP).
    #[arg(long)]
    market: MarketId,
    /// Days until the trade grant and the fee allowance end.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=365))]
    expires_in_days: u32,
    /// Most the bot key may spend on fees over the grant's life (coins, e.g. 1000000000000000000inj).
    #[arg(long, default_value = DEFAULT_FEE_SPEND_LIMIT)]
    fee_spend_limit: String,
    /// Write a new bot key version and grant its address (the old grant stays until it
    /// expires or is revoked: restart the bot, then revoke the old address).
    #[arg(long)]
    rotate: bool,
    #[command(flatten)]
    signer: SignerArgs,
}

/// Who signs: the wallet's key from Vault (default), from stdin, or nobody (print unsigned).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SignerArgs {
    /// Read the wallet's key (hex) from stdin instead of from Vault.
    #[arg(long, conflicts_with = "unsigned")]
    granter_key_stdin: bool,
    /// Print the transaction unsigned for an offline signer; broadcast nothing.
    #[arg(long)]
    unsigned: bool,
}

pub(super) async fn grant(ctx: &Ctx<'_>, a: GrantArgs) -> anyhow::Result<()> {
    let w = live_wallet(ctx, &a.wallet).await?;
    if !w
        .info
        .allowed_markets
        .iter()
        .any(|m| m == a.market.as_str())
    {
        bail!(
            "market {} is not among wallet {}'s allowed markets ({})",
            a.market,
            a.wallet,
            w.info.allowed_markets.join(",")
        );
    }
    let limit = feegrant::parse_coins(&a.fee_spend_limit)?;
    let key = granter_key(ctx, &w, &a.signer).await?;
    let client = chain::client(w.net.clone(), key.map(Signer::direct))?;
    let market_id = chain::market_id(&client, &a.market).await?;
    let (bot, version) = bot_key(ctx, &a.wallet, &a.market, a.rotate).await?;
    let grantee = bot.address();
    let mut record = GrantRecord {
        address: grantee.to_bech32(),
        granter: w.granter.to_bech32(),
        market_id: market_id.clone(),
        network: w.net.name.clone(),
        grant_expiry: String::new(),
        fee_spend_limit: a.fee_spend_limit.clone(),
    };
    if let Some(held) = chain::trade_grant(&client, w.granter, grantee, &market_id).await? {
        record.grant_expiry = held.expiration.unwrap_or_default();
        return finish_grant(ctx, &a, version, &record, "already on chain").await;
    }
    let expires_at =
        time::OffsetDateTime::now_utc().unix_timestamp() + i64::from(a.expires_in_days) * 86_400;
    let spec = GrantSpec {
        granter: w.granter,
        grantee,
        subaccount: w.granter.subaccount(0),
        spot_markets: only(&a.market, MarketKind::Spot, &market_id),
        derivative_markets: only(&a.market, MarketKind::Derivative, &market_id),
        expires_at,
    };
    let msgs = authz::delegation_msgs(&spec, limit.clone())?;
    let summary = authz::delegation_summary(&spec, &limit);
    if a.signer.unsigned {
        println!("{:#}", tx::unsigned_json(msgs, &summary));
        eprintln!("bot key version {version} ({grantee}) is pending: after the signed tx is in a block, run this `keys grant` again (without --unsigned, --rotate) to record it");
        return Ok(());
    }
    let how = submit(&client, msgs).await?;
    record.grant_expiry = rfc3339(expires_at)?;
    finish_grant(ctx, &a, version, &record, &how).await
}

/// Records the grant, writes the bot policy where this token may, and says what happened.
async fn finish_grant(
    ctx: &Ctx<'_>,
    a: &GrantArgs,
    version: u64,
    record: &GrantRecord,
    how: &str,
) -> anyhow::Result<()> {
    bot_keys::record_grant(&ctx.vault, ctx.mount, &a.wallet, &a.market, record).await?;
    ensure_bot_access(ctx, &a.wallet).await?;
    println!(
        "wallet {} market {}: bot key version {version} {} granted {} ({how}), expires {}, fee limit {}",
        a.wallet, a.market, record.address, record.market_id, record.grant_expiry, record.fee_spend_limit
    );
    Ok(())
}

pub(super) async fn revoke(
    ctx: &Ctx<'_>,
    wallet_id: &WalletId,
    market: &MarketId,
    older: Option<&str>,
    signer: &SignerArgs,
) -> anyhow::Result<()> {
    let w = live_wallet(ctx, wallet_id).await?;
    let info = bot_keys::info(&ctx.vault, ctx.mount, wallet_id, market)
        .await?
        .with_context(|| format!("wallet {wallet_id} has no granted bot key for {market}"))?;
    let grantee = chain::address(older.unwrap_or(&info.address))?;
    if older.is_some() && grantee.to_bech32() == info.address {
        bail!("{grantee} is the current bot key of {wallet_id} {market}: revoke without --grantee");
    }
    let key = granter_key(ctx, &w, signer).await?;
    let msgs = authz::revocation_msgs(w.granter, grantee);
    if signer.unsigned {
        let summary = authz::revocation_summary(w.granter, grantee);
        println!("{:#}", tx::unsigned_json(msgs, &summary));
        return Ok(());
    }
    let client = chain::client(w.net.clone(), key.map(Signer::direct))?;
    let how = submit(&client, msgs).await?;
    if older.is_none() {
        let at = rfc3339(time::OffsetDateTime::now_utc().unix_timestamp())?;
        let record = GrantRecord::from(&info);
        bot_keys::record_revoked(&ctx.vault, ctx.mount, wallet_id, market, &record, &at).await?;
    }
    println!(
        "wallet {wallet_id} market {market}: grant and fee allowance of {grantee} revoked ({how})"
    );
    Ok(())
}

/// A live wallet with its network and its address as the granter.
struct LiveWallet {
    info: WalletInfo,
    net: tradebot_injective::network::Network,
    granter: Address,
}

async fn live_wallet(ctx: &Ctx<'_>, id: &WalletId) -> anyhow::Result<LiveWallet> {
    let info = wallets::info(&ctx.vault, ctx.mount, id)
        .await?
        .with_context(|| format!("wallet {id} does not exist"))?;
    let net = chain::live_network(ctx.settings, &info)?;
    let granter = chain::address(&info.address)?;
    Ok(LiveWallet { info, net, granter })
}

/// The wallet's key (None with --unsigned), checked to be the wallet's address.
async fn granter_key(
    ctx: &Ctx<'_>,
    w: &LiveWallet,
    signer: &SignerArgs,
) -> anyhow::Result<Option<PrivateKey>> {
    if signer.unsigned {
        return Ok(None);
    }
    let id = &w.info.id;
    let key = if signer.granter_key_stdin {
        wallet::read_key_from_stdin(false)?
    } else {
        wallets::read_key(&ctx.vault, ctx.mount, id, None)
            .await?
            .with_context(|| format!("wallet {id} has no key in Vault"))?
    };
    if key.address() != w.granter {
        bail!(
            "the key given is not wallet {id}'s (its address is {})",
            w.granter
        );
    }
    Ok(Some(key))
}

/// The bot key to grant, and its version: a new key (first grant, or --rotate of a granted
/// one), or the pending one (written, never granted, or revoked).
async fn bot_key(
    ctx: &Ctx<'_>,
    wallet: &WalletId,
    market: &MarketId,
    rotate: bool,
) -> anyhow::Result<(PrivateKey, u64)> {
    let (vault, mount) = (&ctx.vault, ctx.mount);
    let Some(state) = bot_keys::state(vault, mount, wallet, market).await? else {
        let key = PrivateKey::generate();
        let version = bot_keys::write_key(vault, mount, wallet, market, &key, 0).await?;
        return Ok((key, version));
    };
    let current = bot_keys::read_key(vault, mount, wallet, market)
        .await?
        .with_context(|| format!("the current bot key of {wallet} {market} was deleted: undelete or destroy it first"))?;
    let granted = state.revoked_at.is_none()
        && state
            .recorded
            .as_ref()
            .is_some_and(|r| r.address == current.address().to_bech32());
    match (granted, rotate) {
        (false, _) => Ok((current, state.current_version)),
        (true, false) => {
            let r = state
                .recorded
                .unwrap_or_else(|| unreachable!("granted implies recorded"));
            bail!("wallet {wallet} already has a granted bot key for {market} ({}, expires {}): use --rotate for a new key", r.address, r.grant_expiry)
        }
        (true, true) => {
            let key = PrivateKey::generate();
            let version =
                bot_keys::write_key(vault, mount, wallet, market, &key, state.current_version)
                    .await?;
            Ok((key, version))
        }
    }
}

/// Broadcasts and waits for the block; says where it landed and how long it took.
async fn submit(
    client: &InjectiveClient,
    msgs: Vec<tradebot_injective::proto::Any>,
) -> anyhow::Result<String> {
    let started = Instant::now();
    let resp = client
        .submit(msgs)
        .await
        .map_err(|e| anyhow::anyhow!("the transaction failed: {e}"))?;
    Ok(format!(
        "tx {} at height {}, {} ms",
        resp.txhash,
        resp.height,
        started.elapsed().as_millis()
    ))
}

/// `[id]` when the market is of `kind`, else nothing.
fn only(market: &MarketId, kind: MarketKind, id: &str) -> Vec<String> {
    if chain::kind(market) == kind {
        vec![id.to_owned()]
    } else {
        Vec::new()
    }
}

fn rfc3339(unix: i64) -> anyhow::Result<String> {
    Ok(time::OffsetDateTime::from_unix_timestamp(unix)?.format(&Rfc3339)?)
}
