//! The HTTPS dashboard: TLS termination, the router, and the accept loop. Its layers, top
//! down: handlers (`api`, `pages`, `account`) -> audited actions (`actions`) -> the lifecycle
//! and `auth`; errors become responses in `error`, pages get their chrome from `view`.

pub mod account;
mod actions;
pub mod alerts;
pub mod api;
mod chain;
mod chart;
mod detail;
pub mod error;
mod fills;
pub mod health;
pub mod healthcheck;
mod live_log;
mod metrics;
mod openapi;
mod pages;
mod plain_http;
mod portfolio;
mod presets;
mod start_form;
mod view;
mod wallets_page;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::extract::FromRef;
use axum::routing::get;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::auth::AuthState;
use crate::bots::{BotManager, ManagerConfig};
use crate::clock::Clock;
use crate::config::Settings;
use crate::runtime::DockerRuntime;
use crate::store::Store;
use crate::vault::{TokenLimits, VaultBroker};

/// The lifecycle engine as the dashboard runs it: Docker through the socket proxy, Vault
/// through the dashboard's AppRole session.
pub type Manager = BotManager<DockerRuntime, VaultBroker>;

/// State shared by every handler.
#[derive(Debug)]
pub struct AppState {
    pub vault: crate::vault::DashboardSession,
    pub store: Store,
    pub bots: Manager,
    pub settings: Settings,
    pub latency: metrics::Latency,
    pub health: health::Cache,
    /// The webhook client and retry policy of alert deliveries.
    pub alerts: crate::alerts::Sender,
    /// The live bot keys' grant expiries as the alert watcher last read them (for `/metrics`).
    pub grant_expiries: alerts::grants::GrantExpiries,
}

/// The auth extractors and account pages see only this part of the state.
impl FromRef<Arc<AppState>> for AuthState {
    fn from_ref(app: &Arc<AppState>) -> Self {
        Self {
            store: app.store.clone(),
            settings: app.settings.auth.clone(),
            data_dir: app.settings.data_dir.clone(),
            clock: Clock::System,
            totp: Some(Arc::new(crate::vault::VaultTotp::new(app.vault.clone()))),
        }
    }
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
        // Renewed certificate files are picked up without a restart (file change or SIGHUP).
        let certs = crate::tls::CertStore::load(&paths)?;
        drop(certs.watch(std::time::Duration::from_secs(
            settings.http.cert_reload_check_secs.max(1),
        )));
        let tls = crate::tls::server_config_with(certs)?;
        let vault = crate::vault::connect_dashboard(&settings.vault).await?;
        tracing::info!(vault = %vault.address(), lease_s = vault.lease().as_secs(), "logged in to Vault with AppRole");
        // Renewed at half its lease, re-logged-in near its max TTL; lives as long as the process.
        drop(vault.keep_alive());
        let store = Store::open(&settings.data_dir).await.with_context(|| {
            format!(
                "cannot open the database in {}",
                settings.data_dir.display()
            )
        })?;
        // First start: an `admin` with a one-time password in <data_dir> (logged by path only).
        crate::auth::ensure_first_admin(&store, &settings.data_dir).await?;
        let bots = manager(&settings, &vault, store.clone())?;
        // Webhook URLs: moved out of the database if an older version left them there.
        let alert_sender = alerts::sender(&vault, &store).await?;
        // The proxy may be down now and back later: the dashboard serves anyway and says so
        // (GET /api/health); recovery retries until it has seen the engine once.
        drop(bots.spawn_event_watch());
        drop(spawn_recovery(bots.clone()));
        let listener = TcpListener::bind(settings.http.bind)
            .await
            .with_context(|| format!("cannot listen on {}", settings.http.bind))?;
        let state = Arc::new(AppState {
            vault,
            store,
            bots,
            settings,
            latency: metrics::Latency::default(),
            health: health::Cache::default(),
            alerts: alert_sender,
            grant_expiries: alerts::grants::GrantExpiries::default(),
        });
        drop(account::spawn_lock_summaries(AuthState::from_ref(&state)));
        drop(alerts::watch::spawn(state.clone(), state.alerts.clone()));
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

/// The lifecycle manager from settings. A missing proxy token file is a configuration error.
fn manager(
    settings: &Settings,
    vault: &crate::vault::DashboardSession,
    store: Store,
) -> anyhow::Result<Manager> {
    let docker = &settings.docker;
    let token_file = docker
        .proxy_token_file
        .as_ref()
        .context("docker.proxy_token_file is not set (the socket proxy requires its token)")?;
    let token = std::fs::read_to_string(token_file).with_context(|| {
        format!(
            "cannot read the socket proxy token {}",
            token_file.display()
        )
    })?;
    let token = secrecy::SecretString::from(token.trim().to_owned());
    let runtime = DockerRuntime::connect(&docker.proxy_url, &token)?;
    let broker = VaultBroker::new(
        vault.clone(),
        &settings.vault.kv_mount,
        TokenLimits::default(),
    );
    let b = &settings.bots;
    let vault_ca_pem = match &settings.vault.ca_cert_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the Vault CA {}", path.display()))?,
        ),
        None => None,
    };
    let cfg = ManagerConfig {
        stack: b.stack.clone(),
        image: b.image.clone(),
        network: docker.bots_network.clone(),
        vault_address: if b.vault_address.is_empty() {
            settings.vault.address.clone()
        } else {
            b.vault_address.clone()
        },
        vault_ca_pem,
        kv_mount: settings.vault.kv_mount.clone(),
        markets: b.markets.clone(),
        networks: settings.networks.clone(),
        status_interval_secs: b.status_interval_secs,
        ready_timeout: std::time::Duration::from_secs(b.ready_timeout_secs),
        stop_grace_secs: i64::try_from(b.stop_grace_secs).unwrap_or(10),
        restart_max: b.restart_max,
        restart_base: std::time::Duration::from_millis(b.restart_base_ms),
        max_bots: settings.vault.bots_capacity(),
        memory_bytes: b.memory_bytes,
        nano_cpus: b.nano_cpus,
        pids_limit: b.pids_limit,
        logs: crate::runtime::LogLimits::new(&b.log_max_size, b.log_max_file)
            .map_err(|e| anyhow::anyhow!("bots.log_max_size / bots.log_max_file: {e}"))?,
    };
    Ok(BotManager::new(runtime, broker, store, cfg))
}

