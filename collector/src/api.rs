//! HTTP routes: ingest in three formats, the read API, health, static files and CORS.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::handler::HandlerWithoutStateExt;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

use crate::clock;
use crate::config::{Config, ExportFormat};
use crate::error::{ApiError, ErrorCode};
use crate::experiments::{Question, DEFAULT_GOAL};
use crate::ingest::{parse_native, parse_segment, Ingest, MAX_BODY_BYTES};
use crate::insights::Range;
use crate::snowplow::parse_tp2;
use crate::store::{EventFilter, Store};

/// What every handler shares.
pub struct App {
    /// The database.
    pub store: Arc<Store>,
    /// Write keys accepted on ingest; empty when none is required.
    pub write_keys: Vec<String>,
    /// The recommendations model file `collector model` writes (next to the database).
    pub model: std::path::PathBuf,
    /// Secret keys for server-side events and the read endpoints; empty: none (development).
    pub secret_keys: Vec<String>,
}

type Shared = State<Arc<App>>;

/// Default `limit` of `GET /v1/events`.
pub const DEFAULT_LIMIT: u32 = 100;
/// Largest `limit` of `GET /v1/events`; larger values are clamped.
pub const MAX_LIMIT: u32 = 1000;

/// Builds the whole application: API routes, `/dist/` and `/` static directories, and CORS.
pub fn router(store: Arc<Store>, config: &Config) -> Result<Router, String> {
    let not_found = not_found.into_service();
    let model = config.db.with_file_name(crate::config::MODEL_FILE);
    let state = Arc::new(App {
        store,
        write_keys: config.write_keys.clone(),
        model,
        secret_keys: config.secret_keys.clone(),
    });
    let mut app = Router::new()
        .route("/v1/batch", post(segment))
        .route("/v1/events", get(events).post(native))
        .route("/com.snowplowanalytics.snowplow/tp2", post(snowplow))
        .route("/health", get(health))
        .route("/v1/model", get(recs_model))
        .route("/v1/insights", get(insights))
        .route("/v1/experiments", get(experiment_results))
        .route("/v1/profile/{user_id}", get(profile))
        .route("/v1/export", get(export))
        .route("/dashboard", get(|| async { axum::response::Redirect::permanent("/dashboard/") }))
        .route("/dashboard/", get(|| dashboard_file(DASHBOARD_HTML, "text/html; charset=utf-8")))
        .route("/dashboard/index.html", get(|| dashboard_file(DASHBOARD_HTML, "text/html; charset=utf-8")))
        .route(
            "/dashboard/dashboard.js",
            get(|| dashboard_file(DASHBOARD_JS, "text/javascript; charset=utf-8")),
        )
        .route("/dashboard/dashboard.css", get(|| dashboard_file(DASHBOARD_CSS, "text/css; charset=utf-8")))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
        .nest_service("/dist", ServeDir::new(&config.dist).not_found_service(not_found.clone()))
        .fallback_service(ServeDir::new(&config.www).not_found_service(not_found))
        .layer(middleware::from_fn(script_content_types));
    if let Some(cors) = cors_layer(&config.cors_origins)? {
        app = app.layer(cors);
    }
    Ok(app)
}

/// CORS for the configured origins (`*`: any origin, echoed back); `None` when there are none.
fn cors_layer(origins: &[String]) -> Result<Option<CorsLayer>, String> {
    if origins.is_empty() {
        return Ok(None);
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::mirror_request()
    } else {
        let values = origins
            .iter()
            .map(|o| HeaderValue::from_str(o).map_err(|_| format!("invalid CORS origin {o:?}")))
            .collect::<Result<Vec<_>, _>>()?;
        AllowOrigin::list(values)
    };
    Ok(Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::POST, Method::GET, Method::OPTIONS])
            .allow_headers([CONTENT_TYPE, AUTHORIZATION])
            // The SDK honours Retry-After; a cross-origin page can only read it when exposed.
            .expose_headers([RETRY_AFTER])
            // No credentials: the SDK sends none cross-origin (`credentials: "same-origin"`), and the
            // read endpoint must not be readable with a visitor's cookies from other sites.
            .max_age(Duration::from_secs(24 * 60 * 60)),
    ))
}

