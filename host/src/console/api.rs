//! The console's way to the desk: requests to the API router, in process, with the signed-in
//! person's token. Errors come back as the API words them, for the page to show.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;

/// The API, reachable without a socket.
#[derive(Clone)]
pub struct Api {
    router: Router,
}

/// A request the API refused (or could not answer), in words for a person.
#[derive(Debug)]
pub struct ApiFailure {
    pub status: StatusCode,
    pub message: String,
}

/// The largest API answer the console reads.
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

impl Api {
    pub fn new(router: Router) -> Api {
        Api { router }
    }

    pub async fn get(&self, token: &str, path: &str) -> Result<Value, ApiFailure> {
        self.send(token, Method::GET, path, None).await
    }

    /// Sends `body` as JSON; answers the JSON answer (`null` for 204).
    pub async fn send(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ApiFailure> {
        let body = match body {
            Some(body) => Body::from(body.to_string()),
            None => Body::empty(),
        };
        self.request(token, method, path, "application/json", body)
            .await
    }

    /// Uploads raw bytes (a plugin component).
    pub async fn upload(
        &self,
        token: &str,
        path: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<Value, ApiFailure> {
        self.request(token, Method::POST, path, content_type, Body::from(bytes))
            .await
    }

    async fn request(
        &self,
        token: &str,
        method: Method,
        path: &str,
        content_type: &str,
        body: Body,
    ) -> Result<Value, ApiFailure> {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .map_err(|error| ApiFailure {
                status: StatusCode::BAD_REQUEST,
                message: format!("could not build the request: {error}"),
            })?;
        let response = match self.router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), MAX_ANSWER_BYTES)
            .await
            .map_err(|error| ApiFailure {
                status: StatusCode::BAD_GATEWAY,
                message: format!("the desk's answer could not be read: {error}"),
            })?;
        let value: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        if status.is_success() {
            Ok(value)
        } else {
            Err(ApiFailure {
                status,
                message: describe(status, &value),
            })
        }
    }
}

/// The API's error body as one sentence: the description, then each attribute's reasons.
fn describe(status: StatusCode, body: &Value) -> String {
    let mut message = body["description"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("the desk answered {status}"));
    if let Some(details) = body["details"].as_object() {
        for (key, reasons) in details {
            for reason in reasons.as_array().into_iter().flatten() {
                let reason = reason["description"].as_str().unwrap_or_default();
                message.push_str(&format!(" — {key}: {reason}"));
            }
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_error_reads_as_a_sentence_with_its_attributes() {
        let body = json!({"error": "RecordInvalid", "description": "Record validation errors",
            "details": {"email": [{"description": "is not an address", "error": "InvalidValue"}]}});
        assert_eq!(
            describe(StatusCode::UNPROCESSABLE_ENTITY, &body),
            "Record validation errors — email: is not an address"
        );
        assert_eq!(
            describe(StatusCode::BAD_GATEWAY, &Value::Null),
            "the desk answered 502 Bad Gateway"
        );
    }
}
