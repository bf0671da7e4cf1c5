//! Per-token rate limits, signalled as Zendesk signals them so that clients back off: every
//! answer to a token carries `X-Rate-Limit` (requests per minute) and `X-Rate-Limit-Remaining`;
//! over the limit, 429 with `Retry-After` (seconds to the next minute's window). Off unless
//! configured (`rate_limit_per_minute`).
//!
//! The portal's endpoints, open to anyone, are limited per client address instead
//! ([`PortalClient`], `portal_rate_limit_per_minute`, on by default).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use std::net::SocketAddr;

use axum::extract::connect_info::ConnectInfo;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::ApiError;

/// Counts each credential's requests in fixed one-minute windows.
#[derive(Clone)]
pub struct RateLimiter {
    per_minute: u32,
    windows: Arc<Mutex<HashMap<[u8; 16], Window>>>,
}

#[derive(Clone, Copy)]
struct Window {
    minute: u64,
    requests: u32,
}

/// What the limiter decided for one request.
struct Verdict {
    allowed: bool,
    remaining: u32,
    retry_after: u64,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute: per_minute.max(1),
            windows: Arc::default(),
        }
    }

    /// Counts a request with this key: an Authorization header (hashed: the limiter needs no
    /// database, and unknown tokens are limited too) or a client address.
    fn count(&self, credential: &[u8]) -> Verdict {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        let minute = now / 60;
        let mut key = [0u8; 16];
        key.copy_from_slice(&Sha256::digest(credential)[..16]);
        let mut windows = self.windows.lock().expect("rate limit windows");
        if windows.len() > 10_000 {
            windows.retain(|_, window| window.minute == minute);
        }
        let window = windows.entry(key).or_insert(Window {
            minute,
            requests: 0,
        });
        if window.minute != minute {
            *window = Window {
                minute,
                requests: 0,
            };
        }
        let allowed = window.requests < self.per_minute;
        if allowed {
            window.requests += 1;
        }
        Verdict {
            allowed,
            remaining: self.per_minute - window.requests,
            retry_after: 60 - now % 60,
        }
    }
}

/// A 429 as Zendesk answers it: what the limit is, and when to retry (also as `Retry-After`).
fn too_many(limit: String, retry_after: u64) -> ApiError {
    let mut error = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        format!("{limit}; retry in {retry_after} s"),
    );
    error.retry_after = Some(retry_after as u32);
    error
}

/// The middleware: requests without credentials pass uncounted (health checks, the OpenAPI
/// document); the rest are counted per credential.
pub async fn limit(State(limiter): State<RateLimiter>, request: Request, next: Next) -> Response {
    let Some(credential) = request.headers().get(AUTHORIZATION) else {
        return next.run(request).await;
    };
    let verdict = limiter.count(credential.as_bytes());
    let mut response = if verdict.allowed {
        next.run(request).await
    } else {
        too_many(
            format!(
                "this token may make {} requests a minute",
                limiter.per_minute
            ),
            verdict.retry_after,
        )
        .into_response()
    };
    let headers = response.headers_mut();
    headers.insert("x-rate-limit", HeaderValue::from(limiter.per_minute));
    headers.insert(
        "x-rate-limit-remaining",
        HeaderValue::from(verdict.remaining),
    );
    response
}

/// A caller of the portal's open endpoints, counted by client address (the connection's peer:
/// behind a reverse proxy every client shares the proxy's address, so raise the limit there).
/// Over the limit: 429 with `Retry-After`.
pub struct PortalClient;

impl FromRequestParts<AppState> for PortalClient {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip().to_string())
            .unwrap_or_default();
        let limiter = &state.portal_limiter;
        let verdict = limiter.count(address.as_bytes());
        if verdict.allowed {
            return Ok(PortalClient);
        }
        Err(too_many(
            format!(
                "this address may make {} portal requests a minute",
                limiter.per_minute
            ),
            verdict.retry_after,
        ))
    }
}
