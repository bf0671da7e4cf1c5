//! Signing in and out, the session cookie, CSRF, and the one-shot notice shown after a form.
//!
//! The session is the API token itself, in an `HttpOnly; SameSite=Strict` cookie: the desk keeps
//! no session state, so any replica serves any page, and revoking the token ends the session.
//! Each form carries a CSRF token, an HMAC of a fixed text keyed with the session token: a page
//! on another site can neither read the cookie nor compute the value.

use axum::extract::{Form, FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hmac::{Hmac, Mac};
use maud::html;
use serde::Deserialize;
use sha2::Sha256;

use super::Console;
use super::layout;

const SESSION_COOKIE: &str = "wasmdesk_session";
const NOTICE_COOKIE: &str = "wasmdesk_notice";

/// A signed-in person: their API token, and the notice left by the form they sent last.
pub struct Session {
    pub token: String,
    pub notice: Option<Notice>,
    /// Where the request went: the page to come back to after signing in.
    pub path: String,
}

/// What became of the last form: shown once, on the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Done(String),
    Failed(String),
}

impl Session {
    /// The value every form of this session carries.
    pub fn csrf(&self) -> String {
        csrf_for(&self.token)
    }
}

fn csrf_for(token: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(token.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(b"wasmdesk console form");
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The value of cookie `name`, if the request sent it.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn set_cookie(console: &Console, name: &str, value: &str, max_age: Option<u32>) -> HeaderValue {
    let secure = if console.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let age = max_age
        .map(|seconds| format!("; Max-Age={seconds}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict{secure}{age}"
    ))
    .expect("cookie values are URL-encoded ASCII")
}

fn read_notice(headers: &HeaderMap) -> Option<Notice> {
    let raw = cookie(headers, NOTICE_COOKIE)?;
    let decoded: String = url::form_urlencoded::parse(format!("n={raw}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())?;
    let (kind, message) = decoded.split_once(':')?;
    match kind {
        "done" => Some(Notice::Done(message.to_string())),
        "failed" => Some(Notice::Failed(message.to_string())),
        _ => None,
    }
}

/// Clears the notice cookie once a page has shown it.
pub fn clear_notice(console: &Console) -> HeaderValue {
    set_cookie(console, NOTICE_COOKIE, "", Some(0))
}

/// Sends the browser to `to` with `notice` for the next page (POST, then redirect, then GET).
pub fn redirect(console: &Console, to: &str, notice: Notice) -> Response {
    let (kind, message) = match &notice {
        Notice::Done(message) => ("done", message),
        Notice::Failed(message) => ("failed", message),
    };
    let mut text: String = format!("{kind}:{message}").chars().take(1500).collect();
    if text.is_empty() {
        text.push(' ');
    }
    let encoded: String = url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
    let mut response = Redirect::to(to).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(console, NOTICE_COOKIE, &encoded, Some(60)),
    );
    response
}

impl FromRequestParts<Console> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &Console) -> Result<Self, Response> {
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
            let back = if parts.method == Method::GET {
                path
            } else {
                "/".into()
            };
            let target: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("next", &back)
                .finish();
            return Err(Redirect::to(&format!("/login?{target}")).into_response());
        };
        Ok(Session {
            token: token.to_string(),
            notice: read_notice(&parts.headers),
            path,
        })
    }
}

/// Refuses a POST a browser sent from another origin (`Origin` or `Sec-Fetch-Site` says so).
fn same_origin(headers: &HeaderMap) -> Result<(), Response> {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        let origin_host = origin
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or_default();
        if host.is_none_or(|host| !origin_host.eq_ignore_ascii_case(host)) {
            return Err(refused(&format!(
                "this form was sent from {origin}, not from this desk"
            )));
        }
        return Ok(());
    }
    match headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok())
    {
        Some("cross-site" | "same-site") => Err(refused("this form was sent from another site")),
        _ => Ok(()),
    }
}

fn refused(why: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        layout::bare(
            "Refused",
            html! {
                h1 { "Refused" }
                p { (why) ". Nothing was changed. Open the console and send the form from there." }
                p { a href="/" { "Open the console" } }
            },
        ),
    )
        .into_response()
}

/// A form posted from the console by a signed-in person: same origin, right CSRF token. Fields
/// keep their order and repeats (a multiselect sends one per option).
pub struct Posted {
    pub session: Session,
    pub fields: Vec<(String, String)>,
}

impl Posted {
    /// The first value of `name`, trimmed.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }
}

impl FromRequest<Console> for Posted {
    type Rejection = Response;

