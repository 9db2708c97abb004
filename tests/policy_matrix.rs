//! Executes every cell of policies/matrix.toml against a real OpenBao: each identity gets a
//! real token (AppRole login, a real wrapped-then-unwrapped bot token, policy tokens minted by
//! root), each request is really sent, and the outcome is compared with the cell.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness helpers live outside #[test] fns

mod common;

use std::collections::BTreeMap;

use common::{Bao, ROOT_TOKEN};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{json, Value};
use tradebot::domain::WalletId;
use tradebot::vault::wallets::{self, WalletMeta};
use tradebot::vault::{
    bootstrap, connect_dashboard, BootstrapOptions, SecretsBroker, TokenLimits, TokenRequest,
    VaultBroker, VaultClient,
};

#[derive(Debug, Deserialize)]
struct Matrix {
    cell: Vec<Cell>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cell {
    identity: String,
    op: String,
    path: String,
    body: Option<String>,
    wrap_ttl: Option<String>,
    #[serde(default)]
    burn_uses: u32,
    expect: String,
    why: String,
}

/// What the matrix promises about each identity, checked before anything runs, so that a cell
/// cannot silently disappear from the file.
/// (identity, op, path, wrapped, burn_uses, expect)
const REQUIRED: &[(&str, &str, &str, bool, u32, &str)] = &[
    ("dashboard", "read", "wallets/data/alpha", false, 0, "deny"),
    (
        "dashboard",
        "write",
        "auth/token/create/bot",
        false,
        0,
        "deny",
    ),
    ("bot-alpha", "read", "wallets/data/beta", false, 0, "deny"),
    ("bot-alpha", "list", "wallets/metadata", false, 0, "deny"),
    ("bot-alpha", "write", "auth/token/create", false, 0, "deny"),
    ("bot-alpha", "read", "wallets/data/alpha", false, 2, "deny"),
    (
        "key-admin",
        "write",
        "auth/token/create/bot",
        true,
        0,
        "deny",
    ),
];

struct Identities {
    http: reqwest::Client,
    address: String,
    dashboard: SecretString,
    key_admin: SecretString,
    auditor: SecretString,
    broker: VaultBroker,
}

impl Identities {
    async fn token_for(&self, identity: &str) -> SecretString {
        match identity {
            "dashboard" => self.dashboard.clone(),
            "key-admin" => self.key_admin.clone(),
            "auditor" => self.auditor.clone(),
            "bot-alpha" => self.fresh_bot_token("alpha").await,
            other => panic!("matrix names an unknown identity {other:?}"),
        }
    }

    /// The real path: the dashboard mints a wrapped token through role bot; we unwrap it as the
    /// bot would.
    async fn fresh_bot_token(&self, wallet: &str) -> SecretString {
        let wallet = WalletId::parse(wallet).unwrap();
        let issued = self
            .broker
            .issue_bot_token(&TokenRequest {
                bot_id: "matrix",
                wallet: &wallet,
                operator: "matrix",
                launch_id: "matrix",
            })
            .await
            .unwrap();
        let (status, body) = self
            .send(
                issued.wrapping_token.expose_secret(),
                "write",
                "sys/wrapping/unwrap",
                None,
                None,
            )
            .await;
        assert_eq!(status, 200, "unwrap failed: {body}");
        SecretString::from(body["auth"]["client_token"].as_str().unwrap().to_owned())
    }

