//! The HTTP API: Zendesk-shaped `/api/v2` resources, one module each, plus operations
//! endpoints. Every route is declared with its OpenAPI description (utoipa), so the document at
//! `/api/v2/openapi.json` is the list of routes served.

pub mod auth;
mod channels;
pub mod connections;
mod customer_types;
pub mod error;
pub mod extract;
mod fields;
mod groups;
mod incremental;
mod jobs;
mod memberships;
mod notifications;
mod operations;
mod organizations;
mod panels;
mod plugins;
mod portal;
mod queues;
mod rate_limit;
mod rule_runs;
mod search;
mod settings;
mod tickets;
mod tokens;
mod users;
mod webhooks;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::PrometheusHandle;
use tower::ServiceExt;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::jobs::Jobs;
use crate::rules::Rules;
use crate::store::Store;
use error::ApiError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub rules: Rules,
    /// Where bulk requests are queued.
    pub jobs: Jobs,
    pub metrics: PrometheusHandle,
    pub openapi: Arc<utoipa::openapi::OpenApi>,
    pub options: Arc<HttpOptions>,
    /// Counts the portal's callers by address.
    pub portal_limiter: rate_limit::RateLimiter,
}

/// How the API presents itself to clients, beyond per-request limits.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub limits: HttpLimits,
    /// The base of the links the API writes (`next_page`): how clients reach this server,
    /// e.g. `https://desk.example.com`. Never taken from the request's `Host` header, which
    /// any client can set.
    pub public_url: String,
    /// Whether `/metrics` answers without a token (on loopback, or when configured).
    pub open_metrics: bool,
    /// Origins a browser may call the API from (CORS); none: CORS stays off.
    pub cors_origins: Vec<String>,
    /// Requests a minute per token; `None`: no limit.
    pub rate_limit_per_minute: Option<u32>,
    /// Requests a minute each client address may make to the portal's open endpoints.
    pub portal_rate_limit_per_minute: u32,
    /// How the outbox workers (webhooks, agent notifications) pace themselves.
    pub deliveries: crate::outbox::DeliveryConfig,
    /// The SMTP relay agent notifications are sent through; none: they stay queued.
    pub mail_relay: Option<crate::outbox::MailRelay>,
}

impl HttpOptions {
    /// The options of a server on `127.0.0.1:8080` with `limits`.
    pub fn new(limits: HttpLimits) -> HttpOptions {
        HttpOptions {
            limits,
            public_url: "http://127.0.0.1:8080".into(),
            open_metrics: true,
            cors_origins: Vec::new(),
            rate_limit_per_minute: None,
            portal_rate_limit_per_minute: DEFAULT_PORTAL_RATE_LIMIT_PER_MINUTE,
            deliveries: crate::outbox::DeliveryConfig::default(),
            mail_relay: None,
        }
    }
}

/// Enough for a person registering and writing in; a script creating customers is slowed.
pub const DEFAULT_PORTAL_RATE_LIMIT_PER_MINUTE: u32 = 30;

/// Limits on each request.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// Largest JSON body accepted.
    pub body_bytes: usize,
    /// Longest a request may take before it is answered 408.
    pub request_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "wasmdesk",
        description = "A helpdesk core whose business rules are sandboxed WebAssembly plugins. Resources and envelopes follow Zendesk's /api/v2.",
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every route with its OpenAPI description.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(operations::routes())
        .merge(users::routes())
        .merge(customer_types::routes())
        .merge(panels::routes())
        .merge(organizations::routes())
        .merge(fields::routes())
        .merge(groups::routes())
        .merge(tickets::routes())
        .merge(rule_runs::routes())
        .merge(plugins::routes())
        .merge(memberships::routes())
        .merge(search::routes())
        .merge(incremental::routes())
        .merge(jobs::routes())
        .merge(channels::routes())
        .merge(portal::routes())
        .merge(queues::routes())
        .merge(webhooks::routes())
        .merge(notifications::routes())
        .merge(settings::routes())
        .merge(tokens::routes())
}

/// The OpenAPI document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().split_for_parts().1
}

