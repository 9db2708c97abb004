//! The fills (docs/DASHBOARD.md, "Fills"), for any signed-in viewer: `GET /fills` (the page),
//! `GET /api/fills` (JSON) and `GET /api/fills.csv` (CSV attachment). One filter for all three:
//! `wallet`, `market`, `bot` (exact names), `from` and `to` (UTC `YYYY-MM-DD`,
//! `YYYY-MM-DDTHH:MM[:SS]` or Unix milliseconds; `from` inclusive, `to` exclusive, a bare `to`
//! date includes its whole day), `limit` and `page` (1-based). Newest first. A value that does
//! not parse, `from` after `to`, or a limit out of range: 422 with the reason, nothing read.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::error::WebError;
use super::view::{render_status, Chrome};
use super::AppState;
use crate::auth::Viewer;
use crate::fills::{self, Fill, Filter};

/// Rows per page by default (page and JSON); at most [`MAX_LIMIT`].
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;
/// Rows of a CSV export by default and at most.
const CSV_LIMIT: i64 = 10_000;
/// Highest page number accepted.
const MAX_PAGE: i64 = 1_000_000;
/// Longest wallet, market or bot name accepted in a filter.
const MAX_NAME: usize = 64;

/// The filter as the query string gives it: empty means any (texts, so a bad value gets our
/// sentence rather than a parser's).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct FillsQuery {
    pub wallet: String,
    pub market: String,
    pub bot: String,
    pub from: String,
    pub to: String,
    pub limit: String,
    pub page: String,
}

impl FillsQuery {
    /// The checked filter; `max_limit` and `default_limit` depend on the answer's kind.
    /// Errors: a sentence for the operator.
    pub fn to_filter(&self, default_limit: i64, max_limit: i64) -> Result<(Filter, i64), String> {
        let name = |what: &str, s: &str| -> Result<Option<String>, String> {
            let s = s.trim();
            if s.chars().count() > MAX_NAME {
                return Err(format!(
                    "the {what} filter is longer than {MAX_NAME} characters"
                ));
            }
            Ok(Some(s.to_owned()).filter(|s| !s.is_empty()))
        };
        let from_ms = parse_when("from", &self.from, false)?;
        let to_ms = parse_when("to", &self.to, true)?;
        if let (Some(f), Some(t)) = (from_ms, to_ms) {
            if f > t {
                return Err(format!(
                    "from ({}) is after to ({}): nothing can match",
                    self.from.trim(),
                    self.to.trim()
                ));
            }
        }
        let limit = number("limit", &self.limit, default_limit, 1, max_limit)?;
        let page = number("page", &self.page, 1, 1, MAX_PAGE)?;
        let filter = Filter {
            wallet: name("wallet", &self.wallet)?,
            market: name("market", &self.market)?,
            bot_id: name("bot", &self.bot)?,
            from_ms,
            to_ms,
            limit,
            offset: (page - 1) * limit,
        };
        Ok((filter, page))
    }

    /// This filter on page `page`, as a query string.
    fn href(&self, path: &str, page: Option<i64>) -> String {
        let mut q = self.clone();
        q.page = page.map(|p| p.to_string()).unwrap_or_default();
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("wallet", &q.wallet),
            ("market", &q.market),
            ("bot", &q.bot),
            ("from", &q.from),
            ("to", &q.to),
            ("limit", &q.limit),
            ("page", &q.page),
        ] {
            if !v.trim().is_empty() {
                s.append_pair(k, v.trim());
            }
        }
        format!("{path}?{}", s.finish())
    }
}

/// `limit`/`page`: empty gives `default`; otherwise a whole number in `min..=max`.
fn number(what: &str, s: &str, default: i64, min: i64, max: i64) -> Result<i64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(default);
    }
    match s.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "{what} must be a whole number from {min} to {max}, not {s:?}"
        )),
    }
}

