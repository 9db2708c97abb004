//! /audit (operators and admins): the filterable log; /audit.csv: the same rows as CSV.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::internal;
use crate::audit::{self, Filter, Record};
use crate::auth::{AuthState, Operator};
use crate::clock::format_ms;
use crate::web::error::WebError;
use crate::web::view::{render, Chrome};

/// The filter as the form sends it: empty fields mean "any"; dates are UTC `YYYY-MM-DD`
/// (or `YYYY-MM-DDTHH:MM` from a datetime input); `until` includes its whole day.
#[derive(Debug, Default, Deserialize)]
pub(super) struct FilterForm {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    q: String,
}

impl FilterForm {
    fn to_filter(&self) -> Result<Filter, String> {
        let since = parse_when(&self.since, false)?;
        let until = parse_when(&self.until, true)?;
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(Filter {
            actor: some(&self.actor),
            action: some(&self.action),
            since_ms: since,
            until_ms: until,
            text: some(&self.q),
            limit: None,
        })
    }

    /// The same filter as a query string, for the CSV link.
    fn query_string(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("actor", &self.actor)
            .append_pair("action", &self.action)
            .append_pair("since", &self.since)
            .append_pair("until", &self.until)
            .append_pair("q", &self.q)
            .finish()
    }
}

/// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM` (UTC) to Unix ms; `end_of_day` moves a bare date to
/// the next midnight so that "until 2026-11-25" includes that day.
fn parse_when(s: &str, end_of_day: bool) -> Result<Option<i64>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || format!("{s:?} is not a date (YYYY-MM-DD, optionally THH:MM)");
    let (date, clock) = match s.split_once(['T', ' ']) {
        Some((d, c)) => (d, Some(c)),
        None => (s, None),
    };
    let mut parts = date.splitn(3, '-').map(str::parse::<i32>);
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let month = u8::try_from(m)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .ok_or_else(bad)?;
    let day = u8::try_from(d).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(y, month, day).map_err(|_| bad())?;
    let (hour, minute) = match clock {
        Some(c) => {
            let (h, mi) = c.split_once(':').ok_or_else(bad)?;
            (
                h.parse::<u8>().map_err(|_| bad())?,
                mi.get(..2).unwrap_or(mi).parse::<u8>().map_err(|_| bad())?,
            )
        }
        None => (0, 0),
    };
    let t = time::Time::from_hms(hour, minute, 0).map_err(|_| bad())?;
    let mut at = date.with_time(t).assume_utc();
    if end_of_day && clock.is_none() {
        at += time::Duration::days(1);
    }
    Ok(Some(at.unix_timestamp() * 1000))
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    form: FilterForm,
    rows: Vec<Row>,
    csv_href: String,
    error: Option<String>,
}

struct Row {
    time: String,
    r: Record,
}

pub(super) async fn page(
    State(auth): State<AuthState>,
    user: Operator,
    Query(form): Query<FilterForm>,
) -> Result<Response, WebError> {
    let (rows, error) = match form.to_filter() {
        Ok(filter) => {
            let rows = audit::query(auth.store.pool(), &filter)
                .await
                .map_err(|e| internal(&e))?;
            (rows, None)
        }
        Err(msg) => (Vec::new(), Some(msg)),
    };
    let page = AuditPage {
        chrome: Chrome::new(&user, "audit"),
        csv_href: format!("/audit.csv?{}", form.query_string()),
        form,
        rows: rows
            .into_iter()
            .map(|r| Row {
                time: format_ms(r.ts_ms, true),
                r,
            })
            .collect(),
        error,
    };
    Ok(render(&page))
}

pub(super) async fn csv(
    State(auth): State<AuthState>,
    _: Operator,
    Query(form): Query<FilterForm>,
) -> Result<Response, WebError> {
    let mut filter = form
        .to_filter()
        .map_err(|msg| WebError::bad_request(msg).page())?;
    filter.limit = Some(10_000);
    let rows = audit::query(auth.store.pool(), &filter)
        .await
        .map_err(|e| internal(&e))?;
    let body = audit::to_csv(&rows).map_err(|e| internal(&e))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"tradebot-audit.csv\""),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_as_utc() {
        assert_eq!(parse_when("", false), Ok(None));
        assert_eq!(parse_when("1970-01-02", false), Ok(Some(86_400_000)));
        assert_eq!(
            parse_when("1970-01-01", true),
            Ok(Some(86_400_000)),
            "whole day"
        );
        assert_eq!(parse_when("1970-01-01T01:30", true), Ok(Some(5_400_000)));
        assert!(parse_when("1970-13-01", false).is_err());
        assert!(parse_when("yesterday", false).is_err());
    }
}
