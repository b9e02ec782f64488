//! HTTP routes: ingest in three formats, the read API, health, static files and CORS.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, Request, State};
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
use crate::config::Config;
use crate::error::{ApiError, ErrorCode};
use crate::ingest::{parse_native, parse_segment, Ingest, MAX_BODY_BYTES};
use crate::snowplow::parse_tp2;
use crate::store::{EventFilter, Store};

mod reads;

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
        .route("/v1/insights", get(reads::insights))
        .route("/v1/experiments", get(reads::experiment_results))
        .route("/v1/profile/{user_id}", get(reads::profile))
        .route("/v1/export", get(reads::export))
        .route("/dashboard", get(|| async { axum::response::Redirect::permanent("/dashboard/") }))
        .route(
            "/dashboard/",
            get(|| reads::dashboard_file(reads::DASHBOARD_HTML, "text/html; charset=utf-8")),
        )
        .route(
            "/dashboard/index.html",
            get(|| reads::dashboard_file(reads::DASHBOARD_HTML, "text/html; charset=utf-8")),
        )
        .route(
            "/dashboard/dashboard.js",
            get(|| reads::dashboard_file(reads::DASHBOARD_JS, "text/javascript; charset=utf-8")),
        )
        .route(
            "/dashboard/dashboard.css",
            get(|| reads::dashboard_file(reads::DASHBOARD_CSS, "text/css; charset=utf-8")),
        )
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
    let server = !app.secret_keys.is_empty() && bearer(&headers).is_some();
    ingest(app, &headers, body, parse_segment, server).await
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
    ingest(app, &headers, body, parse_native, false).await
}

/// `POST /com.snowplowanalytics.snowplow/tp2`: Snowplow's tracker protocol.
async fn snowplow(State(app): Shared, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Reply {
    ingest(app, &headers, body, parse_tp2, false).await
}

type Reply = Result<Json<Value>, ApiError>;

/// Validates the whole body with `parse`, checks the write key (or, for a `server` batch, the
/// secret key), then stores the events in one transaction (each `messageId` once).
async fn ingest(
    app: Arc<App>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    parse: fn(&[u8]) -> Result<Ingest, ApiError>,
    server: bool,
) -> Reply {
    if server {
        check_secret(&app, headers)?;
    }
    let body = read_body(body)?;
    // Without write keys the collector ignores Authorization (a proxy may add its own).
    let header_key = if server || app.write_keys.is_empty() { None } else { basic_user(headers)? };
    let (received, outcome) = blocking(move || {
        let ingest = parse(&body)?;
        let now = clock::now_ms();
        let events = if server {
            let events = ingest.events.into_iter().enumerate();
            events.map(|(i, event)| event.into_server(i, now)).collect::<Result<Vec<_>, _>>()?
        } else {
            check_write_key(&app.write_keys, header_key.as_deref().or(ingest.write_key.as_deref()))?;
            ingest.events
        };
        let outcome =
            app.store.insert_batch_reporting(&events, ingest.dropped, now).map_err(ApiError::storage)?;
        Ok((events.len(), outcome))
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
