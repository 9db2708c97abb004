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