/// `POST /v1/batch`: a Segment batch.
/// With `Authorization: Bearer SECRET` on a collector that has secret keys, the batch comes from
/// the shop's own systems (see [`crate::ingest::ValidEvent::into_server`]). A collector without
/// secret keys ignores a bearer token (a proxy may add its own), as it always did.
async fn segment(State(app): Shared, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Reply {
    if !app.secret_keys.is_empty() && bearer(&headers).is_some() {
        return ingest_server(app, &headers, body).await;
    }
    ingest(app, &headers, body, parse_segment).await
}

/// The token of an `Authorization: Bearer` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let scheme = value.get(..7).filter(|s| s.eq_ignore_ascii_case("bearer "))?;
    value.get(scheme.len()..).map(str::trim)
}

/// Passes when the request carries one of the secret keys, or the collector has none
/// (development: its read endpoints are open).
fn check_secret(app: &App, headers: &HeaderMap) -> Result<(), ApiError> {
    if app.secret_keys.is_empty() {
        return Ok(());
    }
    match bearer(headers) {
        Some(key) if app.secret_keys.iter().any(|k| constant_time_eq(k.as_bytes(), key.as_bytes())) => Ok(()),
        Some(_) => Err(ApiError::new(ErrorCode::Unauthorized, "unknown secret key")),
        None => Err(ApiError::new(
            ErrorCode::Unauthorized,
            "this endpoint needs Authorization: Bearer SECRET_KEY",
        )),
    }
}

/// Compares two keys in time that depends only on their lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// `POST /v1/batch` with a secret key: server-side events (their own timestamps, `userId`).
async fn ingest_server(app: Arc<App>, headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Reply {
    check_secret(&app, headers)?;
    let body = read_body(body)?;
    let (received, outcome) = blocking(move || {
        let ingest = parse_segment(&body)?;
        let now = now_ms();
        let events = ingest
            .events
            .into_iter()
            .enumerate()
            .map(|(i, event)| event.into_server(i, now))
            .collect::<Result<Vec<_>, _>>()?;
        let outcome = app.store.insert_batch_reporting(&events, 0, now).map_err(ApiError::storage)?;
        Ok((events.len(), outcome))
    })
    .await?;
    Ok(Json(
        json!({"ok": true, "received": received, "stored": outcome.stored, "duplicates": outcome.duplicates}),
    ))
}

/// The body, or `payload_too_large` / `invalid_batch`.
fn read_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(ErrorCode::PayloadTooLarge, format!("body is larger than {MAX_BODY_BYTES} bytes"))
        } else {
            ApiError::new(ErrorCode::InvalidBatch, format!("could not read the body: {rejection}"))
        }
    })
}

/// `POST /v1/events`: persona's native batch.
async fn native(State(app): Shared, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Reply {
    ingest(app, &headers, body, parse_native).await
}

/// `POST /com.snowplowanalytics.snowplow/tp2`: Snowplow's tracker protocol.
async fn snowplow(State(app): Shared, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Reply {
    ingest(app, &headers, body, parse_tp2).await
}

type Reply = Result<Json<Value>, ApiError>;

/// Validates the whole body with `parse`, checks the write key, then stores the events in one
/// transaction (each `messageId` once).
async fn ingest(
    app: Arc<App>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    parse: fn(&[u8]) -> Result<Ingest, ApiError>,
) -> Reply {
    let body = read_body(body)?;
    // Without write keys the collector ignores Authorization (a proxy may add its own).
    let header_key = if app.write_keys.is_empty() { None } else { basic_user(headers)? };
    let (received, outcome) = blocking(move || {
        let ingest = parse(&body)?;
        check_write_key(&app.write_keys, header_key.as_deref().or(ingest.write_key.as_deref()))?;
        let outcome = app
            .store
            .insert_batch_reporting(&ingest.events, ingest.dropped, now_ms())
            .map_err(ApiError::storage)?;
        Ok((ingest.events.len(), outcome))
    })
    .await?;
    Ok(Json(json!({
        "ok": true,
        "received": received,
        "stored": outcome.stored,
        "duplicates": outcome.duplicates,
    })))
}

/// The user name of an `Authorization: Basic` header (the write key), if there is one.
fn basic_user(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(AUTHORIZATION) else { return Ok(None) };
    let unauthorized =
        || ApiError::new(ErrorCode::Unauthorized, "Authorization must be Basic base64(writeKey + \":\")");
    let value = value.to_str().map_err(|_| unauthorized())?;
    let scheme = value.get(..6).filter(|s| s.eq_ignore_ascii_case("basic ")).ok_or_else(unauthorized)?;
    let encoded = value.get(scheme.len()..).unwrap_or_default();
    let decoded = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, encoded.trim())
        .map_err(|_| unauthorized())?;
    let decoded = String::from_utf8(decoded).map_err(|_| unauthorized())?;
    let user = decoded.split(':').next().unwrap_or_default();
    Ok(Some(user.to_owned()))
}

/// Passes when no key is required, or `given` is one of `keys`.
fn check_write_key(keys: &[String], given: Option<&str>) -> Result<(), ApiError> {
    if keys.is_empty() {
        return Ok(());
    }
    match given {
        None | Some("") => Err(ApiError::new(
            ErrorCode::Unauthorized,
            "this collector requires a write key: send writeKey in the body or Authorization: Basic base64(key + \":\")",
        )),
        Some(key) if keys.iter().any(|k| k == key) => Ok(()),
        Some(_) => Err(ApiError::new(ErrorCode::Unauthorized, "unknown write key")),
    }
}

/// Query parameters of `GET /v1/events`; numbers are parsed by hand for clear error messages.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventsQuery {
    anonymous_id: Option<String>,
    user_id: Option<String>,
    event: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    since: Option<String>,
    limit: Option<String>,
}

