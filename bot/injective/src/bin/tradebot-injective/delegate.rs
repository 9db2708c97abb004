//! `grant` and `revoke`: the trade-only authz grant and the fee allowance that pays the bot
//! key's fees, created (or ended) together in one transaction signed by the granter. The tx is
//! printed unsigned (for an offline signer), printed signed (offline numbers from the
//! operator), or with `--broadcast` sent to the network's LCD (account number and sequence read
//! from the chain, gas simulated) and waited for until a block holds it.

use cosmos_sdk_proto::Any;
use tradebot_injective::address::Address;
use tradebot_injective::authz::{self, GrantSpec};
use tradebot_injective::client::{ClientConfig, InjectiveClient, Signer};
use tradebot_injective::feegrant;
use tradebot_injective::keys::{InjectiveKey, PrivateKey};
use tradebot_injective::tx;

use super::{network, one_line, params, print_signed, read_key, TxArgs};

/// 1 INJ (10^18 inj): at the node's minimum gas price, some 30,000 batch updates.
const DEFAULT_FEE_SPEND_LIMIT: &str = "1000000000000000000inj";

#[derive(clap::Args)]
pub struct Parties {
    /// The bot key's address.
    #[arg(long)]
    grantee: Address,
    /// Required with --unsigned (otherwise derived from the key on stdin).
    #[arg(long)]
    granter: Option<Address>,
    /// Print the messages for an offline signer instead of reading the granter's key.
    #[arg(long)]
    unsigned: bool,
    /// Send the signed tx to the network's LCD and wait until a block holds it.
    #[arg(long)]
    broadcast: bool,
    #[command(flatten)]
    tx: TxArgs,
}

#[derive(clap::Args)]
pub struct GrantArgs {
    #[command(flatten)]
    parties: Parties,
    #[arg(long = "spot-market")]
    spot_markets: Vec<String>,
    #[arg(long = "derivative-market")]
    derivative_markets: Vec<String>,
    /// Expiry of both the trade grant and the fee allowance.
    #[arg(long, default_value_t = 30)]
    expires_in_days: u32,
    #[arg(long, default_value_t = 0)]
    subaccount: u32,
    /// Most the bot key may spend on fees (coins, e.g. 1000000000000000000inj).
    #[arg(long, default_value = DEFAULT_FEE_SPEND_LIMIT)]
    fee_spend_limit: String,
}

/// The granter's key (unless unsigned) and the granter's address, checked against each other.
fn granter(p: &Parties) -> Result<(Option<PrivateKey>, Address), String> {
    if p.unsigned && p.broadcast {
        return Err("--broadcast needs the granter's key on stdin, not --unsigned".into());
    }
    if p.broadcast && (p.tx.account_number.is_some() || p.tx.sequence.is_some()) {
        return Err("--broadcast reads the account number and sequence from the chain".into());
    }
    let key = if p.unsigned { None } else { Some(read_key()?) };
    let granter = match (&key, p.granter) {
        (Some(k), Some(g)) if k.address() != g => {
            return Err("--granter does not match the key on stdin".into())
        }
        (Some(k), _) => k.address(),
        (None, Some(g)) => g,
        (None, None) => return Err("--unsigned needs --granter".into()),
    };
    Ok((key, granter))
}

pub fn grant(a: GrantArgs) -> Result<(), String> {
    let limit = feegrant::parse_coins(&a.fee_spend_limit).map_err(|e| e.to_string())?;
    let (key, granter) = granter(&a.parties)?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let spec = GrantSpec {
        granter,
        grantee: a.parties.grantee,
        subaccount: granter.subaccount(a.subaccount),
        spot_markets: a.spot_markets,
        derivative_markets: a.derivative_markets,
        expires_at: now + i64::from(a.expires_in_days) * 86_400,
    };
    let msgs = authz::delegation_msgs(&spec, limit.clone()).map_err(|e| e.to_string())?;
    let summary = authz::delegation_summary(&spec, &limit);
    finish(key, &a.parties, msgs, &summary)
}

pub fn revoke(p: &Parties) -> Result<(), String> {
    let (key, granter) = granter(p)?;
    let msgs = authz::revocation_msgs(granter, p.grantee);
    let summary = authz::revocation_summary(granter, p.grantee);
    finish(key, p, msgs, &summary)
}

/// Prints unsigned, prints signed, or broadcasts and waits.
fn finish(
    key: Option<PrivateKey>,
    p: &Parties,
    msgs: Vec<Any>,
    summary: &serde_json::Value,
) -> Result<(), String> {
    let Some(key) = key else {
        print_unsigned(msgs, summary);
        return Ok(());
    };
    let net = network(&p.tx)?;
    if !p.broadcast {
        let signed =
            tx::build_and_sign(&key, msgs, &params(&net, &p.tx)?).map_err(|e| e.to_string())?;
        print_signed(&signed);
        return Ok(());
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let client = InjectiveClient::new(net, ClientConfig::default(), Some(Signer::direct(key)))
        .map_err(|e| one_line(&e))?;
    let resp = rt.block_on(client.submit(msgs)).map_err(|e| one_line(&e))?;
    let out = serde_json::json!({
        "txhash": resp.txhash,
        "height": resp.height,
        "gas_used": resp.gas_used,
        "summary": summary,
    });
    println!("{out:#}");
    Ok(())
}

/// The messages and the TxBody bytes an offline signer needs, with what they say.
fn print_unsigned(msgs: Vec<Any>, summary: &serde_json::Value) {
    println!("{:#}", tx::unsigned_json(msgs, summary));
}
