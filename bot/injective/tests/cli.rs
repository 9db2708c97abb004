//! The ops CLI: keys only on stdin, never echoed; bad input is a one-line error and exit 1.
// Helpers outside #[test] fns are not covered by clippy.toml's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use prost::Message;

const KEY: &str = "e6888cb164d52e4880e08a8a5dbe69cd62f67fde3d5906f2c5c951be553b2267";

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tradebot-injective"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A refusal may come before the CLI reads stdin: a broken pipe is then its answer.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn address_from_stdin() {
    let out = run(&["address"], &format!("{KEY}\n"));
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("inj1ycc302kea06htx5zw2kj4eyk3hgj63sz206fq0"),
        "{stdout}"
    );
    assert!(!stdout.contains(KEY) && !text(&out.stderr).contains(KEY));
}

#[test]
fn bad_key_is_one_line_and_not_echoed() {
    let bad = "e6888cb164d52e4880e08a8a5dbe69cd62f67fde3d5906f2c5c951be553b22zz";
    let out = run(&["address"], bad);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("e6888cb1"));
}

/// BIP-39's first test phrase; m/44'/60'/0'/0/0 gives 0x9858EfFD232B4033E47d90003D41EC34EcaEda94
/// (injective-ts PrivateKey.spec.ts, in tests/fixtures/vectors.json).
const ABANDON: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

