//! The collector's one error type and its JSON wire shape.
//!
//! Every failure an HTTP client can see is an [`ApiError`]: a stable machine-readable [`ErrorCode`] plus a
//! human-readable message. It renders as `{"error":{"code":"...","message":"..."}}` with the status code
//! that belongs to the code. Codes are part of the public contract: add new ones, never rename old ones.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Stable error codes, as sent in `error.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// 400: the body is not valid JSON; the message carries serde_json's line and column.
    InvalidJson,
    /// 400: the body is JSON but not a batch (not an object, `batch` missing, not an array, or empty).
    InvalidBatch,
    /// 400: one event of the batch is invalid; the message names its index and field.
    InvalidEvent,
    /// 400: the batch holds more than [`crate::ingest::MAX_BATCH_EVENTS`] events.
    BatchTooLarge,
    /// 400: a query parameter of a read endpoint is malformed.
    InvalidQuery,
    /// 401: the collector requires a write key and the request carried none, or an unknown one.
    Unauthorized,
    /// 404: no route or static file at this path.
    NotFound,
    /// 405: the route exists but not for this method.
    MethodNotAllowed,
    /// 413: the body is larger than [`crate::ingest::MAX_BODY_BYTES`].
    PayloadTooLarge,
    /// 500: the database could not be read or written.
    StorageFailed,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidBatch => "invalid_batch",
            ErrorCode::InvalidEvent => "invalid_event",
            ErrorCode::BatchTooLarge => "batch_too_large",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::StorageFailed => "storage_failed",
        }
    }

    /// The HTTP status that goes with the code.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidJson
            | ErrorCode::InvalidBatch
            | ErrorCode::InvalidEvent
            | ErrorCode::BatchTooLarge
            | ErrorCode::InvalidQuery => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::StorageFailed => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error reported to the HTTP client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// What kind of failure this is.
    pub code: ErrorCode,
    /// What exactly went wrong, for humans.
    pub message: String,
}

impl ApiError {
    /// Builds an error from a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into() }
    }

    /// A storage failure; the cause is logged to stderr and summarised for the client.
    pub fn storage(cause: impl std::fmt::Display) -> Self {
        eprintln!("collector: storage error: {cause}");
        ApiError::new(ErrorCode::StorageFailed, format!("storage failed: {cause}"))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code.as_str(), "message": self.message } });
        (self.code.status(), Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_statuses() {
        assert_eq!(ErrorCode::InvalidEvent.status(), StatusCode::BAD_REQUEST);
        assert_eq!(ErrorCode::PayloadTooLarge.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(ErrorCode::StorageFailed.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(ErrorCode::BatchTooLarge.as_str(), "batch_too_large");
    }
}
