//! The state of the dashboard's dependencies, for `/api/health` and the banner on every page.

use serde_json::{json, Value};

use super::AppState;

/// What is down, in words; empty when everything answers.
#[derive(Debug, Clone, Default)]
pub struct Health {
    pub vault: Option<String>,
    pub docker: Option<String>,
}

impl Health {
    pub fn problems(&self) -> Vec<String> {
        [&self.vault, &self.docker]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }
}

/// The last probe, reused by pages for a moment: a page view must not cost a Vault and a
/// Docker round trip each (the overview is refreshed by every open browser).
#[derive(Debug, Default)]
pub struct Cache(std::sync::Mutex<Option<(std::time::Instant, Health)>>);

/// How long pages trust a probe.
const FRESH: std::time::Duration = std::time::Duration::from_secs(2);

/// The state of the dependencies, at most [`FRESH`] old.
pub async fn cached(app: &AppState) -> Health {
    let hit = {
        let guard = app
            .health
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        guard
            .as_ref()
            .filter(|(at, _)| at.elapsed() < FRESH)
            .map(|(_, h)| h.clone())
    };
    if let Some(h) = hit {
        return h;
    }
    let h = probe(app).await;
    *app.health
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) =
        Some((std::time::Instant::now(), h.clone()));
    h
}

/// Asks Vault (a token self-lookup with the dashboard's session) and Docker (a ping through
/// the socket proxy), concurrently.
pub async fn probe(app: &AppState) -> Health {
    let vault = async {
        match app.vault.client().read("auth/token/lookup-self").await {
            Ok(_) => None,
            Err(e) => Some(format!(
                "Vault does not answer the dashboard ({}): starting bots is not possible",
                vault_class(&e)
            )),
        }
    };
    let docker = async {
        match app.bots.docker_health().await {
            Ok(()) => None,
            Err(e) => Some(format!(
                "{e}: bots cannot be started or stopped; running bots are not affected"
            )),
        }
    };
    let (vault, docker) = tokio::join!(vault, docker);
    Health { vault, docker }
}

fn vault_class(e: &crate::vault::VaultError) -> &'static str {
    use crate::vault::VaultError;
    match e {
        VaultError::Unreachable { .. } => "unreachable",
        VaultError::Denied { .. } | VaultError::Rejected { .. } => "refused",
        VaultError::Unexpected { .. } | VaultError::Config(_) => "unexpected answer",
    }
}

pub async fn check(app: &AppState) -> Value {
    let h = probe(app).await;
    let part = |p: &Option<String>| match p {
        None => json!({ "ok": true }),
        Some(m) => json!({ "ok": false, "message": m }),
    };
    json!({
        "ok": h.vault.is_none() && h.docker.is_none(),
        "vault": part(&h.vault),
        "docker": part(&h.docker),
    })
}
