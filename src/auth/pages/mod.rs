//! The auth pages' handlers, one file per page.

pub(super) mod account;
pub(super) mod audit;
pub(super) mod login;
pub(super) mod users;

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::{AuthState, Refusal};
use crate::audit::Entry;

/// `axum::Form` with a sentence instead of the deserializer's text on a bad form.
#[derive(Debug)]
pub(crate) struct HumanForm<T>(pub T);

impl<S, T> FromRequest<S> for HumanForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Refusal;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req.uri().path().starts_with("/api/");
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|axum::Form(t)| HumanForm(t))
            .map_err(|_| {
                Refusal::bad_request(
                    json,
                    "the form is incomplete; reload the page and try again",
                )
            })
    }
}

/// Records an audit entry; a failure is logged, not shown (the action itself happened).
pub(crate) async fn audit(auth: &AuthState, entry: Entry<'_>) {
    let action = entry.action.to_owned();
    if let Err(e) = crate::audit::record_at(auth.store.pool(), entry, auth.clock.now_ms()).await {
        tracing::error!(
            error = format!("{e:#}"),
            action,
            "cannot write the audit log"
        );
    }
}

/// `anyhow` to an opaque page error.
pub(crate) fn internal(e: &anyhow::Error) -> Refusal {
    Refusal::internal(false, e)
}
