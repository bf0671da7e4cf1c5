//! `/api/v2/tokens`: API tokens (admins only). A token's secret is shown once, when created.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Admin;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Id, JsonBody};
use crate::domain::token::{ApiToken, TokenDraft};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(delete))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokensList {
    tokens: Vec<ApiToken>,
    count: i64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    token: TokenDraft,
}

/// A new token with its secret: store it now, it is never shown again.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    token: ApiToken,
    /// Send as `Authorization: Bearer <value>`, or, for an owned token, as the password of
    /// Basic authentication with `{owner_email}/token` as the user name.
    value: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedTokenEnvelope {
    token: CreatedToken,
}

/// Lists tokens (never their secrets).
#[utoipa::path(get, path = "/api/v2/tokens", tag = "tokens",
    responses((status = 200, body = TokensList), (status = 403, body = ErrorBody)))]
async fn list(_: Admin, State(state): State<AppState>) -> ApiResult<Json<TokensList>> {
    let tokens = state.store.tokens().await?;
    Ok(Json(TokensList {
        count: tokens.len() as i64,
        tokens,
    }))
}

/// Creates a token with role admin or agent.
#[utoipa::path(post, path = "/api/v2/tokens", tag = "tokens", request_body = TokenBody,
    responses((status = 201, body = CreatedTokenEnvelope), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    _: Admin,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<TokenBody>,
) -> ApiResult<(StatusCode, Json<CreatedTokenEnvelope>)> {
    let (token, value) = state
        .store
        .create_owned_token(&body.token.name, body.token.role, body.token.owner_id, None)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTokenEnvelope {
            token: CreatedToken { token, value },
        }),
    ))
}

/// Revokes a token. The token making the request cannot revoke itself.
#[utoipa::path(delete, path = "/api/v2/tokens/{id}", tag = "tokens", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn delete(
    Admin(caller): Admin,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    if caller.id == id {
        return Err(ApiError::invalid(
            "id",
            "a token cannot revoke itself; use another admin token",
        ));
    }
    state.store.delete_token(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
