//! `/api/v2/customer_types`: the desk's list of customer types (admins change it).

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
use crate::domain::{CustomerType, CustomerTypeDraft};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, delete))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CustomerTypeEnvelope {
    customer_type: CustomerType,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct CustomerTypesList {
    customer_types: Vec<CustomerType>,
    count: i64,
}
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerTypeBody {
    customer_type: CustomerTypeDraft,
}

/// Lists every customer type by position.
#[utoipa::path(get, path = "/api/v2/customer_types", tag = "customer types",
    responses((status = 200, body = CustomerTypesList)))]
async fn list(_: Agent, State(state): State<AppState>) -> ApiResult<Json<CustomerTypesList>> {
    let customer_types = state.store.customer_types().await?;
    Ok(Json(CustomerTypesList {
        count: customer_types.len() as i64,
        customer_types,
    }))
}

/// Creates a customer type: a unique `name` such as `vip` (lowercase letters, digits, `_`,
/// `-`), a `description`, a `position` (default: last).
#[utoipa::path(post, path = "/api/v2/customer_types", tag = "customer types", request_body = CustomerTypeBody,
    responses((status = 201, body = CustomerTypeEnvelope), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    _: Admin,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<CustomerTypeBody>,
) -> ApiResult<(StatusCode, Json<CustomerTypeEnvelope>)> {
    let customer_type = state.store.create_customer_type(body.customer_type).await?;
    Ok((
        StatusCode::CREATED,
        Json(CustomerTypeEnvelope { customer_type }),
    ))
}

/// Shows a customer type.
#[utoipa::path(get, path = "/api/v2/customer_types/{id}", tag = "customer types", params(("id" = i64, Path)),
    responses((status = 200, body = CustomerTypeEnvelope), (status = 404, body = ErrorBody)))]
async fn show(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<CustomerTypeEnvelope>> {
    let customer_type = state.store.customer_type(id).await?;
    Ok(Json(CustomerTypeEnvelope { customer_type }))
}

/// Changes the attributes sent; customers keep the type under its new name.
#[utoipa::path(put, path = "/api/v2/customer_types/{id}", tag = "customer types", params(("id" = i64, Path)), request_body = CustomerTypeBody,
    responses((status = 200, body = CustomerTypeEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    _: Admin,
    State(state): State<AppState>,
    Id(id): Id,
    JsonBody(body): JsonBody<CustomerTypeBody>,
) -> ApiResult<Json<CustomerTypeEnvelope>> {
    let customer_type = state
        .store
        .update_customer_type(id, body.customer_type)
        .await?;
    Ok(Json(CustomerTypeEnvelope { customer_type }))
}

/// Deletes a customer type; its customers are left without a type.
#[utoipa::path(delete, path = "/api/v2/customer_types/{id}", tag = "customer types", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete(_: Admin, State(state): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    state.store.delete_customer_type(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
