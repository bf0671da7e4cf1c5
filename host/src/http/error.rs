//! The one error shape of the API: `{"error": CODE, "description": "...", "details": {...}}`,
//! with a status that says whose fault it is, and a description a person can act on.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::StoreError;

/// Why a request failed.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub description: String,
    pub details: BTreeMap<String, Vec<String>>,
    /// Seconds, for a `Retry-After` header (503).
    pub retry_after: Option<u32>,
}

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Machine-readable: `invalid`, `not_found`, `conflict`, `malformed_json`, `unauthorized`, ...
    pub error: String,
    /// What went wrong and how to fix it.
    pub description: String,
    /// Reasons by attribute, for `invalid`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, Vec<String>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, description: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            description: description.into(),
            details: BTreeMap::new(),
            retry_after: None,
        }
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    pub fn bad_request(description: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", description)
    }

    /// 422 with one reason for one attribute.
    pub fn invalid(key: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        let mut error = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("{key}: {reason}"),
        );
        error.details.insert(key.to_string(), vec![reason]);
        error
    }

    pub fn unauthorized(description: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", description)
    }

    pub fn forbidden(description: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", description)
    }

    /// The error for a response status that carries no body of ours (timeouts, 405, 404 of an
    /// unknown route).
    pub fn for_status(status: StatusCode) -> Self {
        let (code, description) = match status {
            StatusCode::NOT_FOUND => (
                "not_found",
                "no such endpoint; see /api/v2/openapi.json for the API",
            ),
            StatusCode::METHOD_NOT_ALLOWED => (
                "method_not_allowed",
                "this endpoint does not take that method; see /api/v2/openapi.json",
            ),
            StatusCode::REQUEST_TIMEOUT => (
                "timeout",
                "the request took longer than the server allows; retry, or send less at once",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                "payload_too_large",
                "the request body is larger than the server accepts",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
            ),
            _ if status.is_server_error() => (
                "internal",
                "the server failed to handle the request; it is logged with this request's id",
            ),
            _ => ("bad_request", "the request was not understood"),
        };
        ApiError::new(status, code, description)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unauthorized = self.status == StatusCode::UNAUTHORIZED;
        let retry_after = self.retry_after;
        let body = ErrorBody {
            error: self.code.to_string(),
            description: self.description,
            details: self.details,
        };
        let mut response = (self.status, Json(body)).into_response();
        if unauthorized {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"wasmdesk\", Basic realm=\"wasmdesk\""),
            );
        }
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { what } => ApiError::not_found(what),
            StoreError::Conflict(what) => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("{what} already exists"),
            ),
            StoreError::Stale(description) => {
                ApiError::new(StatusCode::CONFLICT, "update_conflict", description)
            }
            StoreError::Rejected(problems) => {
                let mut error = ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid",
                    format!("the request is invalid: {problems}"),
                );
                error.details = problems.0;
                error
            }
            // The database could not do it (unreachable, busy, a transaction it gave up on):
            // nothing was written, and the same request may well succeed in a moment.
            other if other.is_transient() => {
                tracing::error!(error = %other, "storage unavailable; the write was not saved");
                let mut error = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database could not complete the request, and nothing was saved; retry in a moment",
                );
                error.retry_after = Some(1);
                error
            }
            // Corrupt stored data, a constraint our validation should have caught, a bad
            // configuration: our fault, not the client's. The details go to the log (with the
            // request's id), not to the client.
            other => {
                tracing::error!(error = %other, "storage failed");
                ApiError::for_status(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match &rejection {
            JsonRejection::JsonSyntaxError(_) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the body is not valid JSON: {}", rejection.body_text()),
            ),
            JsonRejection::JsonDataError(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!(
                    "the JSON does not have the expected shape: {}",
                    rejection.body_text()
                ),
            ),
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
            }
            _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::for_status(StatusCode::PAYLOAD_TOO_LARGE)
            }
            _ => ApiError::bad_request(rejection.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request(format!(
            "the query string is invalid: {}",
            rejection.body_text()
        ))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
