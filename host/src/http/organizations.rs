//! `/api/v2/organizations`: the companies customers belong to, with their email domains.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Agent;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Id, IdsParams, JsonBody, PageParams, QueryParams, RequestUrl, envelopes};
use super::users::UsersPage;
use crate::domain::{Organization, OrganizationDraft};

envelopes!(OrganizationEnvelope, OrganizationsPage, OrganizationBody {
    organization / organizations: Organization, draft: OrganizationDraft
});

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, delete))
        .routes(routes!(members))
        .routes(routes!(show_many))
}

/// The organizations with these ids, in id order; unknown ids are left out.
#[utoipa::path(get, path = "/api/v2/organizations/show_many", tag = "organizations", params(IdsParams),
    responses((status = 200, body = OrganizationsPage), (status = 400, body = ErrorBody)))]
async fn show_many(
    _: Agent,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<IdsParams>,
) -> ApiResult<Json<OrganizationsPage>> {
    let organizations = state.store.organizations_by_ids(&params.ids()?).await?;
    Ok(Json(OrganizationsPage::whole(organizations)))
}

/// Lists organizations in id order.
#[utoipa::path(get, path = "/api/v2/organizations", tag = "organizations", params(PageParams),
    responses((status = 200, body = OrganizationsPage), (status = 400, body = ErrorBody)))]
async fn list(
    _: Agent,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<PageParams>,
    url: RequestUrl,
) -> ApiResult<Json<OrganizationsPage>> {
    let listing = state.store.list_organizations(params.page()?).await?;
    Ok(Json(OrganizationsPage::new(listing, &url)))
}

/// Creates an organization; customers of its `domain_names` without organization join it.
#[utoipa::path(post, path = "/api/v2/organizations", tag = "organizations", request_body = OrganizationBody,
    responses((status = 201, body = OrganizationEnvelope), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    _: Agent,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<OrganizationBody>,
) -> ApiResult<(StatusCode, Json<OrganizationEnvelope>)> {
    let organization = state.store.create_organization(body.organization).await?;
    Ok((
        StatusCode::CREATED,
        Json(OrganizationEnvelope { organization }),
    ))
}

/// Shows an organization.
#[utoipa::path(get, path = "/api/v2/organizations/{id}", tag = "organizations", params(("id" = i64, Path)),
    responses((status = 200, body = OrganizationEnvelope), (status = 404, body = ErrorBody)))]
async fn show(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<OrganizationEnvelope>> {
    let organization = state.store.organization(id).await?;
    Ok(Json(OrganizationEnvelope { organization }))
}

/// Changes the attributes sent; a `domain_names` list replaces the old one.
#[utoipa::path(put, path = "/api/v2/organizations/{id}", tag = "organizations", params(("id" = i64, Path)),
    request_body = OrganizationBody,
    responses((status = 200, body = OrganizationEnvelope), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
    JsonBody(body): JsonBody<OrganizationBody>,
) -> ApiResult<Json<OrganizationEnvelope>> {
    let organization = state
        .store
        .update_organization(id, body.organization)
        .await?;
    Ok(Json(OrganizationEnvelope { organization }))
}

/// Deletes an organization; its members and tickets stay, without organization.
#[utoipa::path(delete, path = "/api/v2/organizations/{id}", tag = "organizations", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete(_: Agent, State(state): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    state.store.delete_organization(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organization's users.
#[utoipa::path(get, path = "/api/v2/organizations/{id}/users", tag = "organizations",
    params(("id" = i64, Path), PageParams),
    responses((status = 200, body = UsersPage), (status = 404, body = ErrorBody)))]
async fn members(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
    QueryParams(params): QueryParams<PageParams>,
    url: RequestUrl,
) -> ApiResult<Json<UsersPage>> {
    let listing = state.store.organization_members(id, params.page()?).await?;
    Ok(Json(UsersPage::new(listing, &url)))
}
