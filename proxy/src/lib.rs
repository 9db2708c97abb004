//! Docker socket proxy: speaks the Docker Engine API, enforces a deny-by-default policy that
//! inspects container-create bodies. See docs/SOCKET_PROXY.md.

pub mod framing;
pub mod invariants;
pub mod json;
pub mod policy;
pub mod routes;
pub mod server;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// Settings from the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub token_file: PathBuf,
    pub policy_file: PathBuf,
    pub docker_socket: PathBuf,
    /// Overrides the policy's network (compose projects name it `<project>_bots`).
    pub bots_network: Option<String>,
    /// Overrides the policy's stack name (`PROXY_STACK`; compose sets the project name).
    pub stack: Option<String>,
}

impl Settings {
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let listen = get("PROXY_LISTEN").unwrap_or_else(|| "0.0.0.0:2375".into());
        Ok(Self {
            listen: listen
                .parse()
                .map_err(|_| format!("PROXY_LISTEN {listen:?} is not an address:port"))?,
            token_file: get("PROXY_TOKEN_FILE")
                .ok_or("PROXY_TOKEN_FILE is required")?
                .into(),
            policy_file: get("PROXY_POLICY_FILE")
                .ok_or("PROXY_POLICY_FILE is required")?
                .into(),
            docker_socket: get("DOCKER_SOCKET")
                .unwrap_or_else(|| "/var/run/docker.sock".into())
                .into(),
            bots_network: get("PROXY_BOTS_NETWORK").filter(|s| !s.is_empty()),
            stack: get("PROXY_STACK").filter(|s| !s.is_empty()),
        })
    }

    pub fn read_token(&self) -> Result<server::Secret, String> {
        let text = std::fs::read_to_string(&self.token_file).map_err(|e| {
            format!(
                "cannot read PROXY_TOKEN_FILE {}: {}",
                self.token_file.display(),
                e.kind()
            )
        })?;
        let token = text.trim();
        if token.len() < 16 {
            return Err(format!(
                "the token in {} is shorter than 16 characters",
                self.token_file.display()
            ));
        }
        Ok(server::Secret(token.as_bytes().to_vec()))
    }

    pub fn load(&self) -> Result<server::Proxy, String> {
        let text = std::fs::read_to_string(&self.policy_file).map_err(|e| {
            format!(
                "cannot read PROXY_POLICY_FILE {}: {}",
                self.policy_file.display(),
                e.kind()
            )
        })?;
        let mut policy = policy::Policy::from_toml(&text)
            .map_err(|e| format!("invalid policy {}: {e}", self.policy_file.display()))?;
        if let Some(net) = &self.bots_network {
            policy.network = net.clone();
        }
        if let Some(stack) = &self.stack {
            policy.stack = stack.clone();
        }
        policy
            .validate()
            .map_err(|e| format!("invalid policy after PROXY_BOTS_NETWORK/PROXY_STACK: {e}"))?;
        Ok(server::Proxy {
            policy,
            token: self.read_token()?,
            docker_socket: self.docker_socket.clone(),
        })
    }
}

/// Serves until the listener fails. One task per connection; HTTP/1.1 (what bollard speaks),
/// one request per connection so that `framing` sees every request head.
pub async fn serve(listener: TcpListener, proxy: Arc<server::Proxy>) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let proxy = proxy.clone();
        tokio::spawn(async move {
            let _ = serve_connection(stream, proxy).await;
        });
    }
}

async fn serve_connection(mut stream: TcpStream, proxy: Arc<server::Proxy>) -> std::io::Result<()> {
    let head = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        framing::read_head(&mut stream),
    )
    .await
    .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    if let Err(reason) = framing::check_head(&head) {
        tracing::warn!(
            decision = "deny",
            reason,
            status = 400,
            "ambiguous request framing"
        );
        stream.write_all(&framing::refusal(reason)).await?;
        return stream.shutdown().await;
    }
    let service = service_fn(move |req| proxy.clone().handle(req));
    http1::Builder::new()
        .max_buf_size(64 * 1024)
        .keep_alive(false)
        .serve_connection(TokioIo::new(framing::Prefixed::new(head, stream)), service)
        .await
        .map_err(std::io::Error::other)
}
