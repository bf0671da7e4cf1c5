//! Bearer tokens: `Authorization: Bearer wdk_...`. A handler names the role it needs by the
//! extractor it takes: [`Agent`] (any valid token) or [`Admin`].

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::AppState;
use super::error::ApiError;
use crate::domain::token::{ApiToken, TokenRole};

/// A caller with an agent or admin token.
pub struct Agent(pub ApiToken);

/// A caller who may read `/metrics`: a metrics or admin token.
pub struct MetricsReader;

/// A caller with an admin token.
pub struct Admin(pub ApiToken);

async fn authenticate(parts: &Parts, state: &AppState) -> Result<ApiToken, ApiError> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::unauthorized(
                "no API token: send Authorization: Bearer <token> (create one with `wasmdesk token create`)",
            )
        })?
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not text"))?;
    let secret = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|secret| !secret.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized("the Authorization header must be `Bearer <token>`")
        })?;
    let token = state
        .store
        .token_by_secret(secret)
        .await?
        .ok_or_else(|| ApiError::unauthorized("the API token is unknown or was revoked"))?;
    if let Err(error) = state.store.touch_token(&token).await {
        tracing::warn!(%error, "could not record token use");
    }
    Ok(token)
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = authenticate(parts, state).await?;
        if token.role == TokenRole::Metrics {
            return Err(ApiError::forbidden(
                "a metrics token only reads /metrics; use an agent or admin token for the API",
            ));
        }
        Ok(Agent(token))
    }
}

impl FromRequestParts<AppState> for MetricsReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if state.options.open_metrics {
            return Ok(MetricsReader);
        }
        let token = authenticate(parts, state).await?;
        match token.role {
            TokenRole::Metrics | TokenRole::Admin => Ok(MetricsReader),
            TokenRole::Agent => Err(ApiError::forbidden(
                "/metrics needs a metrics or admin token (wasmdesk token create --role metrics)",
            )),
        }
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = authenticate(parts, state).await?;
        if token.role != TokenRole::Admin {
            return Err(ApiError::forbidden(
                "this needs an admin token; agent tokens cannot change fields, plugins, settings or tokens",
            ));
        }
        Ok(Admin(token))
    }
}