    async fn from_request(request: Request, console: &Console) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        same_origin(&parts.headers)?;
        let session = Session::from_request_parts(&mut parts, console).await?;
        let request = Request::from_parts(parts, body);
        let Form(fields) = Form::<Vec<(String, String)>>::from_request(request, console)
            .await
            .map_err(|rejection| {
                (
                    StatusCode::BAD_REQUEST,
                    layout::bare(
                        "Bad form",
                        html! { h1 { "Bad form" } p { (rejection.body_text()) } },
                    ),
                )
                    .into_response()
            })?;
        let posted = Posted { session, fields };
        check_csrf(&posted.session, posted.get("csrf"))?;
        Ok(posted)
    }
}

/// Refuses a form without this session's CSRF token.
pub fn check_csrf(session: &Session, sent: Option<&str>) -> Result<(), Response> {
    let expected = session.csrf();
    let matches = sent.is_some_and(|sent| {
        sent.len() == expected.len()
            && sent
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0
    });
    if matches {
        Ok(())
    } else {
        Err(refused(
            "this form did not carry the console's security token (it may come from another site, \
             or from a session that has ended)",
        ))
    }
}

/// Checks a multipart form's origin before it is read.
pub fn check_origin(headers: &HeaderMap) -> Result<(), Response> {
    same_origin(headers)
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Only a path on this desk (no `//host`), so signing in never leads elsewhere.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(next) if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') => {
            next.to_string()
        }
        _ => "/customers".into(),
    }
}

pub async fn login_page(Query(query): Query<LoginQuery>) -> Response {
    login_form(query.next.as_deref(), None).into_response()
}

fn login_form(next: Option<&str>, error: Option<&str>) -> maud::Markup {
    layout::bare(
        "Sign in",
        html! {
            main class="login" {
                h1 { "wasmdesk" }
                p { "Sign in with an agent's or admin's API token (" code { "wasmdesk token create" } " makes one)." }
                @if let Some(error) = error {
                    p class="notice failed" role="alert" { (error) }
                }
                form method="post" action="/login" {
                    input type="hidden" name="next" value=(safe_next(next));
                    label for="token" { "API token" }
                    input id="token" name="token" type="password" autocomplete="current-password" required;
                    button type="submit" { "Sign in" }
                }
            }
        },
    )
}

pub async fn log_in(
    State(console): State<Console>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(refusal) = same_origin(&headers) {
        return refusal;
    }
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_string())
    };
    let next = field("next");
    let token = field("token").unwrap_or_default();
    if token.is_empty() {
        return (
            StatusCode::UNAUTHORIZED,
            login_form(next.as_deref(), Some("Enter an API token.")),
        )
            .into_response();
    }
    if token.contains(|c: char| !c.is_ascii_graphic()) {
        return (
            StatusCode::UNAUTHORIZED,
            login_form(
                next.as_deref(),
                Some("An API token is one word of letters and digits."),
            ),
        )
            .into_response();
    }
    // Any agent or admin may read the customer types: the API says whether the token works.
    if let Err(failure) = console.api.get(&token, "/api/v2/customer_types").await {
        return (
            StatusCode::UNAUTHORIZED,
            login_form(next.as_deref(), Some(&failure.message)),
        )
            .into_response();
    }
    let mut response = Redirect::to(&safe_next(next.as_deref())).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&console, SESSION_COOKIE, &token, None),
    );
    response
}

pub async fn log_out(State(console): State<Console>, posted: Posted) -> Response {
    let _ = posted;
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&console, SESSION_COOKIE, "", Some(0)),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_in_only_leads_to_this_desk() {
        assert_eq!(safe_next(Some("/tickets/4")), "/tickets/4");
        for elsewhere in ["//evil.example", "https://evil.example", "/\\evil", ""] {
            assert_eq!(safe_next(Some(elsewhere)), "/customers", "{elsewhere}");
        }
    }

    #[test]
    fn the_csrf_token_depends_on_the_session() {
        assert_ne!(csrf_for("wdk_a"), csrf_for("wdk_b"));
        assert_eq!(csrf_for("wdk_a").len(), 64);
    }

    #[test]
    fn a_cross_site_post_is_refused_and_a_same_origin_one_passes() {
        let headers = |origin: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
            headers.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
            headers
        };
        assert!(same_origin(&headers("http://127.0.0.1:8080")).is_ok());
        assert!(same_origin(&headers("http://127.0.0.1:9999")).is_err());
        assert!(same_origin(&headers("null")).is_err());
    }
}