impl EventsQuery {
    fn into_filter(self) -> Result<EventFilter, ApiError> {
        let present = |v: Option<String>| v.filter(|s| !s.is_empty());
        let number = |name: &str, v: Option<String>| -> Result<Option<i64>, ApiError> {
            present(v)
                .map(|s| {
                    s.parse::<i64>().map_err(|_| {
                        ApiError::new(
                            ErrorCode::InvalidQuery,
                            format!("{name} must be an integer, got {s:?}"),
                        )
                    })
                })
                .transpose()
        };
        let since = number("since", self.since)?;
        let limit = match number("limit", self.limit)? {
            None => DEFAULT_LIMIT,
            Some(n) if n < 0 => {
                return Err(ApiError::new(ErrorCode::InvalidQuery, "limit must not be negative"));
            }
            Some(n) => n.min(i64::from(MAX_LIMIT)) as u32,
        };
        Ok(EventFilter {
            anonymous_id: present(self.anonymous_id),
            user_id: present(self.user_id),
            event: present(self.event),
            kind: present(self.kind),
            since,
            limit,
        })
    }
}

/// `GET /v1/events`: stored events matching the query, in received order.
async fn events(
    State(app): Shared,
    headers: HeaderMap,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    check_secret(&app, &headers)?;
    let Query(query) = query.map_err(|e| ApiError::new(ErrorCode::InvalidQuery, e.body_text()))?;
    let filter = query.into_filter()?;
    let events = blocking(move || app.store.query(&filter).map_err(ApiError::storage)).await?;
    Ok(Json(json!({ "events": events })))
}

/// `GET /health`: liveness plus the number of stored events.
async fn health(State(app): Shared) -> Result<Json<Value>, ApiError> {
    let store = Arc::clone(&app.store);
    let (count, dropped) = blocking(move || {
        let count = store.count().map_err(ApiError::storage)?;
        Ok((count, store.dropped_total().map_err(ApiError::storage)?))
    })
    .await?;
    Ok(Json(json!({ "ok": true, "events": count, "dropped": dropped })))
}

/// `GET /v1/model`: the latest recommendations model, as `collector model` wrote it.
async fn recs_model(State(app): Shared) -> Result<Response, ApiError> {
    let path = app.model.clone();
    let body = blocking(move || {
        std::fs::read(&path).map_err(|_| {
            ApiError::new(ErrorCode::NotFound, "no recommendations model yet: run collector model")
        })
    })
    .await?;
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}

