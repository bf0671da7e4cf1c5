//! `/api/v2/users`: customers, agents and admins.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Agent;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Id, IdsParams, JsonBody, PageParams, QueryParams, RequestUrl, envelopes};
use crate::domain::search::{Criterion, parse_user_query};
use crate::domain::{User, UserDraft, UserRole};

envelopes!(UserEnvelope, UsersPage, UserBody { user / users: User, draft: UserDraft });

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, delete))
        .routes(routes!(create_or_update))
        .routes(routes!(search))
        .routes(routes!(me))
        .routes(routes!(show_many))
}

/// The token's owner (Zendesk's "the authenticated user"). A token without an owner has none:
/// a 404 that says how to give it one.
#[utoipa::path(get, path = "/api/v2/users/me", tag = "users",
    responses((status = 200, body = UserEnvelope), (status = 404, body = ErrorBody)))]
async fn me(Agent(token): Agent, State(state): State<AppState>) -> ApiResult<Json<UserEnvelope>> {
    let Some(owner) = token.owner_id else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            super::error::RECORD_NOT_FOUND,
            format!(
                "the token {:?} belongs to no user; create one with an owner (owner_id, or \
                 `wasmdesk token create --owner EMAIL`)",
                token.name
            ),
        ));
    };
    let user = state.store.user(owner).await?;
    Ok(Json(UserEnvelope { user }))
}

/// The users with these ids, in id order; ids that name no user are left out.
#[utoipa::path(get, path = "/api/v2/users/show_many", tag = "users", params(IdsParams),
    responses((status = 200, body = UsersPage), (status = 400, body = ErrorBody)))]
async fn show_many(
    _: Agent,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<IdsParams>,
) -> ApiResult<Json<UsersPage>> {
    let users = state.store.users_by_ids(&params.ids()?).await?;
    Ok(Json(UsersPage::whole(users)))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// Only users of this role: end-user, agent or admin.
    #[param(value_type = Option<crate::domain::UserRole>)]
    role: Option<String>,
}

/// Lists users in id order.
#[utoipa::path(get, path = "/api/v2/users", tag = "users", params(ListParams, PageParams),
    responses((status = 200, body = UsersPage), (status = 400, body = ErrorBody)))]
async fn list(
    _: Agent,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<ListParams>,
    QueryParams(page): QueryParams<PageParams>,
    url: RequestUrl,
) -> ApiResult<Json<UsersPage>> {
    let role = params
        .role
        .as_deref()
        .map(str::parse::<UserRole>)
        .transpose()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let listing = state.store.list_users(role, page.page()?).await?;
    Ok(Json(UsersPage::new(listing, &url)))
}

/// Creates a user. A customer whose email domain belongs to an organization joins it.
#[utoipa::path(post, path = "/api/v2/users", tag = "users", request_body = UserBody,
    responses((status = 201, body = UserEnvelope), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    _: Agent,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<UserBody>,
) -> ApiResult<(StatusCode, Json<UserEnvelope>)> {
    let user = state.store.create_user(body.user).await?;
    Ok((StatusCode::CREATED, Json(UserEnvelope { user })))
}

/// Shows a user.
#[utoipa::path(get, path = "/api/v2/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserEnvelope), (status = 404, body = ErrorBody)))]
async fn show(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<UserEnvelope>> {
    let user = state.store.user(id).await?;
    Ok(Json(UserEnvelope { user }))
}

/// Changes the attributes sent; custom values not named are kept, `null` clears.
#[utoipa::path(put, path = "/api/v2/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserBody,
    responses((status = 200, body = UserEnvelope), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
    JsonBody(body): JsonBody<UserBody>,
) -> ApiResult<Json<UserEnvelope>> {
    let user = state.store.update_user(id, body.user).await?;
    Ok(Json(UserEnvelope { user }))
}

/// Deletes a user; one who requested tickets cannot be deleted (409).
#[utoipa::path(delete, path = "/api/v2/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete(_: Agent, State(state): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    state.store.delete_user(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates the user with this email, or updates the one who has it (201 created, 200 updated).
#[utoipa::path(post, path = "/api/v2/users/create_or_update", tag = "users", request_body = UserBody,
    responses((status = 200, body = UserEnvelope), (status = 201, body = UserEnvelope), (status = 422, body = ErrorBody)))]
async fn create_or_update(
    _: Agent,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<UserBody>,
) -> ApiResult<(StatusCode, Json<UserEnvelope>)> {
    let (user, created) = state.store.create_or_update_user(body.user).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(UserEnvelope { user })))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchParams {
    /// `email:ada@example.com`, `external_id:crm-42`, `phone:+4930123456`,
    /// `service_level:platinum`, `annual_spend>1000`; several separated by spaces must all hold.
    query: Option<String>,
    /// Shorthand for `query=external_id:...`.
    external_id: Option<String>,
}

/// Searches users by email, external id, phone or custom field value (`=`, `>`, `>=`, `<`, `<=`).
#[utoipa::path(get, path = "/api/v2/users/search", tag = "users", params(SearchParams, PageParams),
    responses((status = 200, body = UsersPage), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn search(
    _: Agent,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<SearchParams>,
    QueryParams(page): QueryParams<PageParams>,
    url: RequestUrl,
) -> ApiResult<Json<UsersPage>> {
    let mut criteria = match &params.query {
        Some(query) => {
            parse_user_query(query).map_err(|reason| ApiError::invalid("query", reason))?
        }
        None => Vec::new(),
    };
    if let Some(external_id) = params.external_id {
        criteria.push(Criterion::ExternalId(external_id));
    }
    if criteria.is_empty() {
        return Err(ApiError::bad_request(
            "send query= (e.g. query=service_level:platinum) or external_id=",
        ));
    }
    let listing = state.store.search_users(&criteria, page.page()?).await?;
    Ok(Json(UsersPage::new(listing, &url)))
}
