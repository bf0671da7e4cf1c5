//! `/api/v2/incremental/{tickets,users}/cursor`: Zendesk's cursor-based incremental exports, for
//! integrations that keep a copy in sync. Start with `start_time` (Unix seconds), then follow
//! `after_cursor` (or `after_url`) until `end_of_stream`; keep the last cursor to resume later.
//! A record changed again comes again; records changed in the last two seconds wait for the
//! next batch (see [`SETTLE_MS`]).

use axum::Json;
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Agent;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{QueryParams, RequestUrl};
use super::tickets::{TicketView, views};
use crate::domain::User;
use crate::store::{ExportPage, ExportPosition};

/// Records per batch unless `per_page` says fewer (Zendesk's default and most).
const MAX_PER_PAGE: i64 = 1000;

/// Records changed in the last moments are held back: a write's time is taken when it starts,
/// and one still in flight could otherwise commit behind a cursor that has passed its time.
const SETTLE_MS: i64 = 2_000;

fn settled() -> i64 {
    crate::domain::Timestamp::now().0 - SETTLE_MS
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(tickets))
        .routes(routes!(users))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportParams {
    /// Unix seconds: records changed at or after this time (the first request).
    #[param(value_type = Option<i64>)]
    start_time: Option<String>,
    /// `after_cursor` of the previous batch (every later request).
    cursor: Option<String>,
    /// Records per batch, 1 to 1000 (default 1000).
    #[param(value_type = Option<i64>)]
    per_page: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketExport {
    tickets: Vec<TicketView>,
    #[serde(flatten)]
    cursor: ExportCursor,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserExport {
    users: Vec<User>,
    #[serde(flatten)]
    cursor: ExportCursor,
}

/// Where the next batch starts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportCursor {
    after_cursor: String,
    after_url: String,
    /// Always null: exports go forward only.
    before_cursor: Option<String>,
    before_url: Option<String>,
    /// No more records for now; keep `after_cursor` to resume.
    end_of_stream: bool,
}

/// Tickets in the order they last changed.
#[utoipa::path(get, path = "/api/v2/incremental/tickets/cursor", tag = "incremental", params(ExportParams),
    responses((status = 200, body = TicketExport), (status = 400, body = ErrorBody)))]
async fn tickets(
    _: Agent,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<ExportParams>,
    url: RequestUrl,
) -> ApiResult<Json<TicketExport>> {
    let (from, per_page) = params.read()?;
    let page = state.store.tickets_since(from, settled(), per_page).await?;
    let cursor = ExportCursor::after(&page, per_page, &url);
    Ok(Json(TicketExport {
        tickets: views(&state.store, page.items).await?,
        cursor,
    }))
}

/// Users in the order they last changed.
#[utoipa::path(get, path = "/api/v2/incremental/users/cursor", tag = "incremental", params(ExportParams),
    responses((status = 200, body = UserExport), (status = 400, body = ErrorBody)))]
async fn users(
    _: Agent,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<ExportParams>,
    url: RequestUrl,
) -> ApiResult<Json<UserExport>> {
    let (from, per_page) = params.read()?;
    let page = state.store.users_since(from, settled(), per_page).await?;
    let cursor = ExportCursor::after(&page, per_page, &url);
    Ok(Json(UserExport {
        users: page.items,
        cursor,
    }))
}

impl ExportParams {
    /// Where to start and how many to send; a cursor takes precedence over `start_time`.
    fn read(&self) -> Result<(ExportPosition, i64), ApiError> {
        let per_page = match self.per_page.as_deref() {
            None => MAX_PER_PAGE,
            Some(raw) => raw
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=MAX_PER_PAGE).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "per_page must be a whole number from 1 to {MAX_PER_PAGE}, got {raw:?}"
                    ))
                })?,
        };
        let from = match (&self.cursor, &self.start_time) {
            (Some(cursor), _) => decode(cursor).ok_or_else(|| {
                ApiError::bad_request(
                    "cursor is not one this desk gave: pass after_cursor of a previous batch \
                     unchanged, or start again with start_time",
                )
            })?,
            (None, Some(raw)) => {
                let seconds: i64 = raw.trim().parse().ok().filter(|s| *s >= 0).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "start_time must be Unix seconds (a whole number, 0 or more), got {raw:?}"
                    ))
                })?;
                ExportPosition::from_start_time(seconds)
            }
            (None, None) => {
                return Err(ApiError::bad_request(
                    "send start_time (Unix seconds) to begin, or cursor to go on",
                ));
            }
        };
        Ok((from, per_page))
    }
}

impl ExportCursor {
    fn after<T>(page: &ExportPage<T>, per_page: i64, url: &RequestUrl) -> ExportCursor {
        let cursor = encode(page.next);
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("cursor", &cursor)
            .append_pair("per_page", &per_page.to_string())
            .finish();
        ExportCursor {
            after_url: format!("{}{}?{query}", url.base, url.path),
            after_cursor: cursor,
            before_cursor: None,
            before_url: None,
            end_of_stream: page.end_of_stream,
        }
    }
}

/// Opaque to clients: the position, base64url.
fn encode(position: ExportPosition) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", position.updated_at, position.id))
}

fn decode(cursor: &str) -> Option<ExportPosition> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?).ok()?;
    let (updated_at, id) = text.split_once(':')?;
    Some(ExportPosition {
        updated_at: updated_at.parse().ok()?,
        id: id.parse().ok()?,
    })
}