/// Rebuilds the bots' state from their containers; retries while the proxy is unreachable.
fn spawn_recovery(bots: Manager) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut delay = std::time::Duration::from_millis(500);
        loop {
            match bots.recover().await {
                Ok(n) => {
                    tracing::info!(bots = n, "recovered bots from their containers");
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot recover bots yet; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(std::time::Duration::from_secs(10));
                }
            }
        }
    })
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
    // auth: the client address, for login throttling and the audit log.
    let router = router.layer(axum::Extension(axum::extract::ConnectInfo(peer)));
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
        // Login/logout, account, users, audit pages and the stylesheet (web::account).
        .merge(account::routes())
        // The JSON API (every action), the bot and wallet pages, metrics.
        .merge(api::routes())
        .merge(pages::routes())
        .merge(alerts::routes())
        .merge(presets::routes())
        .route("/api/portfolio", get(portfolio::api))
        .route("/portfolio", get(portfolio::page))
        .route("/fills", get(fills::page))
        .route("/api/fills", get(fills::api))
        .route("/api/fills.csv", get(fills::csv))
        .route("/metrics", get(metrics::render))
        // Forms and JSON bodies are small; anything larger is refused before it is read.
        .layer(axum::extract::DefaultBodyLimit::max(api::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state.clone())
        // auth: resolves the caller, refuses cross-site or token-less state changes (CSRF)
        // and marks authenticated responses no-store. Wraps every route above.
        .layer(axum::middleware::from_fn_with_state(
            state,
            crate::auth::csrf_layer,
        ))
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
        // `same-origin`, not `no-referrer`: with no-referrer Chromium sends `Origin: null` on
        // form posts, which the CSRF layer must treat as cross-site. Other sites still get
        // no referrer at all.
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
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
