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
use tradebot::domain::{MarketId, WalletId};
use tradebot::vault::bot_keys::{self, GrantRecord};
use tradebot::vault::wallets::{self, WalletMeta, WalletMode};
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
    /// Where the request comes from (see [`source`]); by default the identity's own place.
    from: Option<String>,
    /// For bot identities: the body the dashboard mints the token with (instead of the broker's).
    mint: Option<String>,
    /// For bot identities: the minted token's TTL must be at most this many seconds.
    ttl_at_most: Option<u64>,
    expect: String,
    why: String,
}

impl Cell {
    fn from(&self) -> &str {
        self.from
            .as_deref()
            .unwrap_or(match self.identity.as_str() {
                "dashboard" | "wrapping-alpha" => "dashboard",
                i if i.starts_with("bot-") => "bots",
                _ => "host",
            })
    }

    /// What REQUIRED names a cell by.
    fn key(&self) -> String {
        format!(
            "{} {} {} from={} wrapped={} burn={} mint={} -> {}",
            self.identity,
            self.op,
            self.path,
            self.from(),
            self.wrap_ttl.is_some(),
            self.burn_uses,
            self.mint.is_some(),
            self.expect
        )
    }
}

/// The network around Vault, on loopback (every 127/8 address is this host's, so a request can
/// come from any of them). Laid out like the compose stack: the bots network 127.0.4.0/22 with
/// its gateway at .4.1 (where the host's requests through Docker's port publishing appear) and
/// the range bots get, 127.0.6.0/23, which excludes the gateway; the dashboard's network
/// 127.0.8.0/24; the host itself at 127.0.0.1.
const BOTS_RANGE: &str = "127.0.6.0/23";
/// The dashboard's AppRole is bound to its network, and to loopback because this test (the
/// broker, `connect_dashboard`) talks to Vault from 127.0.0.1.
const DASHBOARD_CIDRS: &str = "127.0.8.0/24,127.0.0.1/32";

fn source(from: &str) -> std::net::IpAddr {
    let ip: [u8; 4] = match from {
        "host" => [127, 0, 0, 1],
        "gateway" => [127, 0, 4, 1],
        "bots" => [127, 0, 6, 10],
        "dashboard" => [127, 0, 8, 2],
        other => panic!("matrix names an unknown source {other:?}"),
    };
    std::net::IpAddr::from(ip)
}

