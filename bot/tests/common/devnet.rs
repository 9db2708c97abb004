//! Test harness for a real local Injective chain: `devnet()` runs `ops/devnet up` once per test
//! binary and returns what it printed, parsed. Include it from a test crate with
//! `#[path = "<relative>/bot/tests/common/devnet.rs"] mod devnet;`.
//!
//! `ops/devnet up` is idempotent and serialised by a lock file, so concurrent test binaries share
//! one chain: the first creates it (tens of seconds), the others wait and get the same lines.
//! The chain outlives the tests (stop it with `ops/devnet down`). Tests that share it must not
//! assume an empty order book or untouched balances: use fresh accounts (`fund`) or fresh
//! client order ids where that matters.
//!
//! Environment passed through to `ops/devnet`: `DEVNET_STATE_DIR`, `DEVNET_*_PORT`, ...
// Helpers outside #[test] fns are not covered by clippy.toml's allow-expect-in-tests.
#![allow(clippy::expect_used, dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// One funded account of the devnet. The private key stays in its file (64 hex chars, 0600).
#[derive(Debug, Clone)]
pub struct Account {
    /// bech32 `inj1...` address.
    pub address: String,
    /// Path of the file holding the hex private key.
    pub key_file: PathBuf,
}

impl Account {
    /// The hex private key (no `0x`, no newline). Tests hand it to the code under test only.
    pub fn key_hex(&self) -> String {
        std::fs::read_to_string(&self.key_file)
            .expect("read the devnet key file")
            .trim()
            .to_owned()
    }
}

/// What `ops/devnet up` printed: endpoints are `http://127.0.0.1:PORT` URLs without a
/// trailing slash; market ids are `0x` + 64 hex chars.
#[derive(Debug, Clone)]
pub struct Devnet {
    pub chain_id: String,
    /// LCD / REST (cosmos and injective queries, tx broadcast).
    pub lcd: String,
    /// App gRPC (queries).
    pub grpc: String,
    /// Chain stream gRPC (`injective.stream.v2.Stream/StreamV2`).
    pub stream: String,
    /// CometBFT RPC and websocket.
    pub rpc: String,
    pub denom_inj: String,
    pub denom_usdt: String,
    pub denom_tia: String,
    pub market_inj_usdt: String,
    pub market_tia_usdt: String,
    pub market_inj_usdt_perp: String,
    /// Genesis validator: faucet, market creator, price-feed relayer, exchange admin.
    pub validator: Account,
    /// The wallet the bot trades.
    pub trader: Account,
    /// Crosses the bot's quotes in tests.
    pub taker: Account,
    pub spares: Vec<Account>,
}

/// The running devnet, brought up on first use in this test binary. Panics with the script's
/// error when it cannot come up.
pub fn devnet() -> &'static Devnet {
    static DEVNET: OnceLock<Devnet> = OnceLock::new();
    DEVNET.get_or_init(|| {
        let out = ops_devnet(&["up"]);
        Devnet::parse(&out).unwrap_or_else(|e| panic!("ops/devnet up printed {out:?}: {e}"))
    })
}

impl Devnet {
    /// Sends test funds from the validator and waits for the tx (`AMOUNTS` as coins, e.g.
    /// `5000000peggy0x...,1000000000000000000inj`; `None` = the script's default).
    pub fn fund(&self, address: &str, amounts: Option<&str>) {
        let mut args = vec!["fund", address];
        args.extend(amounts);
        ops_devnet(&args);
    }

    /// Relays a price-feed price (`ticker` as `inj/usdt`), waiting for the tx.
    pub fn price(&self, ticker: &str, price: &str) {
        ops_devnet(&["price", ticker, price]);
    }

    /// Parses the `KEY=value` lines of `ops/devnet up`; every key below must be present.
    pub fn parse(text: &str) -> Result<Self, String> {
        let kv: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
        let get = |k: &str| {
            kv.get(k)
                .map(|v| (*v).to_owned())
                .ok_or_else(|| format!("no {k}"))
        };
        let account = |name: &str| -> Result<Account, String> {
            Ok(Account {
                address: get(&format!("DEVNET_{name}_ADDRESS"))?,
                key_file: get(&format!("DEVNET_{name}_KEY_FILE"))?.into(),
            })
        };
        Ok(Self {
            chain_id: get("DEVNET_CHAIN_ID")?,
            lcd: get("DEVNET_LCD")?,
            grpc: get("DEVNET_GRPC")?,
            stream: get("DEVNET_STREAM")?,
            rpc: get("DEVNET_RPC")?,
            denom_inj: get("DEVNET_DENOM_INJ")?,
            denom_usdt: get("DEVNET_DENOM_USDT")?,
            denom_tia: get("DEVNET_DENOM_TIA")?,
            market_inj_usdt: get("DEVNET_MARKET_INJ_USDT")?,
            market_tia_usdt: get("DEVNET_MARKET_TIA_USDT")?,
            market_inj_usdt_perp: get("DEVNET_MARKET_INJ_USDT_PERP")?,
            validator: account("VALIDATOR")?,
            trader: account("TRADER")?,
            taker: account("TAKER")?,
            spares: ["SPARE1", "SPARE2", "SPARE3"]
                .iter()
                .map(|n| account(n))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// Runs `ops/devnet ARGS` from the repository root; its stdout on success, else a panic with
/// its one-line reason.
fn ops_devnet(args: &[&str]) -> String {
    let root = repo_root();
    let out = Command::new(root.join("ops/devnet"))
        .args(args)
        .current_dir(&root)
        .output()
        .expect("run ops/devnet");
    assert!(
        out.status.success(),
        "ops/devnet {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("ops/devnet prints UTF-8")
}

/// The first ancestor of this crate's manifest dir that holds `ops/devnet`.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|d| d.join("ops/devnet").is_file())
        .expect("ops/devnet above CARGO_MANIFEST_DIR")
        .to_path_buf()
}
