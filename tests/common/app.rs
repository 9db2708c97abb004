//! The whole dashboard, black-box: `Application::build` on port 0 over HTTPS, with a real
//! OpenBao (bootstrapped, wallets created), the real socket proxy in front of the real Docker
//! engine, and the bot image of this build. Users of each role with API tokens; a client
//! that trusts the dashboard's dev CA. Everything is torn down on drop.
#![allow(dead_code)]

use std::time::Duration;

use reqwest::{Client, Method, RequestBuilder, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use tradebot::auth::{api_tokens, password, users, Role};
use tradebot::domain::WalletId;
use tradebot::store::Store;
use tradebot::vault::{bootstrap, BootstrapOptions, VaultClient};
use tradebot::web::Application;

use crate::common::{Bao, ROOT_TOKEN};
use crate::docker_harness::{bot_image, start_proxy, Proxy, TestNetwork};

pub const PASSWORD: &str = "a long test password";
pub const MARKETS: &[&str] = &["INJ/USDT", "TIA/USDT", "INJ/USDT-PERP"];

pub struct TestApp {
    pub url: String,
    /// A client without cookies (API tokens) that trusts the dev CA.
    pub client: Client,
    pub viewer: String,
    pub operator: String,
    pub admin: String,
    pub store: Store,
    pub data_dir: tempfile::TempDir,
    pub net: TestNetwork,
    pub vault_admin: VaultClient,
    pub kv_mount: String,
    pub bao: Bao,
    /// The socket proxy; take it to see the dashboard without one.
    pub proxy: Option<Proxy>,
    _approle: tempfile::TempDir,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `tag` keeps container names, the bots network and the stack label apart between tests.
pub async fn spawn_app(tag: &str, extra_wallets: &[&str]) -> TestApp {
    spawn_app_with(tag, extra_wallets, |_| {}).await
}

/// [`spawn_app`] with `tweak` applied to the dashboard's settings just before it is built.
pub async fn spawn_app_with(
    tag: &str,
    extra_wallets: &[&str],
    tweak: impl FnOnce(&mut tradebot::config::Settings),
) -> TestApp {
    tradebot::tls::install_crypto_provider();
    let image = tokio::task::spawn_blocking(bot_image).await.unwrap();
    let bao = Bao::start_on("0.0.0.0");
    let net = TestNetwork::create(tag, &format!("tradebot-bot-{tag}"));
    let mut settings = bao.settings();
    settings.vault.bots_subnet = net.subnet.clone();
    let approle = tempfile::tempdir().unwrap();
    let demo = WalletId::parse(&format!("{tag}-demo")).unwrap();
    let opts = BootstrapOptions {
        approle_dir: Some(approle.path().to_owned()),
        demo_wallet: Some(demo),
        ..BootstrapOptions::default()
    };
    bootstrap(&settings, &opts).await.unwrap();
    let vault_admin = VaultClient::new(
        &settings.vault.address,
        None,
        Some(SecretString::from(ROOT_TOKEN)),
    )
    .unwrap();
    for name in extra_wallets {
        crate::common::add_wallet(&vault_admin, &settings.vault.kv_mount, name, MARKETS).await;
    }
    let proxy = start_proxy(&image, &net.name, &format!("test-{tag}")).await;
    let data_dir = tempfile::tempdir().unwrap();
    let token_file = data_dir.path().join("proxy-token");
    std::fs::write(&token_file, proxy.token.expose_secret()).unwrap();

    settings.data_dir = data_dir.path().join("data");
    settings.http.bind = "127.0.0.1:0".parse().unwrap();
    settings.vault.token = None;
    settings.vault.role_id_file = Some(approle.path().join("role_id"));
    settings.vault.secret_id_file = Some(approle.path().join("secret_id"));
    settings.docker.proxy_url = proxy.url.clone();
    settings.docker.proxy_token_file = Some(token_file);
    settings.docker.bots_network = net.name.clone();
    settings.bots.image = image;
    settings.bots.stack = format!("test-{tag}");
    settings.bots.vault_address = format!("http://{}:{}", net.gateway, bao.port);
    settings.bots.status_interval_secs = 1;
    settings.bots.markets = MARKETS.iter().map(|m| (*m).to_owned()).collect();
    settings.bots.nano_cpus = 250_000_000;
    tweak(&mut settings);
    let kv_mount = settings.vault.kv_mount.clone();
    let app = Application::build(settings.clone()).await.unwrap();
    let url = format!("https://localhost:{}", app.local_addr().unwrap().port());
    let task = tokio::spawn(app.run());

    let ca = std::fs::read(settings.data_dir.join("tls/ca.pem")).unwrap();
    let client = Client::builder()
        .tls_certs_only(reqwest::Certificate::from_pem_bundle(&ca).unwrap())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let store = Store::open(&settings.data_dir).await.unwrap();
    let viewer = user_with_token(&store, "vera", Role::Viewer).await;
    let operator = user_with_token(&store, "otto", Role::Operator).await;
    let admin = user_with_token(&store, "ada", Role::Admin).await;
    TestApp {
        url,
        client,
        viewer,
        operator,
        admin,
        store,
        data_dir,
        net,
        vault_admin,
        kv_mount,
        bao,
        proxy: Some(proxy),
        _approle: approle,
        task,
    }
}

async fn user_with_token(store: &Store, name: &str, role: Role) -> String {
    let phc = password::hash(SecretString::from(PASSWORD)).await.unwrap();
    let id = users::create(store.pool(), &name.parse().unwrap(), role, &phc, false, 0)
        .await
        .unwrap();
    let token = api_tokens::create(store.pool(), id, "tests", 0)
        .await
        .unwrap();
    token.token.expose_secret().to_owned()
}

impl TestApp {
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let r = self.client.request(method, format!("{}{path}", self.url));
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    /// Sends and returns (status, body as JSON or `{"text": ...}`).
    pub async fn call(&self, r: RequestBuilder) -> (StatusCode, serde_json::Value) {
        let res = r.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        let body =
            serde_json::from_str(&text).unwrap_or_else(|_| serde_json::json!({ "text": text }));
        (status, body)
    }

    /// The body of `GET path` as text, whatever its status (pages, CSV, `/metrics`).
    pub async fn get_text(&self, path: &str, token: Option<&str>) -> String {
        let res = self.request(Method::GET, path, token).send().await.unwrap();
        res.text().await.unwrap()
    }

    pub async fn start(
        &self,
        token: &str,
        body: &serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        self.call(
            self.request(Method::POST, "/api/bots", Some(token))
                .json(body),
        )
        .await
    }

    pub fn demo_wallet(&self, tag: &str) -> String {
        format!("{tag}-demo")
    }
}
