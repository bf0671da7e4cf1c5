//! `/api/v2/groups` and `/api/v2/group_memberships`: teams of agents.

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
use crate::domain::{Group, GroupDraft, GroupMembership};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, delete))
        .routes(routes!(group_memberships))
        .routes(routes!(list_memberships, create_membership))
        .routes(routes!(show_membership, delete_membership))
        .routes(routes!(user_memberships))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct GroupEnvelope {
    group: Group,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct GroupsList {
    groups: Vec<Group>,
    count: i64,
}
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupBody {
    group: GroupDraft,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct MembershipEnvelope {
    group_membership: GroupMembership,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct MembershipsList {
    group_memberships: Vec<GroupMembership>,
    count: i64,
}
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembershipDraft {
    group_id: i64,
    user_id: i64,
}
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembershipBody {
    group_membership: MembershipDraft,
}

fn memberships_list(group_memberships: Vec<GroupMembership>) -> Json<MembershipsList> {
    Json(MembershipsList {
        count: group_memberships.len() as i64,
        group_memberships,
    })
}

/// Lists every group by name.
#[utoipa::path(get, path = "/api/v2/groups", tag = "groups", responses((status = 200, body = GroupsList)))]
async fn list(_: Agent, State(state): State<AppState>) -> ApiResult<Json<GroupsList>> {
    let groups = state.store.groups().await?;
    Ok(Json(GroupsList {
        count: groups.len() as i64,
        groups,
    }))
}

/// Creates a group; names are unique.
#[utoipa::path(post, path = "/api/v2/groups", tag = "groups", request_body = GroupBody,
    responses((status = 201, body = GroupEnvelope), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    _: Admin,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<GroupBody>,
) -> ApiResult<(StatusCode, Json<GroupEnvelope>)> {
    let group = state.store.create_group(body.group).await?;
    Ok((StatusCode::CREATED, Json(GroupEnvelope { group })))
}

/// Shows a group.
#[utoipa::path(get, path = "/api/v2/groups/{id}", tag = "groups", params(("id" = i64, Path)),
    responses((status = 200, body = GroupEnvelope), (status = 404, body = ErrorBody)))]
async fn show(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<GroupEnvelope>> {
    let group = state.store.group(id).await?;
    Ok(Json(GroupEnvelope { group }))
}

/// Renames or redescribes a group.
#[utoipa::path(put, path = "/api/v2/groups/{id}", tag = "groups", params(("id" = i64, Path)), request_body = GroupBody,
    responses((status = 200, body = GroupEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update(
    _: Admin,
    State(state): State<AppState>,
    Id(id): Id,
    JsonBody(body): JsonBody<GroupBody>,
) -> ApiResult<Json<GroupEnvelope>> {
    let group = state.store.update_group(id, body.group).await?;
    Ok(Json(GroupEnvelope { group }))
}

/// Deletes a group; its tickets stay, without group.
#[utoipa::path(delete, path = "/api/v2/groups/{id}", tag = "groups", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete(_: Admin, State(state): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    state.store.delete_group(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The memberships of one group.
#[utoipa::path(get, path = "/api/v2/groups/{id}/memberships", tag = "groups", params(("id" = i64, Path)),
    responses((status = 200, body = MembershipsList), (status = 404, body = ErrorBody)))]
async fn group_memberships(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<MembershipsList>> {
    state.store.group(id).await?;
    Ok(memberships_list(
        state.store.memberships(Some(id), None).await?,
    ))
}

/// The group memberships of one user.
#[utoipa::path(get, path = "/api/v2/users/{id}/group_memberships", tag = "groups", params(("id" = i64, Path)),
    responses((status = 200, body = MembershipsList), (status = 404, body = ErrorBody)))]
async fn user_memberships(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<MembershipsList>> {
    state.store.user(id).await?;
    Ok(memberships_list(
        state.store.memberships(None, Some(id)).await?,
    ))
}

/// Lists every membership.
#[utoipa::path(get, path = "/api/v2/group_memberships", tag = "groups",
    responses((status = 200, body = MembershipsList)))]
async fn list_memberships(
    _: Agent,
    State(state): State<AppState>,
) -> ApiResult<Json<MembershipsList>> {
    Ok(memberships_list(state.store.memberships(None, None).await?))
}

/// Puts an agent or admin into a group.
#[utoipa::path(post, path = "/api/v2/group_memberships", tag = "groups", request_body = MembershipBody,
    responses((status = 201, body = MembershipEnvelope), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_membership(
    _: Admin,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<MembershipBody>,
) -> ApiResult<(StatusCode, Json<MembershipEnvelope>)> {
    let draft = body.group_membership;
    let group_membership = state
        .store
        .create_membership(draft.group_id, draft.user_id)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(MembershipEnvelope { group_membership }),
    ))
}

/// Shows a membership.
#[utoipa::path(get, path = "/api/v2/group_memberships/{id}", tag = "groups", params(("id" = i64, Path)),
    responses((status = 200, body = MembershipEnvelope), (status = 404, body = ErrorBody)))]
async fn show_membership(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<MembershipEnvelope>> {
    let group_membership = state.store.membership(id).await?;
    Ok(Json(MembershipEnvelope { group_membership }))
}

/// Takes an agent out of a group.
#[utoipa::path(delete, path = "/api/v2/group_memberships/{id}", tag = "groups", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_membership(
    _: Admin,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    state.store.delete_membership(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