/// The whole application with the options of a loopback server: see [`app_with`].
pub fn app(store: Store, rules: Rules, limits: HttpLimits) -> Router {
    app_with(store, rules, HttpOptions::new(limits))
}

/// The whole application: routes, limits, request ids, tracing, metrics, JSON errors, CORS
/// when configured. It starts the bulk job worker (so it must be called on a tokio runtime).
pub fn app_with(store: Store, rules: Rules, options: HttpOptions) -> Router {
    let (router, openapi) = routes().split_for_parts();
    let limits = options.limits;
    let cors = cors(&options.cors_origins);
    let rate_limit = options
        .rate_limit_per_minute
        .map(rate_limit::RateLimiter::new);
    let portal_limiter = rate_limit::RateLimiter::new(options.portal_rate_limit_per_minute);
    let secure_cookies = options.public_url.starts_with("https://");
    let upload_bytes = rules.runtime().limits().component_bytes;
    crate::outbox::start(store.clone(), options.deliveries);
    if let Some(relay) = options.mail_relay.clone() {
        crate::outbox::start_mail(store.clone(), options.deliveries, relay);
    }
    let state = AppState {
        portal_limiter,
        jobs: Jobs::start(store.clone(), rules.clone()),
        store,
        rules,
        metrics: operations::metrics_handle(),
        openapi: Arc::new(openapi),
        options: Arc::new(options),
    };
    let request_id = HeaderName::from_static("x-request-id");
    let router = router
        .fallback(|| async { ApiError::for_status(StatusCode::NOT_FOUND) })
        .method_not_allowed_fallback(|| async {
            ApiError::for_status(StatusCode::METHOD_NOT_ALLOWED)
        })
        .with_state(state)
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(middleware::from_fn(json_errors))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(middleware::from_fn(record_metrics))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
            let id = request
                .headers()
                .get("x-request-id")
                .and_then(|id| id.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), uri = %request.uri(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid));
    let router = match rate_limit {
        Some(limiter) => router.layer(middleware::from_fn_with_state(limiter, rate_limit::limit)),
        None => router,
    };
    let router = match cors {
        Some(cors) => router.layer(cors),
        None => router,
    };
    // Outside the router: the path must be rewritten before routing.
    let api = Router::new().fallback_service(router.map_request(without_json_suffix));
    // The web console at `/`, a client of the API in process; everything else is the API's.
    crate::console::router(api.clone(), secure_cookies, upload_bytes).fallback_service(api)
}

/// The one route whose own name ends in `.json`.
const OPENAPI_PATH: &str = "/api/v2/openapi.json";

/// Zendesk clients build paths with a `.json` suffix (`/api/v2/users.json`,
/// `/api/v2/tickets/42.json`, `/api/v2/users/search.json`): every API route answers to both
/// forms, by dropping the suffix before routing (the OpenAPI document lists the plain form).
fn without_json_suffix(mut request: Request) -> Request {
    let path = request.uri().path();
    let Some(plain) = path
        .strip_suffix(".json")
        .filter(|_| path.starts_with("/api/v2/") && path != OPENAPI_PATH)
    else {
        return request;
    };
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{plain}?{query}"),
        None => plain.to_string(),
    };
    let mut parts = request.uri().clone().into_parts();
    if let Ok(path_and_query) = path_and_query.parse() {
        parts.path_and_query = Some(path_and_query);
        if let Ok(uri) = axum::http::Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

/// Browsers may call the API from `origins` only (exact origins, e.g. `https://console.example.com`);
/// none configured: no CORS headers at all, so browsers keep the same-origin policy.
fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let origins: Vec<axum::http::HeaderValue> = origins
        .iter()
        .filter_map(|origin| origin.parse().ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([
                axum::http::Method::GET,
                axum::http::Method::POST,
                axum::http::Method::PUT,
                axum::http::Method::DELETE,
            ])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .max_age(Duration::from_secs(600)),
    )
}

/// Gives bodiless error responses (a timeout, a layer's refusal) the API's JSON error shape.
async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        return ApiError::for_status(status).into_response();
    }
    response
}

/// Counts each request and its latency by route template and status.
async fn record_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("wasmdesk_http_requests_total", &labels).increment(1);
    metrics::histogram!("wasmdesk_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}
