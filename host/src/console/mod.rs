//! The web console: server-rendered HTML at `/` for admins and agents, no build step and no CDN
//! (its stylesheet and script are embedded in the binary).
//!
//! The console is a client of the API, in process: every page reads and every form writes
//! through `/api/v2` with the signed-in token, so the console can do exactly what the API
//! allows, with the API's checks and its error messages, and nothing else.
//!
//! Security: the token lives in an `HttpOnly; SameSite=Strict` cookie; every form carries a CSRF
//! token derived from it, and a POST whose `Origin` is not this desk is refused; the
//! Content-Security-Policy allows scripts and styles from the desk only (none inline).

mod api;
mod assets;
mod chart;
mod customers;
mod form;
mod layout;
mod organizations;
mod plugins;
mod session;
mod settings;
mod tickets;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};

pub use api::Api;

/// What the console's handlers share.
#[derive(Clone)]
pub struct Console {
    api: Api,
    /// Mark cookies `Secure` (the desk is reached over https).
    secure_cookies: bool,
}

/// The console's routes; `api` is the whole API router, which the console calls in process.
/// `upload_bytes` is the largest plugin component accepted. Paths it does not serve are left to
/// the caller's fallback (the API).
pub fn router(api: Router, secure_cookies: bool, upload_bytes: usize) -> Router {
    let console = Console {
        api: Api::new(api),
        secure_cookies,
    };
    Router::new()
        .route("/", get(|| async { Redirect::to("/customers") }))
        .route("/login", get(session::login_page).post(session::log_in))
        .route("/logout", post(session::log_out))
        .route("/customers", get(customers::page).post(customers::create))
        .route(
            "/customers/{id}",
            get(customers::panel).post(customers::save),
        )
        .route("/customers/{id}/move", post(customers::move_to))
        .route(
            "/organizations/{id}",
            get(organizations::panel).post(organizations::save),
        )
        .route(
            "/organizations/{id}/domains",
            post(organizations::add_domain),
        )
        .route(
            "/organizations/{id}/domains/remove",
            post(organizations::remove_domain),
        )
        .route("/settings", get(settings::page))
        .route("/settings/organizations", post(settings::save_switches))
        .route("/settings/customer_types", post(settings::add_type))
        .route(
            "/settings/customer_types/{id}/delete",
            post(settings::delete_type),
        )
        .route("/settings/panels/{panel}", post(settings::save_panel))
        .route("/tickets", get(tickets::list))
        .route("/tickets/{id}", get(tickets::show))
        .route("/plugins", get(plugins::list).post(plugins::upload))
        .route("/plugins/{id}", get(plugins::show))
        .route("/plugins/{id}/config", post(plugins::save_config))
        .route("/plugins/{id}/grants", post(plugins::save_grants))
        .route("/plugins/{id}/switch", post(plugins::switch))
        .route("/plugins/{id}/order", post(plugins::move_trigger))
        .route("/plugins/{id}/dry_run", post(plugins::dry_run))
        .route("/assets/console.css", get(assets::stylesheet))
        .route("/assets/console.js", get(assets::script))
        .layer(DefaultBodyLimit::max(upload_bytes + 64 * 1024))
        .layer(middleware::from_fn(security_headers))
        .with_state(console)
}

/// Scripts and styles from the desk only, nothing inline, no framing, no sniffing, no referrer
/// leaving the desk, and no caching of pages that show a desk's data.
async fn security_headers(request: Request, next: Next) -> Response {
    let is_asset = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !is_asset {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
