//! Ops CLI. Keys are read from stdin (no echo on a terminal), never from argv or the
//! environment, and never printed. Bad input exits non-zero with a one-line reason.

use std::io::{BufRead, IsTerminal, Read};
use std::process::ExitCode;

use base64::Engine;
use clap::{Parser, Subcommand};
use rust_decimal::Decimal;
use tradebot_injective::address::Address;
use tradebot_injective::keys::{InjectiveKey, PrivateKey};
use tradebot_injective::msgs::{self, Batch, MarketKind, MarketMeta, NewOrder, Side};
use tradebot_injective::network::Network;
use tradebot_injective::{proto, tx};
use zeroize::Zeroizing;

#[path = "tradebot-injective/delegate.rs"]
mod delegate;

#[derive(Parser)]
#[command(
    name = "tradebot-injective",
    about = "Injective keys, dry-run transactions and trade-only grants"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args)]
struct TxArgs {
    /// mainnet | testnet | custom (custom needs --lcd and --chain-id)
    #[arg(long, default_value = "testnet")]
    network: String,
    /// The network's LCD (REST) URL, e.g. a local devnet's http://127.0.0.1:10337.
    #[arg(long)]
    lcd: Option<String>,
    #[arg(long)]
    chain_id: Option<String>,
    #[arg(long)]
    account_number: Option<u64>,
    #[arg(long)]
    sequence: Option<u64>,
    #[arg(long, default_value_t = 200_000)]
    gas: u64,
    #[arg(long)]
    timeout_height: Option<u64>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Print the addresses of a private key read from stdin: hex, or with --mnemonic a BIP-39
    /// mnemonic (English, no passphrase) derived at m/44'/60'/0'/0/0.
    Address {
        #[arg(long, default_value_t = 0)]
        subaccount: u32,
        /// Read a BIP-39 mnemonic instead of a hex key.
        #[arg(long)]
        mnemonic: bool,
    },
    /// Build and sign (never broadcast) a post-only limit order; print SignDoc, bytes and hash.
    DryRun(DryRunArgs),
    /// Grant a bot key trade-only rights (BatchUpdateOrdersAuthz) on the granter's markets and
    /// a fee allowance (MsgExec only, spend limit, same expiry) in one tx. With --unsigned,
    /// prints the messages for signing elsewhere; otherwise reads the granter's key from stdin
    /// and prints the signed tx, or with --broadcast sends it and waits for its block.
    Grant(delegate::GrantArgs),
    /// Revoke a bot key's trade grant and fee allowance in one tx (same signing options).
    Revoke(delegate::Parties),
}

#[derive(clap::Args)]
struct DryRunArgs {
    #[command(flatten)]
    tx: TxArgs,
    #[arg(long)]
    market: String,
    #[arg(long, default_value = "buy")]
    side: String,
    #[arg(long)]
    price: Decimal,
    #[arg(long)]
    quantity: Decimal,
    /// Trade the granter's subaccount through authz MsgExec.
    #[arg(long)]
    granter: Option<Address>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // clap's message without its usage block, on one line.
            let text = e.to_string();
            let lines: Vec<&str> = text
                .lines()
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more"))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            eprintln!("{}", lines.join(" "));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            eprintln!("error: {reason}");
            ExitCode::FAILURE
        }
    }
}

/// A hex key on one line of stdin; on a terminal without echo.
fn read_key() -> Result<PrivateKey, String> {
    let line = read_secret_line("private key (hex): ")?;
    PrivateKey::from_hex(&line).map_err(|e| e.to_string())
}

/// A BIP-39 mnemonic on one line of stdin; on a terminal without echo.
fn read_mnemonic() -> Result<PrivateKey, String> {
    let line = read_secret_line("mnemonic (words separated by spaces): ")?;
    PrivateKey::from_mnemonic(&line).map_err(|e| e.to_string())
}

/// One line from stdin (a terminal gets `prompt` and no echo), in a buffer zeroized on drop.
fn read_secret_line(prompt: &str) -> Result<Zeroizing<String>, String> {
    if std::io::stdin().is_terminal() {
        eprint!("{prompt}");
        let line = rpassword::read_password().map_err(|_| "cannot read from the terminal")?;
        return Ok(Zeroizing::new(line));
    }
    // Room for any key line up front: a growing String would leave unwiped copies behind.
    let mut buf = Zeroizing::new(String::with_capacity(4096));
    std::io::stdin()
        .lock()
        .take(4096)
        .read_line(&mut buf)
        .map_err(|_| "cannot read stdin")?;
    Ok(buf)
}

