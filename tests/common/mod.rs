//! Test harness: a real OpenBao dev server per test, on a free port, killed on drop.
#![allow(dead_code)] // each test binary uses a different part of the harness

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use tradebot::config::Settings;

pub const ROOT_TOKEN: &str = "root-token-for-tests-only";

/// A running `bao server -dev` (in-memory storage, HTTP on loopback).
pub struct Bao {
    child: Child,
    pub address: String,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bao_bin() -> String {
    std::env::var("BAO_BIN").unwrap_or_else(|_| "bao".into())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Bao {
    /// Starts a dev server with a file audit device (declared in config, as OpenBao requires).
    pub fn start() -> Self {
        Self::start_on("127.0.0.1")
    }

    /// Like `start`, listening on `ip` (e.g. 0.0.0.0 so containers reach it through their
    /// network's gateway). `address` still points at loopback for the test process.
    pub fn start_on(ip: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let audit = dir.path().join("audit.log");
        let config = dir.path().join("audit.hcl");
        std::fs::write(
            &config,
            format!(
                "audit \"file\" \"file\" {{\n  options {{\n    file_path = \"{}\"\n  }}\n}}\n",
                audit.display()
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let child = Command::new(bao_bin())
            .args([
                "server",
                "-dev",
                &format!("-dev-root-token-id={ROOT_TOKEN}"),
            ])
            .arg(format!("-dev-listen-address={ip}:{port}"))
            .arg(format!("-config={}", config.display()))
            .env("HOME", dir.path())
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} (set BAO_BIN): {e}", bao_bin()));
        let bao = Self {
            child,
            address: format!("http://127.0.0.1:{port}"),
            port,
            dir,
        };
        bao.wait_ready();
        bao
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = format!("{}/v1/sys/health", self.address);
        loop {
            if let Ok(out) = Command::new("curl")
                .args(["-fsS", "-o", "/dev/null", &url])
                .output()
            {
                if out.status.success() {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "bao did not become ready: {}",
                self.server_log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn server_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    pub fn audit_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("audit.log")).unwrap_or_default()
    }

    /// Settings pointing at this server, admin token set, bots subnet = loopback.
    pub fn settings(&self) -> Settings {
        let env = vec![
            ("TRADEBOT_VAULT__ADDRESS".to_owned(), self.address.clone()),
            (
                "TRADEBOT_VAULT__DANGEROUS_ALLOW_PLAIN_HTTP".to_owned(),
                "true".to_owned(),
            ),
            (
                "TRADEBOT_VAULT__BOTS_SUBNET".to_owned(),
                "127.0.0.1/32".to_owned(),
            ),
        ];
        let mut s = Settings::load_from(None, env).unwrap();
        s.vault.token = Some(SecretString::from(ROOT_TOKEN.to_owned()));
        s
    }
}

/// A wallet with a generated key, the given markets allowed, and its bot policy (what
/// `tradebot keys generate` does), written with an admin client.
pub async fn add_wallet(
    vault: &tradebot::vault::VaultClient,
    mount: &str,
    name: &str,
    markets: &[&str],
) {
    use tradebot::vault::{policy, wallets};
    let id = tradebot::domain::WalletId::parse(name).unwrap();
    let meta = wallets::WalletMeta {
        label: format!("test wallet {name}"),
        allowed_markets: markets.iter().map(|m| (*m).to_owned()).collect(),
        ..wallets::WalletMeta::default()
    };
    wallets::generate(vault, mount, &id, &meta).await.unwrap();
    vault
        .write(
            &format!("sys/policies/acl/{}", policy::bot_policy_name(&id)),
            &serde_json::json!({ "policy": policy::bot_policy(&id) }),
        )
        .await
        .unwrap();
}
