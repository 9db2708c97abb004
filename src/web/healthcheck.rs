//! `tradebot healthcheck`: the container healthcheck (scratch images have no curl).

use std::time::Duration;

use anyhow::{bail, Context};

/// GETs `url` and succeeds on 200. Certificate checks are off on purpose: this probes the
/// local process's liveness over loopback and sends nothing secret.
pub async fn probe(url: &str) -> anyhow::Result<()> {
    crate::tls::install_crypto_provider();
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .timeout(Duration::from_secs(3))
        .build()
        .context("cannot build the HTTP client")?;
    let status = client
        .get(url)
        .send()
        .await
        .with_context(|| format!("{url} is not answering"))?
        .status();
    if !status.is_success() {
        bail!("{url} answered {status}");
    }
    Ok(())
}
