//! `/api/v2/notifications` (admins only): the emails plugins' `notify-agents` actions sent or
//! are sending to agents, with their attempts and a manual retry. See [`crate::outbox`].

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Admin;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Id, QueryParams};
use crate::domain::notification::AgentEmail;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(retry))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Params {
    /// Only this ticket's notifications.
    #[param(value_type = Option<i64>)]
    ticket_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AgentEmailsList {
    notifications: Vec<AgentEmail>,
    count: i64,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct AgentEmailEnvelope {
    notification: AgentEmail,
}

/// The newest 100 agent notifications (or a ticket's), newest first: recipients, subject, text,
/// status (`queued`, `delivered` once the relay took it, `dead`), tries, the relay's last reply
/// code and error, the next attempt. Without a relay configured (`smtp_relay`), they stay
/// queued.
#[utoipa::path(get, path = "/api/v2/notifications", tag = "notifications", params(Params),
    responses((status = 200, body = AgentEmailsList), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list(
    _: Admin,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<Params>,
) -> ApiResult<Json<AgentEmailsList>> {
    let ticket_id = params
        .ticket_id
        .map(|raw| {
            raw.trim()
                .parse::<i64>()
                .map_err(|_| ApiError::bad_request(format!("ticket_id must be an id, got {raw:?}")))
        })
        .transpose()?;
    if let Some(ticket_id) = ticket_id {
        // An unknown ticket is a 404, not an empty list.
        state.store.ticket(ticket_id).await?;
    }
    let notifications = state.store.notifications(ticket_id).await?;
    Ok(Json(AgentEmailsList {
        count: notifications.len() as i64,
        notifications,
    }))
}

/// One agent notification.
#[utoipa::path(get, path = "/api/v2/notifications/{id}", tag = "notifications",
    params(("id" = i64, Path)),
    responses((status = 200, body = AgentEmailEnvelope), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn show(
    _: Admin,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<AgentEmailEnvelope>> {
    let notification = state.store.notification(id).await?;
    Ok(Json(AgentEmailEnvelope { notification }))
}

/// Sends a queued or dead notification again, now (its tries are kept).
#[utoipa::path(post, path = "/api/v2/notifications/{id}/retry", tag = "notifications",
    params(("id" = i64, Path)),
    responses((status = 200, body = AgentEmailEnvelope), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn retry(
    _: Admin,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<AgentEmailEnvelope>> {
    let notification = state.store.retry_notification(id).await?;
    Ok(Json(AgentEmailEnvelope { notification }))
}
