//! Why the auth layer turned a request away, as data. The web layer (`web::error`) turns it
//! into a response, the one place that decides statuses and bodies; `auth` never builds one.

use super::CurrentUser;

/// An auth refusal and the form its answer takes.
#[derive(Debug)]
pub struct Rejection {
    pub reason: Reason,
    /// Whether the caller reads JSON (API paths, bearer tokens, `/metrics`) or pages.
    pub json: bool,
}

/// What went wrong. Only [`Reason::Internal`] holds text not meant for the caller.
#[derive(Debug)]
pub enum Reason {
    /// No valid credential: a 401 for APIs, the login page for browsers.
    Unauthenticated,
    /// The account must choose a new password before anything else.
    MustChangePassword,
    /// The role requires a second factor (`auth.require_second_factor_for`) and the user has
    /// none yet: /account until they set one up.
    MustEnrolSecondFactor,
    /// Signed in, but the role does not allow this; the user is kept for the page's navigation.
    Forbidden {
        message: String,
        user: Box<CurrentUser>,
    },
    /// A state change without a valid CSRF token, or from another site.
    Csrf,
    /// A form larger than the CSRF check reads (`csrf::FORM_LIMIT`).
    FormTooLarge,
    /// Resolving the caller failed (the database); the cause is logged, never shown.
    Internal(anyhow::Error),
}

impl Rejection {
    pub fn new(reason: Reason, json: bool) -> Self {
        Self { reason, json }
    }
}
