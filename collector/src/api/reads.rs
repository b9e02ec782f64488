//! The read endpoints of the dashboard and of operations: `GET /v1/insights`,
//! `GET /v1/experiments`, `GET /v1/profile/{user_id}`, `GET /v1/export`, and the dashboard's own
//! files. Each needs a secret key once the collector has one, and reads on the store's reader
//! connection, so ingest never waits for it.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use super::{blocking, check_secret, App, Shared};
use crate::clock;
use crate::config::ExportFormat;
use crate::error::{ApiError, ErrorCode};
use crate::experiments::{Question, DEFAULT_GOAL};
use crate::insights::Range;

/// A date parameter, `YYYY-MM-DD`; `None` when absent or empty.
fn day(name: &str, value: &Option<String>) -> Result<Option<i64>, ApiError> {
    match value.as_deref().filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => clock::parse_day(v).map(Some).ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidQuery, format!("{name} must be a date YYYY-MM-DD, got {v:?}"))
        }),
    }
}

/// Query parameters of the dashboard's endpoints.
#[derive(Debug, Default, Deserialize)]
pub(super) struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
    channel: Option<String>,
    goal: Option<String>,
    weights: Option<String>,
    format: Option<String>,
    after: Option<String>,
    limit: Option<String>,
}

/// Longest range the dashboard's endpoints take, in days.
pub(super) const MAX_RANGE_DAYS: i64 = 732;

impl RangeQuery {
    /// Days `from..=to` (default: the 30 days ending today, UTC) and the channel.
    fn range(&self) -> Result<Range, ApiError> {
        let invalid = |message: String| ApiError::new(ErrorCode::InvalidQuery, message);
        let to = day("to", &self.to)?.unwrap_or_else(|| clock::day_of(clock::now_ms()));
        let from = day("from", &self.from)?.unwrap_or(to - 29);
        if from > to {
            return Err(invalid("from must not be after to".to_owned()));
        }
        if to - from >= MAX_RANGE_DAYS {
            return Err(invalid(format!("a range holds at most {MAX_RANGE_DAYS} days")));
        }
        let channel = self.channel.clone().filter(|c| !c.is_empty());
        Ok(Range { from, to, channel })
    }

    /// A whole number parameter in `range`, or `default`.
    fn number(
        name: &str,
        value: &Option<String>,
        default: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<i64, ApiError> {
        match value.as_deref().filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v.parse().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidQuery,
                    format!(
                        "{name} must be a whole number from {} to {}, got {v:?}",
                        range.start(),
                        range.end()
                    ),
                )
            }),
        }
    }
}

/// Reads the query string of a dashboard endpoint and checks the secret key.
fn dashboard_query(
    app: &App,
    headers: &HeaderMap,
    query: Result<Query<RangeQuery>, QueryRejection>,
) -> Result<RangeQuery, ApiError> {
    check_secret(app, headers)?;
    let Query(query) = query.map_err(|e| ApiError::new(ErrorCode::InvalidQuery, e.body_text()))?;
    Ok(query)
}

/// `GET /v1/insights`: the dashboard's numbers for a range of days and a channel.
pub(super) async fn insights(
    State(app): Shared,
    headers: HeaderMap,
    query: Result<Query<RangeQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let range = dashboard_query(&app, &headers, query)?.range()?;
    let body =
        blocking(move || crate::insights::overview(&app.store.reader(), &range).map_err(ApiError::storage))
            .await?;
    Ok(Json(body))
}