/// Unix ms, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]` (UTC) to Unix ms; `whole_day` moves a
/// bare date to the next midnight (so `to=2026-11-30` includes that day).
pub fn parse_when(what: &str, s: &str, whole_day: bool) -> Result<Option<i64>, String> {
    use time::macros::format_description;
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| format!("{what} {s:?} is too large for a time in milliseconds"));
    }
    let bad = || {
        format!(
            "{what} {s:?} is not a UTC time: use YYYY-MM-DD, YYYY-MM-DDTHH:MM or Unix milliseconds"
        )
    };
    let at = if let Ok(d) = time::Date::parse(s, format_description!("[year]-[month]-[day]")) {
        let day = d.midnight().assume_utc();
        if whole_day {
            day + time::Duration::days(1)
        } else {
            day
        }
    } else {
        let s = s.replacen(' ', "T", 1);
        time::PrimitiveDateTime::parse(
            &s,
            format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        )
        .or_else(|_| {
            time::PrimitiveDateTime::parse(
                &s,
                format_description!("[year]-[month]-[day]T[hour]:[minute]"),
            )
        })
        .map_err(|_| bad())?
        .assume_utc()
    };
    Ok(Some(at.unix_timestamp() * 1000))
}

/// Reads one page (one row more, to know whether another page follows).
async fn read(app: &AppState, mut filter: Filter) -> Result<(Vec<Fill>, bool), WebError> {
    let limit = filter.limit;
    filter.limit += 1;
    let mut rows = fills::query(app.store.pool(), &filter)
        .await
        .map_err(|e| WebError::internal(&e))?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((rows, more))
}

/// The JSON answer: `{fills: [Fill], page, limit, next_page: page + 1 | null}`.
#[derive(Debug, Serialize)]
pub struct FillsPage {
    pub fills: Vec<Fill>,
    pub page: i64,
    pub limit: i64,
    pub next_page: Option<i64>,
}

/// `GET /api/fills`.
pub async fn api(
    _: Viewer,
    State(app): State<Arc<AppState>>,
    Query(q): Query<FillsQuery>,
) -> Result<Json<FillsPage>, WebError> {
    let (filter, page) = q
        .to_filter(DEFAULT_LIMIT, MAX_LIMIT)
        .map_err(WebError::unprocessable)?;
    let limit = filter.limit;
    let (fills, more) = read(&app, filter).await?;
    Ok(Json(FillsPage {
        fills,
        page,
        limit,
        next_page: more.then_some(page + 1),
    }))
}

/// `GET /api/fills.csv`: the filter's rows (at most [`CSV_LIMIT`]) as an attachment.
pub async fn csv(
    _: Viewer,
    State(app): State<Arc<AppState>>,
    Query(q): Query<FillsQuery>,
) -> Result<Response, WebError> {
    let (filter, _) = q
        .to_filter(CSV_LIMIT, CSV_LIMIT)
        .map_err(WebError::unprocessable)?;
    let rows = fills::query(app.store.pool(), &filter)
        .await
        .map_err(|e| WebError::internal(&e))?;
    let body = fills::csv::to_csv(&rows).map_err(|e| WebError::internal(&e))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"tradebot-fills.csv\""),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "fills.html")]
struct Page {
    chrome: Chrome,
    q: FillsQuery,
    rows: Vec<Row>,
    error: Option<String>,
    page: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
    csv_href: String,
}

struct Row {
    time: String,
    notional: String,
    f: Fill,
}