/// Query parameters of the dashboard's endpoints.
#[derive(Debug, Default, Deserialize)]
struct RangeQuery {
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
pub const MAX_RANGE_DAYS: i64 = 732;

impl RangeQuery {
    /// Days `from..=to` (default: the 30 days ending today, UTC) and the channel.
    fn range(&self) -> Result<Range, ApiError> {
        let invalid = |message: String| ApiError::new(ErrorCode::InvalidQuery, message);
        let day = |name: &str, value: &Option<String>| -> Result<Option<i64>, ApiError> {
            match value.as_deref().filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => clock::parse_day(v)
                    .map(Some)
                    .ok_or_else(|| invalid(format!("{name} must be a date YYYY-MM-DD, got {v:?}"))),
            }
        };
        let to = day("to", &self.to)?.unwrap_or_else(|| clock::day_of(now_ms()));
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
async fn insights(
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
async fn experiment_results(
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
async fn profile(
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
async fn export(
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
    let day = |name: &str, value: &Option<String>| -> Result<Option<i64>, ApiError> {
        match value.as_deref().filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => clock::parse_day(v).map(Some).ok_or_else(|| {
                ApiError::new(ErrorCode::InvalidQuery, format!("{name} must be a date YYYY-MM-DD, got {v:?}"))
            }),
        }
    };
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
const DASHBOARD_HTML: &str = include_str!("../dashboard/index.html");
/// The dashboard's script.
const DASHBOARD_JS: &str = include_str!("../dashboard/dashboard.js");
/// The dashboard's styles.
const DASHBOARD_CSS: &str = include_str!("../dashboard/dashboard.css");
/// What the dashboard may load and run: its own files and the collector's API, nothing else, and
/// it may not be framed (it shows what visitors typed).
const DASHBOARD_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// One of the dashboard's files, with its type and a policy that keeps visitor-typed text inert.
async fn dashboard_file(body: &'static str, content_type: &'static str) -> Response {
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

/// JSON 404 for paths that are neither routes nor files.
async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("nothing at {}", uri.path()))
}

/// JSON 405 for a known route called with the wrong method (axum adds the `Allow` header).
async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(ErrorCode::MethodNotAllowed, format!("{method} is not allowed on {}", uri.path()))
}

/// Serves scripts and wasm with the types browsers require, whatever the MIME table says.
async fn script_content_types(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let forced = if path.ends_with(".wasm") {
        Some("application/wasm")
    } else if path.ends_with(".js") || path.ends_with(".mjs") {
        Some("text/javascript; charset=utf-8")
    } else {
        None
    };
    let mut response = next.run(request).await;
    if let Some(content_type) = forced {
        if response.status().is_success() {
            response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
    }
    response
}

/// Runs database work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.map_err(ApiError::storage)?
}

/// Now, in milliseconds since the Unix epoch.
fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(since: Option<&str>, limit: Option<&str>) -> Result<EventFilter, ApiError> {
        EventsQuery { since: since.map(Into::into), limit: limit.map(Into::into), ..Default::default() }
            .into_filter()
    }

    #[test]
    fn limit_defaults_and_clamps() {
        assert_eq!(query(None, None).unwrap().limit, DEFAULT_LIMIT);
        assert_eq!(query(None, Some("5000")).unwrap().limit, MAX_LIMIT);
        assert_eq!(query(None, Some("0")).unwrap().limit, 0);
        assert_eq!(query(Some("12"), Some("")).unwrap().since, Some(12));
    }

    #[test]
    fn bad_numbers_are_invalid_query() {
        assert_eq!(query(None, Some("ten")).unwrap_err().code, ErrorCode::InvalidQuery);
        assert_eq!(query(None, Some("-1")).unwrap_err().code, ErrorCode::InvalidQuery);
        assert_eq!(query(Some("yesterday"), None).unwrap_err().code, ErrorCode::InvalidQuery);
    }

    #[test]
    fn write_keys_from_header_or_body() {
        let keys = vec!["k1".to_owned(), "k2".to_owned()];
        assert!(check_write_key(&[], None).is_ok(), "no key required");
        assert!(check_write_key(&keys, Some("k2")).is_ok());
        assert_eq!(check_write_key(&keys, None).unwrap_err().code, ErrorCode::Unauthorized);
        assert_eq!(check_write_key(&keys, Some("k3")).unwrap_err().message, "unknown write key");
        let mut headers = HeaderMap::new();
        assert_eq!(basic_user(&headers).unwrap(), None);
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic azE6")); // "k1:"
        assert_eq!(basic_user(&headers).unwrap().as_deref(), Some("k1"));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("basic azE6"));
        assert_eq!(basic_user(&headers).unwrap().as_deref(), Some("k1"), "the scheme is case-insensitive");
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer k1"));
        assert_eq!(basic_user(&headers).unwrap_err().code, ErrorCode::Unauthorized);
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        assert_eq!(basic_user(&headers).unwrap_err().code, ErrorCode::Unauthorized);
    }

    #[test]
    fn cors_layer_only_when_configured() {
        assert!(cors_layer(&[]).unwrap().is_none());
        assert!(cors_layer(&["*".to_owned()]).unwrap().is_some());
        assert!(cors_layer(&["http://a.test".to_owned()]).unwrap().is_some());
    }
}
