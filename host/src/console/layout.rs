//! The page shell: head, navigation, the notice of the last form, and error pages.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::Console;
use super::api::ApiFailure;
use super::session::{self, Notice, Session};

/// The console's sections, for the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Customers,
    Tickets,
    Plugins,
    Settings,
}

const SECTIONS: &[(Section, &str, &str)] = &[
    (Section::Customers, "/customers", "Customers"),
    (Section::Tickets, "/tickets", "Tickets"),
    (Section::Plugins, "/plugins", "Plugins"),
    (Section::Settings, "/settings", "Settings"),
];

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · wasmdesk" }
            link rel="stylesheet" href="/assets/console.css";
            script src="/assets/console.js" defer {}
        }
    }
}

/// A page without navigation (sign-in, refusals).
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body { (body) }
        }
    }
}

/// The hidden field every form of the session carries.
pub fn csrf(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf()); }
}

/// A signed-in page: navigation, the last form's notice, then `body`.
pub fn page(
    console: &Console,
    session: &Session,
    section: Section,
    title: &str,
    body: Markup,
) -> Response {
    render(console, session, section, title, StatusCode::OK, body)
}

fn render(
    console: &Console,
    session: &Session,
    section: Section,
    title: &str,
    status: StatusCode,
    body: Markup,
) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                a class="skip" href="#main" { "Skip to content" }
                header class="top" {
                    a class="brand" href="/" { "wasmdesk" }
                    nav aria-label="Sections" {
                        ul {
                            @for (each, href, label) in SECTIONS {
                                li {
                                    @if *each == section {
                                        a href=(href) aria-current="page" { (label) }
                                    } @else {
                                        a href=(href) { (label) }
                                    }
                                }
                            }
                        }
                    }
                    form method="post" action="/logout" class="logout" {
                        (csrf(session))
                        button type="submit" { "Sign out" }
                    }
                }
                main id="main" tabindex="-1" {
                    @match &session.notice {
                        Some(Notice::Done(message)) => p class="notice done" role="status" { (message) },
                        Some(Notice::Failed(message)) => p class="notice failed" role="alert" { (message) },
                        None => {},
                    }
                    (body)
                }
            }
        }
    };
    let mut response = (status, markup).into_response();
    if session.notice.is_some() {
        response
            .headers_mut()
            .append(header::SET_COOKIE, session::clear_notice(console));
    }
    response
}

/// What a page shows when the API refused to give it what it needs: a 401 sends the person to
/// sign in again; anything else is shown with the API's words and status.
pub fn failure(
    console: &Console,
    session: &Session,
    section: Section,
    failure: ApiFailure,
) -> Response {
    if failure.status == StatusCode::UNAUTHORIZED {
        let target: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("next", &session.path)
            .finish();
        return axum::response::Redirect::to(&format!("/login?{target}")).into_response();
    }
    let title = match failure.status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        _ => "Something went wrong",
    };
    render(
        console,
        session,
        section,
        title,
        failure.status,
        html! {
            h1 { (title) }
            p class="notice failed" role="alert" { (failure.message) }
        },
    )
}

/// A date-time of the API (`2026-12-08T00:08:25Z`) as a person reads it.
pub fn when(raw: &serde_json::Value) -> String {
    raw.as_str()
        .map(|text| text.replace('T', " ").trim_end_matches('Z').to_string())
        .unwrap_or_default()
}
