//! The HTTPS dashboard: TLS termination, the router, and the accept loop.

pub mod healthcheck;
mod plain_http;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::routing::get;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::Settings;

/// State shared by every handler.
#[derive(Debug)]
pub struct AppState {
    pub vault: crate::vault::DashboardSession,
}

/// A dashboard bound to its port, ready to serve. Tests build it on port 0.
pub struct Application {
    listener: TcpListener,
    acceptor: TlsAcceptor,
    router: Router,
}

impl Application {
    /// Resolves TLS material, logs in to Vault and binds the listener. Every failure here is
    /// a one-line reason: the process stops before serving anything half-configured.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let paths = crate::tls::resolve_cert_paths(&settings.http, &settings.data_dir)?;
        let tls = crate::tls::server_config(&paths)?;
        let vault = crate::vault::connect_dashboard(&settings.vault).await?;
        tracing::info!(vault = %vault.address(), lease_s = vault.lease().as_secs(), "logged in to Vault with AppRole");
        // Renewed at half its lease, re-logged-in near its max TTL; lives as long as the process.
        drop(vault.keep_alive());
        let state = Arc::new(AppState { vault });
        let listener = TcpListener::bind(settings.http.bind)
            .await
            .with_context(|| format!("cannot listen on {}", settings.http.bind))?;
        Ok(Self {
            listener,
            acceptor: TlsAcceptor::from(tls),
            router: router(state),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts connections until the process is stopped.
    pub async fn run(self) -> anyhow::Result<()> {
        let Self {
            listener,
            acceptor,
            router,
        } = self;
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(conn) => conn,
                Err(e) => {
                    // Typically EMFILE: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let acceptor = acceptor.clone();
            let router = router.clone();
            tokio::spawn(async move {
                if let Err(e) = serve_connection(stream, peer, acceptor, router).await {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
            });
        }
    }
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    router: Router,
) -> anyhow::Result<()> {
    // A TLS connection starts with a handshake record (0x16); anything else is someone
    // speaking plain HTTP to the HTTPS port: tell them, in words, and close.
    let mut first = [0u8; 1];
    let n =
        tokio::time::timeout(std::time::Duration::from_secs(10), stream.peek(&mut first)).await??;
    if n == 0 {
        return Ok(());
    }
    if first[0] != 0x16 {
        tracing::debug!(%peer, "plain HTTP on the HTTPS port refused");
        return plain_http::refuse(stream).await;
    }
    let tls =
        tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(stream)).await??;
    let service = hyper_util::service::TowerToHyperService::new(router);
    hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
        .serve_connection_with_upgrades(TokioIo::new(tls), service)
        .await
        .map_err(|e| anyhow::anyhow!(e))
}

/// The routes, and the layers every response goes through.
fn router(state: Arc<AppState>) -> Router {
    use axum::http::{header, HeaderValue};
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .with_state(state)
        // Security headers on every response, set in one place.
        .layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
}

/// `tradebot serve`.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    tracing::info!(addr = %app.local_addr()?, "dashboard listening (HTTPS)");
    tokio::select! {
        result = app.run() => result,
        _ = shutdown_signal() => {
            tracing::info!("shutting down");
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("listener", &self.listener)
            .finish_non_exhaustive()
    }
}