/// The named network, its LCD and chain id overridden when given; `custom` needs both.
fn network(t: &TxArgs) -> Result<Network, String> {
    let name = t.network.as_str();
    let mut net = match name {
        "custom" => {
            let need = "--network custom needs --lcd and --chain-id";
            let (lcd, chain_id) = (
                t.lcd.as_deref().ok_or(need)?,
                t.chain_id.as_deref().ok_or(need)?,
            );
            Network::custom(chain_id, lcd, lcd)
        }
        _ => Network::named(name)
            .ok_or_else(|| format!("unknown network {name:?} (mainnet | testnet | custom)"))?,
    };
    if let Some(lcd) = &t.lcd {
        if !(lcd.starts_with("http://") || lcd.starts_with("https://")) {
            return Err(format!("--lcd must be an http(s) URL, not {lcd:?}"));
        }
        net.lcd = lcd.trim_end_matches('/').to_owned();
    }
    if let Some(id) = &t.chain_id {
        net.chain_id = id.clone();
    }
    Ok(net)
}

/// An error's message on one line (a node's log may hold newlines).
fn one_line(e: &dyn std::fmt::Display) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Offline signing needs the chain's numbers from the operator (e.g. from the LCD).
fn params(net: &Network, t: &TxArgs) -> Result<tx::TxParams, String> {
    let need = "signing offline needs --account-number, --sequence and --timeout-height";
    Ok(tx::TxParams {
        chain_id: net.chain_id.clone(),
        account_number: t.account_number.ok_or(need)?,
        sequence: t.sequence.ok_or(need)?,
        gas_limit: t.gas,
        fee_amount: tx::fee_for(t.gas, net.gas_price),
        fee_denom: net.fee_denom.clone(),
        timeout_height: t.timeout_height.ok_or(need)?,
        memo: String::new(),
        fee_granter: None,
    })
}

fn print_signed(signed: &tx::SignedTx) {
    let b64 = base64::engine::general_purpose::STANDARD;
    let out = serde_json::json!({
        "sign_doc": {
            "body_bytes": hex::encode(&signed.sign_doc.body_bytes),
            "auth_info_bytes": hex::encode(&signed.sign_doc.auth_info_bytes),
            "chain_id": signed.sign_doc.chain_id,
            "account_number": signed.sign_doc.account_number.to_string(),
        },
        "sign_doc_bytes_hex": hex::encode(&signed.sign_doc_bytes),
        "sign_doc_keccak256": hex::encode(tradebot_injective::keys::keccak256(&signed.sign_doc_bytes)),
        "signature_hex": hex::encode(signed.signature),
        "tx_bytes_base64": b64.encode(&signed.tx_bytes),
        "txhash": signed.hash,
    });
    println!("{out:#}");
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.cmd {
        Cmd::Address {
            subaccount,
            mnemonic,
        } => address(subaccount, mnemonic),
        Cmd::DryRun(args) => dry_run(args),
        Cmd::Grant(args) => delegate::grant(args),
        Cmd::Revoke(args) => delegate::revoke(&args),
    }
}

fn address(subaccount: u32, mnemonic: bool) -> Result<(), String> {
    let key = if mnemonic {
        read_mnemonic()?
    } else {
        read_key()?
    };
    let a = key.address();
    println!(
        "inj: {a}\neth: {}\nsubaccount {subaccount}: {}",
        a.to_eth_hex(),
        a.subaccount(subaccount)
    );
    Ok(())
}

/// Offline: the market is not read, so ticks are taken from the order itself. A real run reads
/// them from the chain and checks them.
fn offline_meta(market: &str, price: Decimal, quantity: Decimal) -> MarketMeta {
    MarketMeta {
        market_id: market.to_owned(),
        kind: MarketKind::Spot,
        ticker: String::new(),
        base_denom: None,
        quote_denom: String::new(),
        base_decimals: None,
        quote_decimals: 18,
        price_tick: Decimal::new(1, price.scale()),
        quantity_tick: Decimal::new(1, quantity.scale()),
        min_notional: Decimal::ZERO,
        maker_fee_rate: Decimal::ZERO,
        taker_fee_rate: Decimal::ZERO,
        initial_margin_ratio: None,
        active: true,
    }
}

fn dry_run(a: DryRunArgs) -> Result<(), String> {
    let net = network(&a.tx)?;
    let side = match a.side.as_str() {
        "buy" => Side::Buy,
        "sell" => Side::Sell,
        other => return Err(format!("side must be buy or sell, not {other:?}")),
    };
    let key = read_key()?;
    let trader = a.granter.unwrap_or_else(|| key.address());
    let meta = offline_meta(&a.market, a.price, a.quantity);
    let order = NewOrder {
        market_id: a.market,
        side,
        price: a.price,
        quantity: a.quantity,
        post_only: true,
        cid: "dry-run-1".into(),
        leverage: None,
    };
    let batch = Batch {
        creates: vec![order],
        ..Batch::default()
    };
    let msg = msgs::batch_update(trader, trader.subaccount(0), &batch, &[meta])
        .map_err(|e| e.to_string())?;
    let any = proto::to_any(&msg);
    let any = if a.granter.is_some() {
        tx::exec(key.address(), vec![any])
    } else {
        any
    };
    let signed =
        tx::build_and_sign(&key, vec![any], &params(&net, &a.tx)?).map_err(|e| e.to_string())?;
    print_signed(&signed);
    Ok(())
}
