//! The lifecycle's own audit rows (the web layer writes the operators' actions).

use crate::store::Launch;

/// The audited start of a launch's container (action [`AUDIT_CONTAINER_START`], actor the
/// bot's operator; details: launch id, token accessor, wallet, market), written ahead of the
/// container for every launch: an operator's start or restart, a crash relaunch, a relaunch
/// at recovery.
pub async fn container_start(store: &crate::store::Store, l: &Launch) -> anyhow::Result<()> {
    let entry = crate::audit::Entry {
        actor: &l.operator,
        action: AUDIT_CONTAINER_START,
        target: &l.bot_id,
        ip: None,
        details: serde_json::json!({
            "launch_id": l.launch_id, "accessor": l.accessor,
            "wallet": l.wallet, "market": l.market,
        }),
        result: crate::audit::Outcome::Ok,
    };
    crate::audit::record(store.pool(), entry).await.map(drop)
}

/// The audit action of a container's start (see [`container_start`]).
pub const AUDIT_CONTAINER_START: &str = "bot_container_start";
