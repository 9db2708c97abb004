//! `tradebot-socket-proxy [serve|healthcheck]`: configuration from the environment
//! (PROXY_LISTEN, PROXY_TOKEN_FILE, PROXY_POLICY_FILE, DOCKER_SOCKET, PROXY_BOTS_NETWORK,
//! PROXY_STACK, LOG_FORMAT). Errors are one line on stderr and a non-zero exit.

use std::process::ExitCode;
use std::sync::Arc;

use tradebot_socket_proxy::{serve, Settings};

fn main() -> ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    let result = runtime.block_on(async {
        let settings = Settings::from_env(|k| std::env::var(k).ok())?;
        match mode.as_str() {
            "serve" => run(settings).await,
            "healthcheck" => healthcheck(&settings).await,
            other => Err(format!("unknown command {other:?} (serve | healthcheck)")),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(reason: &str) -> ExitCode {
    eprintln!("tradebot-socket-proxy: {reason}");
    ExitCode::FAILURE
}

async fn run(settings: Settings) -> Result<(), String> {
    init_logging();
    let proxy = Arc::new(settings.load()?);
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    tracing::info!(listen = %settings.listen, socket = %settings.docker_socket.display(), network = %proxy.policy.network, stack = %proxy.policy.stack, "socket proxy ready");
    tokio::select! {
        r = serve(listener, proxy) => r.map_err(|e| format!("listener failed: {e}")),
        _ = tokio::signal::ctrl_c() => Ok(()),
        _ = terminate() => Ok(()),
    }
}

async fn terminate() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending().await,
    }
}

/// GET /_ping on our own listener with the token: the container healthcheck (no curl here).
async fn healthcheck(settings: &Settings) -> Result<(), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let token = settings.read_token()?;
    let port = settings.listen.port();
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("proxy not answering: {e}"))?;
    let mut request =
        b"GET /_ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer "
            .to_vec();
    request.extend_from_slice(&token.0);
    request.extend_from_slice(b"\r\n\r\n");
    stream
        .write_all(&request)
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(3),
        stream.read_to_end(&mut buf),
    )
    .await
    .map_err(|_| "proxy answer timed out".to_owned())?
    .map_err(|e| e.to_string())?;
    if buf.starts_with(b"HTTP/1.1 200") {
        Ok(())
    } else {
        Err(format!(
            "proxy answered {:?}",
            String::from_utf8_lossy(buf.get(..40).unwrap_or(&buf))
        ))
    }
}

fn init_logging() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if std::env::var("LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}
