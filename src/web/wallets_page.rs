//! The wallets page: each wallet's Vault metadata (mode, network, markets, key version, the
//! bots using it) and, for a live wallet, what its chain holds now ([`super::chain`]).

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::error::problem;
use super::view::{render, Chrome};
use super::AppState;
use crate::auth::Viewer;

#[derive(Debug)]
struct WalletRow {
    id: String,
    label: String,
    address: String,
    version: u64,
    markets: String,
    bots: Vec<String>,
    updated: String,
    /// `paper` or `live`.
    mode: &'static str,
    /// Its Injective network, or empty (the paper exchange).
    network: String,
    /// A live wallet's chain: address, balances, positions, bot keys and grants.
    live: Option<super::chain::LiveView>,
}

#[derive(Template)]
#[template(path = "wallets.html")]
struct WalletsPage {
    chrome: Chrome,
    wallets: Vec<WalletRow>,
    problems: Vec<String>,
}

pub(super) async fn wallets(user: Viewer, State(app): State<Arc<AppState>>) -> Response {
    let (wallets, problems) = match app.bots.wallets().await {
        Ok(w) => (w, Vec::new()),
        Err(e) => (Vec::new(), vec![problem(e)]),
    };
    let mut live = Vec::with_capacity(wallets.len());
    for w in &wallets {
        live.push(super::chain::live_view(&app, w).await);
    }
    render(&WalletsPage {
        chrome: Chrome::new(&user, "wallets"),
        wallets: wallets
            .iter()
            .zip(live)
            .map(|(w, live)| WalletRow {
                mode: w.mode.as_str(),
                network: w.network.clone().unwrap_or_default(),
                live,
                id: w.id.to_string(),
                label: w.label.clone(),
                address: w.address.clone(),
                version: w.current_version,
                markets: w.allowed_markets.join(", "),
                bots: app.bots.bots_on_wallet(w.id.as_str()),
                updated: w
                    .updated_time
                    .chars()
                    .take(19)
                    .collect::<String>()
                    .replace('T', " "),
            })
            .collect(),
        problems,
    })
}
