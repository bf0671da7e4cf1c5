//! The one error shape of the API: `{"error": NAME, "description": "...", "details": {...}}`,
//! with a status that says whose fault it is, and a description a person can act on. Where
//! Zendesk has a name for the error, it is Zendesk's (`RecordNotFound`, `RecordInvalid`,
//! `InvalidEndpoint`, `Forbidden`, "Couldn't authenticate you"): Zendesk clients map these names
//! to typed exceptions. `details` lists every failing attribute as Zendesk does,
//! `{"email": [{"description": "...", "error": "InvalidValue"}]}`.

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

/// Zendesk's name for a 404 of a record that does not exist.
pub const RECORD_NOT_FOUND: &str = "RecordNotFound";
/// Zendesk's name for a 422: the request names attributes with values that are not accepted.
pub const RECORD_INVALID: &str = "RecordInvalid";

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Machine-readable, Zendesk's names where Zendesk has one: `RecordNotFound`,
    /// `InvalidEndpoint`, `RecordInvalid`, `Forbidden`, `Couldn't authenticate you`; ours
    /// otherwise: `conflict`, `update_conflict`, `malformed_json`, `bad_request`,
    /// `payload_too_large`, `unavailable`, `internal`, ...
    pub error: String,
    /// What went wrong and how to fix it.
    pub description: String,
    /// Every failing attribute with its reasons, for `RecordInvalid`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, Vec<ErrorDetail>>,
}

/// One reason an attribute was refused.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// The reason, for a person.
    pub description: String,
    /// Zendesk's kind of reason: `BlankValue` (a required value is missing) or `InvalidValue`.
    pub error: String,
}

impl ErrorDetail {
    fn new(description: String) -> ErrorDetail {
        let error = if description.starts_with("is required") {
            "BlankValue"
        } else {
            "InvalidValue"
        };
        ErrorDetail {
            description,
            error: error.to_string(),
        }
    }
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
            RECORD_NOT_FOUND,
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
            RECORD_INVALID,
            format!("{key}: {reason}"),
        );
        error.details.insert(key.to_string(), vec![reason]);
        error
    }

    pub fn unauthorized(description: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Couldn't authenticate you",
            description,
        )
    }

    pub fn forbidden(description: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "Forbidden", description)
    }

    /// The error for a response status that carries no body of ours (timeouts, 405, 404 of an
    /// unknown route).
    pub fn for_status(status: StatusCode) -> Self {
        let (code, description) = match status {
            StatusCode::NOT_FOUND => (
                "InvalidEndpoint",
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
            details: self
                .details
                .into_iter()
                .map(|(attribute, reasons)| {
                    (
                        attribute,
                        reasons.into_iter().map(ErrorDetail::new).collect(),
                    )
                })
                .collect(),
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
                    RECORD_INVALID,
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
                RECORD_INVALID,
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