/// What the matrix promises, checked before anything runs, so that a cell cannot silently
/// disappear from the file (as [`Cell::key`] prints it).
const REQUIRED: &[&str] = &[
    "dashboard read wallets/data/alpha from=dashboard wrapped=false burn=0 mint=false -> deny",
    "dashboard write auth/token/create/bot from=dashboard wrapped=false burn=0 mint=false -> deny",
    "dashboard write auth/token/create/bot from=dashboard wrapped=true burn=0 mint=false -> allow",
    "dashboard list wallets/metadata from=bots wrapped=false burn=0 mint=false -> deny",
    "dashboard write auth/token/revoke-accessor from=dashboard wrapped=false burn=0 mint=false -> allow",
    "dashboard write auth/token/lookup-accessor from=dashboard wrapped=false burn=0 mint=false -> allow",
    "dashboard write wallets/metadata/alpha from=dashboard wrapped=false burn=0 mint=false -> deny",
    "dashboard write sys/policies/acl/bot-gamma from=dashboard wrapped=false burn=0 mint=false -> deny",
    "dashboard write auth/token/roles/bot from=dashboard wrapped=false burn=0 mint=false -> deny",
    "wrapping-alpha write sys/wrapping/unwrap from=dashboard wrapped=false burn=0 mint=false -> allow",
    "bot-alpha read wallets/data/alpha from=bots wrapped=false burn=0 mint=false -> allow",
    "bot-alpha read wallets/data/alpha from=host wrapped=false burn=0 mint=false -> deny",
    "bot-alpha read wallets/data/alpha from=gateway wrapped=false burn=0 mint=false -> deny",
    "bot-alpha read wallets/data/alpha from=dashboard wrapped=false burn=0 mint=false -> deny",
    "bot-alpha read wallets/data/beta from=bots wrapped=false burn=0 mint=false -> deny",
    "bot-alpha list wallets/metadata from=bots wrapped=false burn=0 mint=false -> deny",
    "bot-alpha write auth/token/create from=bots wrapped=false burn=0 mint=false -> deny",
    "bot-alpha read wallets/data/alpha from=bots wrapped=false burn=2 mint=false -> deny",
    "bot-alpha read wallets/data/alpha from=bots wrapped=false burn=2 mint=true -> deny",
    "bot-alpha read wallets/data/alpha from=bots wrapped=false burn=0 mint=true -> allow",
    "anonymous write auth/approle/login from=bots wrapped=false burn=0 mint=false -> refuse",
    "anonymous write auth/approle/login from=dashboard wrapped=false burn=0 mint=false -> allow",
    "key-admin write auth/token/create/bot from=host wrapped=true burn=0 mint=false -> deny",
    "key-admin write sys/policies/acl/bot-gamma from=host wrapped=false burn=0 mint=false -> deny",
    "key-admin write auth/token/roles/bot from=host wrapped=false burn=0 mint=false -> deny",
    "bot-delta.inj-usdt read wallets/data/delta/bots/inj-usdt from=bots wrapped=false burn=0 mint=false -> allow",
    "bot-delta.inj-usdt read wallets/data/delta/bots/tia-usdt from=bots wrapped=false burn=0 mint=false -> deny",
    "bot-delta.inj-usdt read wallets/data/delta from=bots wrapped=false burn=0 mint=false -> deny",
    "bot-delta.inj-usdt read wallets/data/omega/bots/inj-usdt from=bots wrapped=false burn=0 mint=false -> deny",
    "bot-delta read wallets/data/delta from=bots wrapped=false burn=0 mint=false -> deny",
    "bot-delta read wallets/data/delta/bots/inj-usdt from=bots wrapped=false burn=0 mint=false -> deny",
    "dashboard read wallets/metadata/delta/bots/inj-usdt from=dashboard wrapped=false burn=0 mint=false -> allow",
    "dashboard read wallets/data/delta/bots/inj-usdt from=dashboard wrapped=false burn=0 mint=false -> deny",
    "key-admin read wallets/data/delta from=host wrapped=false burn=0 mint=false -> allow",
    "key-admin write sys/policies/acl/bot-delta.inj-usdt from=host wrapped=false burn=0 mint=false -> deny",
    // Alert webhook URLs (issue 16): the dashboard only, on exactly its folder.
    "dashboard write alerts/data/webhooks/matrix from=dashboard wrapped=false burn=0 mint=false -> allow",
    "dashboard read alerts/data/webhooks/matrix from=dashboard wrapped=false burn=0 mint=false -> allow",
    "dashboard delete alerts/metadata/webhooks/matrix from=dashboard wrapped=false burn=0 mint=false -> allow",
    "dashboard list alerts/metadata/webhooks from=dashboard wrapped=false burn=0 mint=false -> deny",
    "dashboard write alerts/data/other from=dashboard wrapped=false burn=0 mint=false -> deny",
    "bot-alpha read alerts/data/webhooks/matrix from=bots wrapped=false burn=0 mint=false -> deny",
    "bot-delta.inj-usdt read alerts/data/webhooks/matrix from=bots wrapped=false burn=0 mint=false -> deny",
    "key-admin read alerts/data/webhooks/matrix from=host wrapped=false burn=0 mint=false -> deny",
    "key-admin write alerts/data/webhooks/matrix from=host wrapped=false burn=0 mint=false -> deny",
    "auditor read alerts/data/webhooks/matrix from=host wrapped=false burn=0 mint=false -> deny",
    "auditor list alerts/metadata/webhooks from=host wrapped=false burn=0 mint=false -> deny",
];

struct Identities {
    /// One HTTP client per source address.
    http: BTreeMap<&'static str, reqwest::Client>,
    address: String,
    root: SecretString,
    dashboard: SecretString,
    key_admin: SecretString,
    auditor: SecretString,
    role_id: String,
    secret_id: SecretString,
    broker: VaultBroker,
}

