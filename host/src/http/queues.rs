//! `/api/v2/queues`: call queues (admins write, agents read).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Admin, Agent};
use super::error::{ApiResult, ErrorBody};
use super::extract::{Id, JsonBody};
use crate::domain::queue::{Queue, QueueDraft};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, delete))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QueueEnvelope {
    queue: Queue,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct QueuesList {
    queues: Vec<Queue>,
    count: i64,
}
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueBody {
    queue: QueueDraft,
}

/// Lists every call queue by name.
#[utoipa::path(get, path = "/api/v2/queues", tag = "queues", responses((status = 200, body = QueuesList)))]
async fn list(_: Agent, State(state): State<AppState>) -> ApiResult<Json<QueuesList>> {
    let queues = state.store.queues().await?;
    Ok(Json(QueuesList {
        count: queues.len() as i64,
        queues,
    }))
}

/// Creates a queue: `name` (unique) and `sip_uri` (`sip:` or `sips:`) are required;
/// `default: true` makes it the queue for calls no trigger routed.
#[utoipa::path(post, path = "/api/v2/queues", tag = "queues", request_body = QueueBody,
    responses((status = 201, body = QueueEnvelope), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    _: Admin,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<QueueBody>,
) -> ApiResult<(StatusCode, Json<QueueEnvelope>)> {
    let queue = state.store.create_queue(body.queue).await?;
    Ok((StatusCode::CREATED, Json(QueueEnvelope { queue })))
}

/// Shows a queue.
#[utoipa::path(get, path = "/api/v2/queues/{id}", tag = "queues", params(("id" = i64, Path)),
    responses((status = 200, body = QueueEnvelope), (status = 404, body = ErrorBody)))]
async fn show(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<QueueEnvelope>> {
    let queue = state.store.queue(id).await?;
    Ok(Json(QueueEnvelope { queue }))
}

/// Changes a queue (any of its attributes).
#[utoipa::path(put, path = "/api/v2/queues/{id}", tag = "queues", params(("id" = i64, Path)), request_body = QueueBody,
    responses((status = 200, body = QueueEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    _: Admin,
    State(state): State<AppState>,
    Id(id): Id,
    JsonBody(body): JsonBody<QueueBody>,
) -> ApiResult<Json<QueueEnvelope>> {
    let queue = state.store.update_queue(id, body.queue).await?;
    Ok(Json(QueueEnvelope { queue }))
}

/// Deletes a queue; tickets keep the name of the queue they were routed to.
#[utoipa::path(delete, path = "/api/v2/queues/{id}", tag = "queues", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete(_: Admin, State(state): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    state.store.delete_queue(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
