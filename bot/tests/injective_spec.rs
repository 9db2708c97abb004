//! The binary with an injective spec: `--dangerous-no-vault` stays paper-only, and a bad
//! injective section is refused with one line and exit 2 before anything else happens.

use std::process::{Command, Stdio};

use serde_json::{json, Value};

const MARKET_ID: &str = "0x0611780ba69656949525013d947713300f56c37b6175e02f26bffa495c3208fe";

fn refused(spec: &Value, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tradebot-bot"))
        .args(args)
        .env("TRADEBOT_BOT_SPEC", spec.to_string())
        .env_remove("TRADEBOT_WRAPPING_TOKEN")
        .stdin(Stdio::null())
        .output()
        .expect("the bot binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "no event, no order: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

fn spec(injective: &Value) -> Value {
    json!({"bot_id": "inj-1", "wallet_id": "w", "market": "INJ/USDT", "bot_type": "market_maker",
           "exchange": "injective", "injective": injective})
}

#[test]
fn no_vault_is_paper_only() {
    let s = spec(&json!({"network": "testnet", "market_id": MARKET_ID}));
    let err = refused(&s, &["run", "--dangerous-no-vault"]);
    assert!(
        err.contains("--dangerous-no-vault with a real exchange"),
        "{err}"
    );
    assert!(
        !err.contains("DANGEROUS"),
        "never runs without a key: {err}"
    );
}

#[test]
fn bad_injective_sections_exit_2_with_one_line() {
    for (section, expect) in [
        (
            json!({"network": "devnet", "market_id": MARKET_ID}),
            "unknown injective.network",
        ),
        (json!({"network": "testnet", "market_id": "INJ"}), "64 hex"),
        (
            json!({"network": "testnet", "market_id": MARKET_ID, "granter": "0x12"}),
            "granter",
        ),
        (
            json!({"network": "testnet", "market_id": MARKET_ID, "key": "00"}),
            "unknown field",
        ),
    ] {
        let err = refused(&spec(&section), &["run"]);
        assert!(err.contains(expect), "{err}");
    }
}
