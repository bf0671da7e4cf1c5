//! `/api/v2/organization_memberships`: Zendesk's view of who belongs to which organization.
//! Here a user belongs to at most one organization (`organization_id` on the user), so a
//! membership is that link, and its id is the user's id.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Agent;
use super::error::{ApiError, ApiResult, ErrorBody, RECORD_NOT_FOUND};
use super::extract::{Id, JsonBody, PageParams, QueryParams, RequestUrl};
use crate::domain::{Timestamp, User, UserDraft};
use crate::store::Listing;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, delete))
        .routes(routes!(of_user))
        .routes(routes!(of_organization))
}

/// A user's membership of their organization.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganizationMembership {
    /// The user's id: a user belongs to at most one organization.
    id: i64,
    user_id: i64,
    organization_id: i64,
    /// Always true: the one organization is the default one.
    default: bool,
    /// The user record's times.
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl OrganizationMembership {
    fn of(user: &User) -> Option<OrganizationMembership> {
        Some(OrganizationMembership {
            id: user.id,
            user_id: user.id,
            organization_id: user.organization_id?,
            default: true,
            created_at: user.created_at,
            updated_at: user.updated_at,
        })
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganizationMembershipEnvelope {
    organization_membership: OrganizationMembership,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganizationMembershipsPage {
    organization_memberships: Vec<OrganizationMembership>,
    next_page: Option<String>,
    count: i64,
}

impl OrganizationMembershipsPage {
    fn new(listing: Listing<User>, url: &RequestUrl) -> OrganizationMembershipsPage {
        OrganizationMembershipsPage {
            next_page: listing.next_after.map(|after| url.next_page(after)),
            count: listing.count,
            organization_memberships: listing
                .items
                .iter()
                .filter_map(OrganizationMembership::of)
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationMembershipBody {
    organization_membership: OrganizationMembershipDraft,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationMembershipDraft {
    user_id: i64,
    organization_id: i64,
    /// Accepted for Zendesk clients; the one organization is always the default.
    #[serde(default)]
    #[allow(dead_code)]
    default: Option<bool>,
}

/// Every membership, in user id order.
#[utoipa::path(get, path = "/api/v2/organization_memberships", tag = "organizations", params(PageParams),
    responses((status = 200, body = OrganizationMembershipsPage), (status = 400, body = ErrorBody)))]
async fn list(
    _: Agent,
    State(state): State<AppState>,
    QueryParams(page): QueryParams<PageParams>,
    url: RequestUrl,
) -> ApiResult<Json<OrganizationMembershipsPage>> {
    let listing = state.store.users_with_organization(page.page()?).await?;
    Ok(Json(OrganizationMembershipsPage::new(listing, &url)))
}

/// Puts a user in an organization. A user already in another one is refused: remove that
/// membership first.
#[utoipa::path(post, path = "/api/v2/organization_memberships", tag = "organizations", request_body = OrganizationMembershipBody,
    responses((status = 201, body = OrganizationMembershipEnvelope), (status = 422, body = ErrorBody)))]
async fn create(
    _: Agent,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<OrganizationMembershipBody>,
) -> ApiResult<(StatusCode, Json<OrganizationMembershipEnvelope>)> {
    let OrganizationMembershipDraft {
        user_id,
        organization_id,
        ..
    } = body.organization_membership;
    let user = match state.store.user(user_id).await {
        Ok(user) => user,
        Err(crate::store::StoreError::NotFound { .. }) => {
            return Err(ApiError::invalid(
                "organization_membership.user_id",
                format!("there is no user {user_id}"),
            ));
        }
        Err(other) => return Err(other.into()),
    };
    match user.organization_id {
        Some(current) if current != organization_id => {
            return Err(ApiError::invalid(
                "organization_membership.organization_id",
                format!(
                    "user {user_id} belongs to organization {current}; a user belongs to one \
                     organization here, so delete that membership (DELETE \
                     /api/v2/organization_memberships/{user_id}) first"
                ),
            ));
        }
        _ => {}
    }
    let user = set_organization(&state, user_id, Some(organization_id)).await?;
    let membership = OrganizationMembership::of(&user).expect("the organization was just set");
    Ok((
        StatusCode::CREATED,
        Json(OrganizationMembershipEnvelope {
            organization_membership: membership,
        }),
    ))
}

/// A membership (its id is the user's).
#[utoipa::path(get, path = "/api/v2/organization_memberships/{id}", tag = "organizations", params(("id" = i64, Path)),
    responses((status = 200, body = OrganizationMembershipEnvelope), (status = 404, body = ErrorBody)))]
async fn show(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<OrganizationMembershipEnvelope>> {
    let user = state.store.user(id).await?;
    let membership = OrganizationMembership::of(&user).ok_or_else(|| no_membership(id))?;
    Ok(Json(OrganizationMembershipEnvelope {
        organization_membership: membership,
    }))
}

/// Takes the user out of their organization; the user and their tickets stay.
#[utoipa::path(delete, path = "/api/v2/organization_memberships/{id}", tag = "organizations", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete(_: Agent, State(state): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    let user = state.store.user(id).await?;
    if user.organization_id.is_none() {
        return Err(no_membership(id));
    }
    set_organization(&state, id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A user's memberships (none or one).
#[utoipa::path(get, path = "/api/v2/users/{id}/organization_memberships", tag = "organizations",
    params(("id" = i64, Path)),
    responses((status = 200, body = OrganizationMembershipsPage), (status = 404, body = ErrorBody)))]
async fn of_user(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<OrganizationMembershipsPage>> {
    let user = state.store.user(id).await?;
    let memberships: Vec<_> = OrganizationMembership::of(&user).into_iter().collect();
    Ok(Json(OrganizationMembershipsPage {
        count: memberships.len() as i64,
        organization_memberships: memberships,
        next_page: None,
    }))
}

/// An organization's memberships, in user id order.
#[utoipa::path(get, path = "/api/v2/organizations/{id}/organization_memberships", tag = "organizations",
    params(("id" = i64, Path), PageParams),
    responses((status = 200, body = OrganizationMembershipsPage), (status = 404, body = ErrorBody)))]
async fn of_organization(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
    QueryParams(page): QueryParams<PageParams>,
    url: RequestUrl,
) -> ApiResult<Json<OrganizationMembershipsPage>> {
    let listing = state.store.organization_members(id, page.page()?).await?;
    Ok(Json(OrganizationMembershipsPage::new(listing, &url)))
}

fn no_membership(user: i64) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        RECORD_NOT_FOUND,
        format!("user {user} belongs to no organization, so there is no membership {user}"),
    )
}

async fn set_organization(
    state: &AppState,
    user: i64,
    organization: Option<i64>,
) -> Result<User, ApiError> {
    let draft: UserDraft = serde_json::from_value(serde_json::json!({
        "organization_id": organization
    }))
    .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(state.store.update_user(user, draft).await?)
}