impl Identities {
    async fn token_for(&self, cell: &Cell) -> SecretString {
        match cell.identity.as_str() {
            "dashboard" => self.dashboard.clone(),
            "key-admin" => self.key_admin.clone(),
            "auditor" => self.auditor.clone(),
            "anonymous" => SecretString::from(String::new()),
            "wrapping-alpha" => self.wrapping_token("alpha", None).await,
            "bot-alpha" => match &cell.mint {
                None => self.fresh_bot_token("alpha", None).await,
                Some(body) => self.minted_bot_token(body, cell.ttl_at_most).await,
            },
            "bot-delta" => self.fresh_bot_token("delta", None).await,
            "bot-delta.inj-usdt" => self.fresh_bot_token("delta", Some("INJ/USDT")).await,
            other => panic!("matrix names an unknown identity {other:?}"),
        }
    }

    /// A wrapping token for a bot of `wallet`; with `market`, a live bot's (policy
    /// `bot-<wallet>.<slug>`), else `bot-<wallet>`.
    async fn wrapping_token(&self, wallet: &str, market: Option<&str>) -> SecretString {
        let wallet = WalletId::parse(wallet).unwrap();
        let market = market.map(|m| MarketId::parse(m).unwrap());
        let issued = self
            .broker
            .issue_bot_token(&TokenRequest {
                bot_id: "matrix",
                wallet: &wallet,
                market_key: market.as_ref(),
                operator: "matrix",
                launch_id: "matrix",
            })
            .await
            .unwrap();
        issued.wrapping_token
    }

    /// The real path: the dashboard mints a wrapped token through the wallet's role; we unwrap
    /// it as the bot would, from the bots' range.
    async fn fresh_bot_token(&self, wallet: &str, market: Option<&str>) -> SecretString {
        let wrapping = self.wrapping_token(wallet, market).await;
        self.unwrap(&wrapping).await
    }

    async fn unwrap(&self, wrapping: &SecretString) -> SecretString {
        let (status, body) = self
            .send(wrapping, "write", "sys/wrapping/unwrap", None, None, "bots")
            .await;
        assert_eq!(status, 200, "unwrap failed: {body}");
        SecretString::from(body["auth"]["client_token"].as_str().unwrap().to_owned())
    }

