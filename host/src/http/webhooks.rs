//! `/api/v2/webhooks` (admins only): the endpoints plugins' `notify-webhook` actions are
//! delivered to, and each webhook's deliveries with a manual retry. See [`crate::outbox`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Admin;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Id, JsonBody, TwoIds};
use crate::domain::webhook::{CreatedWebhook, Delivery, Webhook, WebhookDraft};
use crate::store::StoreError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, delete))
        .routes(routes!(deliveries))
        .routes(routes!(retry))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WebhookEnvelope {
    webhook: Webhook,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct WebhooksList {
    webhooks: Vec<Webhook>,
    count: i64,
}
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    webhook: WebhookDraft,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct DeliveriesList {
    deliveries: Vec<Delivery>,
    count: i64,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct DeliveryEnvelope {
    delivery: Delivery,
}

/// Lists every webhook by name (signing secrets are never shown again).
#[utoipa::path(get, path = "/api/v2/webhooks", tag = "webhooks",
    responses((status = 200, body = WebhooksList), (status = 403, body = ErrorBody)))]
async fn list(_: Admin, State(state): State<AppState>) -> ApiResult<Json<WebhooksList>> {
    let webhooks = state.store.webhooks().await?;
    Ok(Json(WebhooksList {
        count: webhooks.len() as i64,
        webhooks,
    }))
}

/// Registers a webhook: `name` (unique; what plugins name) and `endpoint` (an http(s) URL)
/// required, `headers` optional. The answer carries the signing secret, shown this once.
#[utoipa::path(post, path = "/api/v2/webhooks", tag = "webhooks", request_body = WebhookBody,
    responses((status = 201, body = CreatedWebhook), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    _: Admin,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<WebhookBody>,
) -> ApiResult<(StatusCode, Json<CreatedWebhook>)> {
    let created = state.store.create_webhook(body.webhook).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Shows a webhook.
#[utoipa::path(get, path = "/api/v2/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = WebhookEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn show(
    _: Admin,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<WebhookEnvelope>> {
    let webhook = state.store.webhook(id).await?;
    Ok(Json(WebhookEnvelope { webhook }))
}

/// Changes a webhook (`headers` replaces them all); its secret stays.
#[utoipa::path(put, path = "/api/v2/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)), request_body = WebhookBody,
    responses((status = 200, body = WebhookEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    _: Admin,
    State(state): State<AppState>,
    Id(id): Id,
    JsonBody(body): JsonBody<WebhookBody>,
) -> ApiResult<Json<WebhookEnvelope>> {
    let webhook = state.store.update_webhook(id, body.webhook).await?;
    Ok(Json(WebhookEnvelope { webhook }))
}

/// Deletes a webhook with its deliveries, sent or not.
#[utoipa::path(delete, path = "/api/v2/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete(_: Admin, State(state): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    state.store.delete_webhook(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A webhook's 100 newest deliveries, newest first: status (`queued`, `delivered`, `dead`),
/// tries, the receiver's last status and error, the next attempt.
#[utoipa::path(get, path = "/api/v2/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = DeliveriesList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn deliveries(
    _: Admin,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<DeliveriesList>> {
    let deliveries = state.store.deliveries(id).await?;
    Ok(Json(DeliveriesList {
        count: deliveries.len() as i64,
        deliveries,
    }))
}

/// Sends a queued or dead delivery again, now (its tries are kept).
#[utoipa::path(post, path = "/api/v2/webhooks/{id}/deliveries/{delivery_id}/retry", tag = "webhooks",
    params(("id" = i64, Path), ("delivery_id" = i64, Path)),
    responses((status = 200, body = DeliveryEnvelope), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn retry(
    _: Admin,
    State(state): State<AppState>,
    TwoIds(webhook_id, delivery_id): TwoIds,
) -> ApiResult<Json<DeliveryEnvelope>> {
    let delivery = state.store.delivery(delivery_id).await?;
    if delivery.webhook_id != webhook_id {
        return Err(StoreError::not_found(format!(
            "delivery {delivery_id} of webhook {webhook_id}"
        ))
        .into());
    }
    let delivery = state.store.retry_delivery(delivery_id).await?;
    Ok(Json(DeliveryEnvelope { delivery }))
}