#[test]
fn address_from_a_mnemonic_on_stdin() {
    let out = run(&["address", "--mnemonic"], &format!("{ABANDON}\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("inj1npvwllfr9dqr8erajqqr6s0vxnk2ak55re90dz"),
        "{stdout}"
    );
    assert!(
        stdout.contains("0x9858effd232b4033e47d90003d41ec34ecaeda94"),
        "{stdout}"
    );
    assert!(!stdout.contains("abandon") && !text(&out.stderr).contains("abandon"));
}

#[test]
fn bad_mnemonics_are_one_line_and_not_echoed() {
    let words: Vec<&str> = ABANDON.split(' ').collect();
    let mut typo = words.clone();
    typo[3] = "abandom";
    for (bad, reason) in [
        (words[..11].join(" "), "has 11"),
        (typo.join(" "), "word 4"),
        (["abandon"; 12].join(" "), "checksum"),
    ] {
        let out = run(&["address", "--mnemonic"], &bad);
        assert_eq!(out.status.code(), Some(1), "{bad}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(reason), "{stderr}");
        assert!(
            !stderr.contains("abando") && out.stdout.is_empty(),
            "{stderr}"
        );
    }
    // A hex key is not taken for a mnemonic, nor a mnemonic for a hex key.
    assert_eq!(run(&["address", "--mnemonic"], KEY).status.code(), Some(1));
    assert_eq!(run(&["address"], ABANDON).status.code(), Some(1));
}

#[test]
fn a_mnemonic_is_never_taken_from_argv() {
    let out = run(&["address", "--mnemonic", ABANDON], "");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn dry_run_prints_sign_doc_and_hash() {
    let args = [
        "dry-run",
        "--network",
        "testnet",
        "--account-number",
        "7",
        "--sequence",
        "3",
        "--timeout-height",
        "100",
        "--market",
        "0x0611780ba69656949525013d947713300f56c37b6175e02f26bffa495c3208fe",
        "--price",
        "21.5",
        "--quantity",
        "0.5",
        "--granter",
        "inj14au322k9munkmx5wrchz9q30juf5wjgz2cfqku",
    ];
    let out = run(&args, KEY);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sign_doc"]["chain_id"], "injective-888");
    assert_eq!(v["txhash"].as_str().unwrap().len(), 64);
    assert!(!text(&out.stdout).contains(KEY));
}

#[test]
fn grant_unsigned_and_signed() {
    let unsigned = run(
        &[
            "grant",
            "--unsigned",
            "--granter",
            "inj14au322k9munkmx5wrchz9q30juf5wjgz2cfqku",
            "--grantee",
            "inj1ycc302kea06htx5zw2kj4eyk3hgj63sz206fq0",
            "--spot-market",
            "0xabc",
        ],
        "",
    );
    assert!(unsigned.status.success(), "{}", text(&unsigned.stderr));
    let v: serde_json::Value = serde_json::from_slice(&unsigned.stdout).unwrap();
    assert_eq!(v["summary"]["spot_markets"][0], "0xabc");
    // The trade grant and the fee allowance in one tx body.
    assert_eq!(
        v["messages"][0]["type_url"],
        "/cosmos.authz.v1beta1.MsgGrant"
    );
    assert_eq!(
        v["messages"][1]["type_url"],
        "/cosmos.feegrant.v1beta1.MsgGrantAllowance"
    );
    assert_eq!(v["summary"]["fee_spend_limit"][0], "1000000000000000000inj");
    let body = hex::decode(v["tx_body_bytes_hex"].as_str().unwrap()).unwrap();
    let body = cosmos_sdk_proto::cosmos::tx::v1beta1::TxBody::decode(body.as_slice()).unwrap();
    assert_eq!(body.messages.len(), 2);

    let granter_key = "5d386fbdbf11f1141010f81a46b40f94887367562bd33b452bbaa6ce1cd1381e";
    let signed = run(
        &[
            "grant",
            "--grantee",
            "inj1ycc302kea06htx5zw2kj4eyk3hgj63sz206fq0",
            "--spot-market",
            "0xabc",
            "--network",
            "testnet",
            "--account-number",
            "1",
            "--sequence",
            "0",
            "--timeout-height",
            "100",
        ],
        granter_key,
    );
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    assert!(!text(&signed.stdout).contains(granter_key));

    let no_markets = run(
        &[
            "grant",
            "--unsigned",
            "--granter",
            "inj14au322k9munkmx5wrchz9q30juf5wjgz2cfqku",
            "--grantee",
            "inj1ycc302kea06htx5zw2kj4eyk3hgj63sz206fq0",
        ],
        "",
    );
    assert_eq!(no_markets.status.code(), Some(1));
}

const GRANTER: &str = "inj14au322k9munkmx5wrchz9q30juf5wjgz2cfqku";
const GRANTEE: &str = "inj1ycc302kea06htx5zw2kj4eyk3hgj63sz206fq0";

/// Every refusal is one line on stderr, a non-zero exit and nothing on stdout.
fn refused(args: &[&str], stdin: &str, reason: &str) {
    let out = run(args, stdin);
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.contains(reason), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}");
    assert!(!stderr.contains(KEY));
}

#[test]
fn grant_and_revoke_refuse_bad_input_with_one_line() {
    // KEY is GRANTEE's key: here it signs as the granter.
    let base = ["grant", "--grantee", GRANTER, "--spot-market", "0xabc"];
    let with = |extra: &[&'static str]| -> Vec<&str> {
        base.iter().copied().chain(extra.iter().copied()).collect()
    };
    refused(
        &with(&[
            "--unsigned",
            "--granter",
            GRANTER,
            "--fee-spend-limit",
            "0inj",
        ]),
        "",
        "spend limit",
    );
    refused(
        &with(&[
            "--unsigned",
            "--granter",
            GRANTER,
            "--fee-spend-limit",
            "lots",
        ]),
        "",
        "spend limit",
    );
    refused(
        &with(&["--unsigned", "--broadcast", "--granter", GRANTEE]),
        "",
        "--broadcast",
    );
    refused(
        &with(&["--broadcast", "--sequence", "3"]),
        KEY,
        "from the chain",
    );
    refused(
        &with(&["--broadcast", "--network", "custom"]),
        KEY,
        "--lcd and --chain-id",
    );
    refused(
        &with(&["--broadcast", "--network", "devnet"]),
        KEY,
        "unknown network",
    );
    refused(
        &with(&["--broadcast", "--lcd", "127.0.0.1:1"]),
        KEY,
        "http(s) URL",
    );
    refused(&with(&["--unsigned"]), "", "--unsigned needs --granter");
    refused(
        &with(&["--granter", GRANTER, "--broadcast"]),
        KEY,
        "does not match",
    );
    // Nothing listens there: a transport error, still one line.
    refused(
        &with(&[
            "--broadcast",
            "--network",
            "custom",
            "--lcd",
            "http://127.0.0.1:9",
            "--chain-id",
            "x",
        ]),
        KEY,
        "request to",
    );
    refused(&["grant", "--grantee", "inj1nope"], "", "grantee");
    refused(&["revoke", "--unsigned"], "", "--grantee");
}

#[test]
fn revoke_unsigned_lists_both_revocations() {
    let out = run(
        &[
            "revoke",
            "--unsigned",
            "--granter",
            GRANTER,
            "--grantee",
            GRANTEE,
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["messages"][0]["type_url"],
        "/cosmos.authz.v1beta1.MsgRevoke"
    );
    assert_eq!(
        v["messages"][1]["type_url"],
        "/cosmos.feegrant.v1beta1.MsgRevokeAllowance"
    );
    assert_eq!(v["summary"]["granter"], GRANTER);
}