/// `GET /v1/experiments`: results per experiment for a goal event.
pub(super) async fn experiment_results(
    State(app): Shared,
    headers: HeaderMap,
    query: Result<Query<RangeQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let query = dashboard_query(&app, &headers, query)?;
    let range = query.range()?;
    let weights = match query.weights.as_deref().filter(|w| !w.is_empty()) {
        None => None,
        Some(text) => Some(
            text.split(',')
                .map(|w| w.trim().parse::<f64>().ok().filter(|w| w.is_finite() && *w > 0.0))
                .collect::<Option<Vec<f64>>>()
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::InvalidQuery,
                        "weights must be positive numbers separated by commas",
                    )
                })?,
        ),
    };
    let question = Question {
        goal: query.goal.filter(|g| !g.is_empty()).unwrap_or_else(|| DEFAULT_GOAL.to_owned()),
        from_ms: range.from * clock::DAY_MS,
        until_ms: (range.to + 1) * clock::DAY_MS,
        weights,
    };
    let (from, to) = (clock::day_text(range.from), clock::day_text(range.to));
    let mut body = blocking(move || {
        crate::experiments::results(&app.store.reader(), &question).map_err(ApiError::storage)
    })
    .await?;
    body["from"] = from.into();
    body["to"] = to.into();
    Ok(Json(body))
}

/// `GET /v1/profile/{user_id}`: what the shop's systems sent about a customer, for `p.profile.import`.
pub(super) async fn profile(
    State(app): Shared,
    headers: HeaderMap,
    Path(user_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    check_secret(&app, &headers)?;
    let found =
        blocking(move || crate::profile::for_user(&app.store.reader(), &user_id).map_err(ApiError::storage))
            .await?;
    found.map(Json).ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no event names this user id"))
}

/// `GET /v1/export`: a page of events as JSON lines or CSV; `X-Next-After` names where the next
/// page starts when this one is full.
pub(super) async fn export(
    State(app): Shared,
    headers: HeaderMap,
    query: Result<Query<RangeQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = dashboard_query(&app, &headers, query)?;
    let (format, content_type) = match query.format.as_deref() {
        None | Some("" | "jsonl") => (ExportFormat::Jsonl, "application/x-ndjson"),
        Some("csv") => (ExportFormat::Csv, "text/csv; charset=utf-8"),
        Some(other) => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                format!("format must be jsonl or csv, got {other:?}"),
            ))
        }
    };
    // Unlike the dashboard's, an export's range is open at either end and as long as needed.
    let (from, to) = (day("from", &query.from)?, day("to", &query.to)?);
    let page = crate::export::Page {
        from_ms: from.map_or(i64::MIN, |d| d * clock::DAY_MS),
        until_ms: to.map_or(i64::MAX, |d| (d + 1) * clock::DAY_MS),
        after: RangeQuery::number("after", &query.after, 0, 0..=i64::MAX)?,
        limit: RangeQuery::number(
            "limit",
            &query.limit,
            i64::from(crate::export::PAGE),
            1..=i64::from(crate::export::PAGE),
        )? as u32,
    };
    let header = page.after == 0;
    let (body, count, last) = blocking(move || {
        let mut body = Vec::new();
        let (count, last) = crate::export::write_page(&app.store.reader(), &page, format, header, &mut body)
            .map_err(|e| ApiError::new(ErrorCode::StorageFailed, e))?;
        Ok((body, count, last))
    })
    .await?;
    let mut response = ([(CONTENT_TYPE, content_type)], body).into_response();
    if count == page.limit {
        if let Ok(value) = HeaderValue::from_str(&last.to_string()) {
            response.headers_mut().insert("x-next-after", value);
        }
    }
    Ok(response)
}

/// The dashboard's page, built into the binary (`collector/dashboard/`).
pub(super) const DASHBOARD_HTML: &str = include_str!("../../dashboard/index.html");
/// The dashboard's script.
pub(super) const DASHBOARD_JS: &str = include_str!("../../dashboard/dashboard.js");
/// The dashboard's styles.
pub(super) const DASHBOARD_CSS: &str = include_str!("../../dashboard/dashboard.css");
/// What the dashboard may load and run: its own files and the collector's API, nothing else, and
/// it may not be framed (it shows what visitors typed).
pub(super) const DASHBOARD_CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// One of the dashboard's files, with its type and a policy that keeps visitor-typed text inert.
pub(super) async fn dashboard_file(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, content_type),
            (axum::http::header::CONTENT_SECURITY_POLICY, DASHBOARD_CSP),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}