/// `GET /fills`: the filter form, one page of fills, links to the next page and the CSV. A bad
/// filter: the form again with the reason, status 422.
pub async fn page(
    user: Viewer,
    State(app): State<Arc<AppState>>,
    Query(q): Query<FillsQuery>,
) -> Result<Response, WebError> {
    let mut out = Page {
        chrome: Chrome::new(&user, "fills"),
        csv_href: q.href("/api/fills.csv", None),
        q,
        rows: Vec::new(),
        error: None,
        page: 1,
        prev_href: None,
        next_href: None,
    };
    let (filter, page) = match out.q.to_filter(DEFAULT_LIMIT, MAX_LIMIT) {
        Ok(f) => f,
        Err(msg) => {
            out.error = Some(msg);
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &out));
        }
    };
    let (rows, more) = read(&app, filter).await.map_err(|e| e.page_for(&user))?;
    out.page = page;
    out.prev_href = (page > 1).then(|| out.q.href("/fills", Some(page - 1)));
    out.next_href = more.then(|| out.q.href("/fills", Some(page + 1)));
    out.rows = rows
        .into_iter()
        .map(|f| Row {
            time: crate::clock::format_ms(f.ts_ms, true),
            notional: f
                .notional()
                .map(|n| n.normalize().to_string())
                .unwrap_or_default(),
            f,
        })
        .collect();
    Ok(render_status(StatusCode::OK, &out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> FillsQuery {
        let mut q = FillsQuery::default();
        for (k, v) in pairs {
            let v = (*v).to_owned();
            match *k {
                "from" => q.from = v,
                "to" => q.to = v,
                "limit" => q.limit = v,
                "page" => q.page = v,
                "wallet" => q.wallet = v,
                _ => unreachable!(),
            }
        }
        q
    }

    #[test]
    fn times_parse_as_utc_dates_or_milliseconds() {
        assert_eq!(parse_when("from", "", false), Ok(None));
        assert_eq!(
            parse_when("from", "1970-01-02", false),
            Ok(Some(86_400_000))
        );
        assert_eq!(parse_when("to", "1970-01-01", true), Ok(Some(86_400_000)));
        assert_eq!(
            parse_when("to", "1970-01-01T01:30", true),
            Ok(Some(5_400_000))
        );
        assert_eq!(
            parse_when("to", "1970-01-01 00:00:07", true),
            Ok(Some(7_000))
        );
        assert_eq!(
            parse_when("from", "1764460800123", false),
            Ok(Some(1_764_460_800_123))
        );
        let e = parse_when("from", "30/11/2026", false).unwrap_err();
        assert!(e.contains("is not a UTC time"), "{e}");
        assert!(parse_when("from", "2026-13-01", false).is_err());
        assert!(parse_when("from", "99999999999999999999", false).is_err());
    }

    #[test]
    fn bad_filters_are_refused_with_a_sentence_and_limits_are_pinned() {
        let ok = |p: &[(&str, &str)]| q(p).to_filter(DEFAULT_LIMIT, MAX_LIMIT);
        let (f, page) = ok(&[]).unwrap();
        assert_eq!((f.limit, f.offset, page), (100, 0, 1));
        assert_eq!(ok(&[("limit", "1")]).unwrap().0.limit, 1);
        assert_eq!(ok(&[("limit", "1000")]).unwrap().0.limit, 1000);
        for bad in ["0", "1001", "-5", "ten", "1.5"] {
            let e = ok(&[("limit", bad)]).unwrap_err();
            assert!(
                e.contains("limit must be a whole number from 1 to 1000"),
                "{e}"
            );
        }
        let (f, page) = ok(&[("limit", "20"), ("page", "3")]).unwrap();
        assert_eq!((f.offset, page), (40, 3));
        assert!(ok(&[("page", "0")]).is_err());
        // from = to is a valid (empty) window; from one millisecond after to is refused.
        assert!(ok(&[("from", "1000"), ("to", "1000")]).is_ok());
        let e = ok(&[("from", "1001"), ("to", "1000")]).unwrap_err();
        assert!(e.contains("is after to"), "{e}");
        // A bare `to` date includes its day: from the same day is fine.
        let (f, _) = ok(&[("from", "2026-11-30"), ("to", "2026-11-30")]).unwrap();
        assert_eq!(f.to_ms.unwrap() - f.from_ms.unwrap(), 86_400_000);
        assert!(ok(&[("wallet", &"w".repeat(65))]).is_err());
        assert_eq!(
            ok(&[("wallet", " w1 ")]).unwrap().0.wallet.as_deref(),
            Some("w1")
        );
    }
}