    /// A bot token the dashboard asked for with `body` (through role bot, wrapped); its
    /// TTL checked against `ttl_at_most` with a root lookup.
    async fn minted_bot_token(&self, body: &str, ttl_at_most: Option<u64>) -> SecretString {
        let (status, answer) = self
            .send(
                &self.dashboard,
                "write",
                "auth/token/create/bot",
                Some(body),
                Some("30s"),
                "dashboard",
            )
            .await;
        assert_eq!(status, 200, "mint {body} failed: {answer}");
        let wrapping =
            SecretString::from(answer["wrap_info"]["token"].as_str().unwrap().to_owned());
        let token = self.unwrap(&wrapping).await;
        if let Some(limit) = ttl_at_most {
            let lookup = format!(r#"{{"token":"{}"}}"#, token.expose_secret());
            let (_, looked) = self
                .send(
                    &self.root,
                    "write",
                    "auth/token/lookup",
                    Some(&lookup),
                    None,
                    "host",
                )
                .await;
            let ttl = looked["data"]["ttl"].as_u64().unwrap();
            assert!(ttl <= limit, "minted with {body}: ttl {ttl} s > {limit} s");
        }
        token
    }

    /// A cell's body with its placeholders filled: `{{victim_accessor}}` (a fresh key-admin
    /// token's accessor), `{{role_id}}` and `{{secret_id}}` (the dashboard's AppRole).
    async fn fill(&self, body: &str) -> String {
        let mut body = body
            .replace("{{role_id}}", &self.role_id)
            .replace("{{secret_id}}", self.secret_id.expose_secret());
        if body.contains("{{victim_accessor}}") {
            let (_, created) = self
                .send(
                    &self.root,
                    "write",
                    "auth/token/create",
                    Some(r#"{"policies":["tradebot-key-admin"],"ttl":"10m"}"#),
                    None,
                    "host",
                )
                .await;
            let accessor = created["auth"]["accessor"].as_str().unwrap();
            body = body.replace("{{victim_accessor}}", accessor);
        }
        body
    }

    async fn send(
        &self,
        token: &SecretString,
        op: &str,
        path: &str,
        body: Option<&str>,
        wrap_ttl: Option<&str>,
        from: &str,
    ) -> (u16, Value) {
        let url = format!("{}/v1/{path}", self.address);
        let method = match op {
            "read" => reqwest::Method::GET,
            "list" => reqwest::Method::from_bytes(b"LIST").unwrap(),
            "write" => reqwest::Method::POST,
            "delete" => reqwest::Method::DELETE,
            other => panic!("matrix names an unknown op {other:?}"),
        };
        let http = self
            .http
            .get(from)
            .unwrap_or_else(|| panic!("matrix names an unknown source {from:?}"));
        let mut req = http.request(method, url);
        if !token.expose_secret().is_empty() {
            req = req.header("X-Vault-Token", token.expose_secret());
        }
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

fn clients() -> BTreeMap<&'static str, reqwest::Client> {
    ["host", "gateway", "bots", "dashboard"]
        .into_iter()
        .map(|from| {
            let client = reqwest::Client::builder()
                .local_address(source(from))
                .build()
                .unwrap();
            (from, client)
        })
        .collect()
}

fn load_matrix() -> Matrix {
    let matrix: Matrix = toml::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/policies/matrix.toml"))
            .unwrap(),
    )
    .unwrap();
    totp_cells_present(&matrix);
    let keys: Vec<String> = matrix.cell.iter().map(Cell::key).collect();
    for required in REQUIRED {
        assert!(
            keys.iter().any(|k| k == required),
            "the matrix lost a required cell: {required}"
        );
    }
    matrix
}

#[tokio::test(flavor = "multi_thread")]
async fn every_cell_of_the_policy_matrix_holds_against_real_openbao() {
    let matrix = load_matrix();
    let bao = Bao::start();
    let mut settings = bao.settings();
    settings.vault.bots_subnet = BOTS_RANGE.to_owned();
    settings.vault.dashboard_cidrs = DASHBOARD_CIDRS.to_owned();
    let root = VaultClient::new(
        &bao.address,
        None,
        Some(SecretString::from(ROOT_TOKEN.to_owned())),
    )
    .unwrap();
    // Two wallets, then bootstrap (which writes a bot policy and role per existing wallet).
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
        ..WalletMeta::default()
    };
    wallets::generate(
        &root,
        &settings.vault.kv_mount,
        &WalletId::parse("beta").unwrap(),
        &meta,
    )
    .await
    .unwrap();
    live_wallets(&root, &settings.vault.kv_mount).await;
    // A leftover bot-<wallet> (say the wallet was paper before) is removed for a live wallet.
    root.write(
        "sys/policies/acl/bot-delta",
        &json!({ "policy": tradebot::vault::policy::bot_policy(&WalletId::parse("delta").unwrap()) }),
    )
    .await
    .unwrap();
    let report = bootstrap(&settings, &opts).await.unwrap();
    assert!(
        report
            .changes
            .iter()
            .any(|c| c == "policy bot-delta deleted (live wallet)"),
        "{report}"
    );
    for written in [
        "policy bot-delta.inj-usdt",
        "policy bot-delta.tia-usdt",
        "policy bot-omega.inj-usdt",
    ] {
        assert!(report.changes.iter().any(|c| c == written), "{report}");
    }
    for absent in ["bot-delta", "bot-omega"] {
        let path = format!("sys/policies/acl/{absent}");
        assert!(
            root.read(&path).await.unwrap().is_none(),
            "a live wallet has no {absent}"
        );
    }

    let mut dash = settings.vault.clone();
    dash.role_id_file = Some(approle.path().join("role_id"));
    dash.secret_id_file = Some(approle.path().join("secret_id"));
    let session = connect_dashboard(&dash).await.unwrap();
    let http = clients();
    let role_id = std::fs::read_to_string(approle.path().join("role_id"))
        .unwrap()
        .trim()
        .to_owned();
    let secret_id = SecretString::from(
        std::fs::read_to_string(approle.path().join("secret_id"))
            .unwrap()
            .trim()
            .to_owned(),
    );
    // A second AppRole login, by hand from the dashboard's network, to hold the dashboard's
    // token as a plain request header.
    let login: Value = http["dashboard"]
        .post(format!("{}/v1/auth/approle/login", bao.address))
        .json(&json!({ "role_id": role_id, "secret_id": secret_id.expose_secret() }))
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
    // The dashboard reads bot keys' metadata (never their data: cells below).
    let delta = WalletId::parse("delta").unwrap();
    let keys = broker.bot_keys(&delta).await.unwrap();
    let markets: Vec<&str> = keys.iter().map(|k| k.market.as_str()).collect();
    assert_eq!(markets, ["INJ/USDT", "TIA/USDT"]);
    assert_eq!(keys[0].grant_expiry, "2030-01-01T00:00:00Z");
    vaultrs_unwrap_drops_the_auth_block(&broker, &bao.address).await;
    vaultrs_wrap_hard_codes_its_ttl(&bao.address).await;
    vaultrs_token_role_has_no_policy_glob(&bao.address).await;
    totp_seed_never_comes_back(&root, &session).await;
    let ids = Identities {
        http,
        address: bao.address.clone(),
        root: SecretString::from(ROOT_TOKEN.to_owned()),
        dashboard,
        key_admin: policy_token(&root, "tradebot-key-admin").await,
        auditor: policy_token(&root, "tradebot-auditor").await,
        role_id,
        secret_id,
        broker: VaultBroker::new(session, &settings.vault.kv_mount, TokenLimits::default()),
    };
    run_cells(&ids, &matrix).await;
}

/// Live wallets delta (bot keys for INJ/USDT and TIA/USDT) and omega (INJ/USDT), each bot key
/// with a recorded grant, as `tradebot keys grant` leaves them (the chain is not involved here).
async fn live_wallets(root: &VaultClient, mount: &str) {
    for (name, markets) in [
        ("delta", &["INJ/USDT", "TIA/USDT"][..]),
        ("omega", &["INJ/USDT"][..]),
    ] {
        let wallet = WalletId::parse(name).unwrap();
        let meta = WalletMeta {
            label: format!("live {name}"),
            allowed_markets: markets.iter().map(|m| (*m).to_owned()).collect(),
            mode: WalletMode::Live,
            network: Some("devnet".into()),
        };
        wallets::generate(root, mount, &wallet, &meta)
            .await
            .unwrap();
        for m in markets {
            let market = MarketId::parse(m).unwrap();
            let key = tradebot_contract::key::PrivateKey::generate();
            bot_keys::write_key(root, mount, &wallet, &market, &key, 0)
                .await
                .unwrap();
            let record = GrantRecord {
                address: format!("inj1{name}{}", market.slug()),
                granter: format!("inj1{name}"),
                market_id: "0x01".into(),
                network: "devnet".into(),
                grant_expiry: "2030-01-01T00:00:00Z".into(),
                fee_spend_limit: "1000inj".into(),
            };
            bot_keys::record_grant(root, mount, &wallet, &market, &record)
                .await
                .unwrap();
        }
    }
}

async fn run_cells(ids: &Identities, matrix: &Matrix) {
    let mut failures = Vec::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for cell in &matrix.cell {
        let token = ids.token_for(cell).await;
        for _ in 0..cell.burn_uses {
            ids.send(&token, "read", "wallets/data/alpha", None, None, "bots")
                .await;
        }
        let body = match &cell.body {
            Some(b) => Some(ids.fill(b).await),
            None => None,
        };
        let (status, answer) = ids
            .send(
                &token,
                &cell.op,
                &cell.path,
                body.as_deref(),
                cell.wrap_ttl.as_deref(),
                cell.from(),
            )
            .await;
        *counts.entry(outcome(status)).or_default() += 1;
        if outcome(status) != cell.expect {
            failures.push(format!(
                "{}: got {status} {} -- {}",
                cell.key(),
                answer["errors"],
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
            market_key: None,
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