    async fn send(
        &self,
        token: &str,
        op: &str,
        path: &str,
        body: Option<&str>,
        wrap_ttl: Option<&str>,
    ) -> (u16, Value) {
        let url = format!("{}/v1/{path}", self.address);
        let method = match op {
            "read" => reqwest::Method::GET,
            "list" => reqwest::Method::from_bytes(b"LIST").unwrap(),
            "write" => reqwest::Method::POST,
            "delete" => reqwest::Method::DELETE,
            other => panic!("matrix names an unknown op {other:?}"),
        };
        let mut req = self
            .http
            .request(method, url)
            .header("X-Vault-Token", token);
        if let Some(ttl) = wrap_ttl {
            req = req.header("X-Vault-Wrap-TTL", ttl);
        }
        if let Some(body) = body {
            let parsed: Value = serde_json::from_str(body).expect("cell body is JSON");
            req = req.json(&parsed);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let body = resp.json::<Value>().await.unwrap_or(Value::Null);
        (status, body)
    }
}

async fn policy_token(root: &VaultClient, policy: &str) -> SecretString {
    let created = root
        .write(
            "auth/token/create",
            &json!({ "policies": [policy], "ttl": "10m" }),
        )
        .await
        .unwrap()
        .unwrap();
    SecretString::from(created["auth"]["client_token"].as_str().unwrap().to_owned())
}

fn outcome(status: u16) -> &'static str {
    match status {
        200..=299 => "allow",
        403 => "deny",
        400 => "refuse",
        _ => "other",
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_cell_of_the_policy_matrix_holds_against_real_openbao() {
    let matrix: Matrix = toml::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/policies/matrix.toml"))
            .unwrap(),
    )
    .unwrap();
    totp_cells_present(&matrix);
    for &(identity, op, path, wrapped, burn, expect) in REQUIRED {
        assert!(
            matrix.cell.iter().any(|c| c.identity == identity
                && c.op == op
                && c.path == path
                && c.wrap_ttl.is_some() == wrapped
                && c.burn_uses == burn
                && c.expect == expect),
            "the matrix lost a required cell: {identity} {op} {path} -> {expect}"
        );
    }

    let bao = Bao::start();
    let settings = bao.settings();
    let root = VaultClient::new(
        &bao.address,
        None,
        Some(SecretString::from(ROOT_TOKEN.to_owned())),
    )
    .unwrap();
    // Two wallets, then bootstrap (which writes a bot policy per existing wallet).
    let approle = tempfile::tempdir().unwrap();
    let opts = BootstrapOptions {
        approle_dir: Some(approle.path().to_owned()),
        demo_wallet: Some(WalletId::parse("alpha").unwrap()),
        ..BootstrapOptions::default()
    };
    bootstrap(&settings, &opts).await.unwrap();
    let meta = WalletMeta {
        label: "second".into(),
        allowed_markets: vec!["INJ/USDT".into()],
    };
    wallets::generate(
        &root,
        &settings.vault.kv_mount,
        &WalletId::parse("beta").unwrap(),
        &meta,
    )
    .await
    .unwrap();
    bootstrap(&settings, &opts).await.unwrap();

    let mut dash = settings.vault.clone();
    dash.role_id_file = Some(approle.path().join("role_id"));
    dash.secret_id_file = Some(approle.path().join("secret_id"));
    let session = connect_dashboard(&dash).await.unwrap();
    let http = reqwest::Client::new();
    // A second AppRole login, by hand, to hold the dashboard's token as a plain request header.
    let login: Value = http
        .post(format!("{}/v1/auth/approle/login", bao.address))
        .json(&json!({
            "role_id": std::fs::read_to_string(approle.path().join("role_id")).unwrap().trim(),
            "secret_id": std::fs::read_to_string(approle.path().join("secret_id")).unwrap().trim(),
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let dashboard = SecretString::from(login["auth"]["client_token"].as_str().unwrap().to_owned());
    // One wallet's metadata, read alone (what a Start checks), and a wallet that does not exist.
    let beta = WalletId::parse("beta").unwrap();
    let broker = VaultBroker::new(
        session.clone(),
        &settings.vault.kv_mount,
        TokenLimits::default(),
    );
    let info = broker.wallet(&beta).await.unwrap().expect("beta exists");
    assert_eq!((info.id.as_str(), info.label.as_str()), ("beta", "second"));
    assert_eq!(info.allowed_markets, ["INJ/USDT"]);
    assert_eq!(info.current_version, 1);
    let ghost = WalletId::parse("ghost").unwrap();
    assert!(broker.wallet(&ghost).await.unwrap().is_none());
    vaultrs_unwrap_drops_the_auth_block(&broker, &bao.address).await;
    vaultrs_wrap_hard_codes_its_ttl(&bao.address).await;
    vaultrs_token_role_has_no_policy_glob(&bao.address).await;
    totp_seed_never_comes_back(&root, &session).await;
    let ids = Identities {
        http,
        address: bao.address.clone(),
        dashboard,
        key_admin: policy_token(&root, "tradebot-key-admin").await,
        auditor: policy_token(&root, "tradebot-auditor").await,
        broker: VaultBroker::new(session, &settings.vault.kv_mount, TokenLimits::default()),
    };

    let mut failures = Vec::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for cell in &matrix.cell {
        let token = ids.token_for(&cell.identity).await;
        for _ in 0..cell.burn_uses {
            ids.send(
                token.expose_secret(),
                "read",
                "wallets/data/alpha",
                None,
                None,
            )
            .await;
        }
        let (status, body) = ids
            .send(
                token.expose_secret(),
                &cell.op,
                &cell.path,
                cell.body.as_deref(),
                cell.wrap_ttl.as_deref(),
            )
            .await;
        *counts.entry(outcome(status)).or_default() += 1;
        if outcome(status) != cell.expect {
            failures.push(format!(
                "{} {} {} (wrap {:?}): expected {}, got {status} {} -- {}",
                cell.identity,
                cell.op,
                cell.path,
                cell.wrap_ttl,
                cell.expect,
                body["errors"],
                cell.why
            ));
        }
    }
    eprintln!(
        "policy matrix: {} cells, outcomes {counts:?}",
        matrix.cell.len()
    );
    assert!(
        failures.is_empty(),
        "policy matrix violations:\n{}",
        failures.join("\n")
    );
}

/// The second factor's cells (issue 15) that must stay in the matrix.
fn totp_cells_present(matrix: &Matrix) {
    for (identity, op, path, expect) in [
        ("dashboard", "write", "totp/code/tradebot-user-mx", "allow"),
        ("dashboard", "read", "totp/keys/tradebot-user-mx", "deny"),
        ("dashboard", "write", "totp/keys/other", "deny"),
        ("bot-alpha", "write", "totp/code/tradebot-user-mx", "deny"),
        ("bot-alpha", "read", "totp/keys/tradebot-user-mx", "deny"),
    ] {
        assert!(
            matrix.cell.iter().any(|c| c.identity == identity
                && c.op == op
                && c.path == path
                && c.expect == expect),
            "the matrix lost a second-factor cell: {identity} {op} {path} -> {expect}"
        );
    }
}

/// Through the dashboard's own session (`VaultTotp`): a key's otpauth URL comes back once, a
/// code computed from it validates, the same code a second time does not (Vault refuses
/// replays), and even root reading the key gets no seed. After delete, no code validates.
async fn totp_seed_never_comes_back(
    root: &VaultClient,
    session: &tradebot::vault::DashboardSession,
) {
    use tradebot::auth::second_factor::TotpVault;
    let totp = tradebot::vault::VaultTotp::new(session.clone());
    let url = totp.create("matrix-user").await.unwrap();
    let url = url.expose_secret();
    assert!(
        url.starts_with("otpauth://totp/tradebot:matrix-user?"),
        "{url}"
    );
    let code = totp_rs::Totp::from_url(url)
        .unwrap()
        .generate_current()
        .to_string();
    assert!(
        totp.validate("matrix-user", &code).await.unwrap(),
        "a computed code validates"
    );
    assert!(
        !totp.validate("matrix-user", &code).await.unwrap(),
        "a code works once"
    );
    let seed = url
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let read = root
        .read("totp/keys/tradebot-user-matrix-user")
        .await
        .unwrap()
        .unwrap();
    let printed = read.to_string();
    assert!(
        read["data"].get("key").is_none() && read["data"].get("url").is_none(),
        "{printed}"
    );
    assert!(
        !printed.contains(seed),
        "root reads no seed back: {printed}"
    );
    totp.delete("matrix-user").await.unwrap();
    totp.delete("matrix-user").await.unwrap();
    assert!(
        !totp.validate("matrix-user", &code).await.unwrap(),
        "no key, no code"
    );
}

fn vaultrs_client(address: &str, token: &str) -> vaultrs::client::VaultClient {
    let settings = vaultrs::client::VaultClientSettingsBuilder::default()
        .address(address)
        .token(token)
        .ca_certs(Vec::new())
        .identity(None)
        .build()
        .unwrap();
    vaultrs::client::VaultClient::new(settings).unwrap()
}

/// Why the bot's unwrap is a plain HTTP call: vaultrs' `sys::wrapping::unwrap` keeps only the
/// `data` of the answer, and a wrapped token-create answer carries the token in `auth`. The
/// token never reaches the caller, and the wrapping token is spent all the same.
async fn vaultrs_unwrap_drops_the_auth_block(broker: &VaultBroker, address: &str) {
    let wallet = WalletId::parse("alpha").unwrap();
    let issued = broker
        .issue_bot_token(&TokenRequest {
            bot_id: "vaultrs-fault",
            wallet: &wallet,
            operator: "matrix",
            launch_id: "vaultrs-fault",
        })
        .await
        .unwrap();
    let client = vaultrs_client(address, issued.wrapping_token.expose_secret());
    let answer = vaultrs::sys::wrapping::unwrap::<Value>(&client, None).await;
    let shown = format!("{answer:?}");
    assert!(
        !shown.contains("client_token") && !shown.contains("accessor"),
        "vaultrs' unwrap now keeps the auth block; the plain-HTTP exception can go: {shown}"
    );
    let http = reqwest::Client::new();
    let again = http
        .post(format!("{address}/v1/sys/wrapping/unwrap"))
        .header("X-Vault-Token", issued.wrapping_token.expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status().as_u16(),
        400,
        "the wrapping token was not spent"
    );
}

/// Why the wrapped token-create is a plain HTTP call: vaultrs' `api::wrap` asks for a fixed
/// 10-minute wrap TTL whatever the caller wants (we use 60 s), and its `WrapInfo` has no
/// `wrapped_accessor` field, so the accessor the dashboard revokes by would be lost.
async fn vaultrs_wrap_hard_codes_its_ttl(address: &str) {
    let client = vaultrs_client(address, ROOT_TOKEN);
    let request = vaultrs::api::token::requests::CreateTokenRequest::builder()
        .policies(vec!["default".to_owned()])
        .ttl("1m")
        .build()
        .unwrap();
    let wrapped = vaultrs::api::wrap(&client, request).await.unwrap();
    assert_eq!(
        wrapped.info.ttl, 600,
        "vaultrs' wrap TTL is no longer fixed at 10 minutes; the plain-HTTP exception can go"
    );
}

/// Why the token role `bot` is written with plain HTTP: vaultrs' `SetTokenRoleRequest` has no
/// `allowed_policies_glob`, and `allowed_policies` takes `bot-*` literally, so a role written
/// through vaultrs refuses the per-wallet policy `bot-<wallet>`; its `ReadTokenRoleResponse`
/// has neither the glob nor `token_bound_cidrs`, so bootstrap could not check the role either.
async fn vaultrs_token_role_has_no_policy_glob(address: &str) {
    let client = vaultrs_client(address, ROOT_TOKEN);
    let mut role = vaultrs::api::token::requests::SetTokenRoleRequest::builder();
    role.allowed_policies(vec!["bot-*".to_owned()]).orphan(true);
    vaultrs::token::role::set(&client, "vaultrs-glob", Some(&mut role))
        .await
        .unwrap();
    let mut token = vaultrs::api::token::requests::CreateRoleTokenRequest::builder();
    token.policies(vec!["bot-alpha".to_owned()]);
    let minted = vaultrs::token::new_role(&client, "vaultrs-glob", Some(&mut token)).await;
    match minted {
        Err(vaultrs::error::ClientError::APIError { code: 400, errors }) => assert!(
            errors.iter().any(|e| e.contains("allowed policies")),
            "refused for another reason: {errors:?}"
        ),
        other => panic!(
            "a vaultrs-written role now accepts bot-<wallet>; the plain-HTTP exception can go: {}",
            other.is_ok()
        ),
    }
    let ours = vaultrs::token::role::read(&client, "bot").await.unwrap();
    let shown = serde_json::to_value(&ours).unwrap();
    assert!(
        shown.get("allowed_policies_glob").is_none() && shown.get("token_bound_cidrs").is_none(),
        "vaultrs now reads the glob and bound CIDRs of a token role: {shown}"
    );
}
