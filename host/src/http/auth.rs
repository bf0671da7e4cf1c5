//! API tokens: `Authorization: Bearer wdk_...`, or as Zendesk clients send them,
//! `Authorization: Basic base64("{email}/token:wdk_...")` where the email is the token's owner's.
//! A handler names the role it needs by the extractor it takes: [`Agent`] (any valid token) or
//! [`Admin`].

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::AppState;
use super::error::ApiError;
use crate::domain::User;
use crate::domain::token::{ApiToken, TokenRole};
use crate::store::PORTAL_SECRET_PREFIX;

/// A caller with an agent or admin token.
pub struct Agent(pub ApiToken);

/// A caller who may read `/metrics`: a metrics or admin token.
pub struct MetricsReader;

/// A caller with an admin token.
pub struct Admin(pub ApiToken);

/// A caller who may submit to the intake channels: an intake or admin token.
pub struct IntakeSubmitter(pub ApiToken);

/// A customer with a portal session token (from `POST /api/v2/portal/registrations`).
pub struct PortalCustomer(pub User);

/// The token a caller presented: as `Bearer <token>`, or as Zendesk's
/// `Basic base64("{email}/token:{token}")`, which also claims whose token it is.
struct Credentials {
    secret: String,
    claimed_owner: Option<String>,
}

/// Reads the Authorization header: a Bearer token, or Zendesk's Basic `{email}/token:{token}`.
/// Basic with a password is refused: the desk keeps no passwords.
fn credentials(header: &str) -> Result<Credentials, ApiError> {
    let (scheme, value) = header.split_once(' ').unwrap_or((header, ""));
    let value = value.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !value.is_empty() {
        return Ok(Credentials {
            secret: value.to_string(),
            claimed_owner: None,
        });
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(ApiError::unauthorized(
            "the Authorization header must be `Bearer <token>` or, as Zendesk clients send it, \
             `Basic base64({email}/token:{token})`",
        ));
    }
    let decoded = BASE64
        .decode(value)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            ApiError::unauthorized(
                "Basic credentials must be base64 of UTF-8 `{email}/token:{token}`",
            )
        })?;
    let (user, secret) = decoded.split_once(':').ok_or_else(|| {
        ApiError::unauthorized("Basic credentials must be `{email}/token:{token}` (no colon found)")
    })?;
    match user.strip_suffix("/token") {
        Some(email) if !email.trim().is_empty() && !secret.is_empty() => Ok(Credentials {
            secret: secret.to_string(),
            claimed_owner: Some(email.trim().to_string()),
        }),
        _ => Err(ApiError::unauthorized(
            "password authentication is not supported: use an API token, as Basic \
             `{email}/token:{token}` (the token's owner's email) or as `Bearer <token>`",
        )),
    }
}

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
    let credentials = credentials(header)?;
    if credentials.secret.starts_with(PORTAL_SECRET_PREFIX) {
        return Err(ApiError::forbidden(
            "a portal session token only opens requests at /api/v2/portal/requests; use an API \
             token here",
        ));
    }
    let token = state
        .store
        .token_by_secret(&credentials.secret)
        .await?
        .ok_or_else(|| ApiError::unauthorized("the API token is unknown or was revoked"))?;
    if let Some(email) = &credentials.claimed_owner {
        let Some(owner) = token.owner_email.as_deref() else {
            return Err(ApiError::unauthorized(
                "this token has no owner, so it works only as `Bearer <token>`; for Basic \
                 `{email}/token:{token}` create a token with an owner (owner_id, or \
                 `wasmdesk token create --owner EMAIL`)",
            ));
        };
        if !owner.eq_ignore_ascii_case(email) {
            return Err(ApiError::unauthorized(format!(
                "the token does not belong to {email}: use its owner's email before /token"
            )));
        }
        if !token.owner_is_staff {
            return Err(ApiError::unauthorized(format!(
                "{owner} is no longer an agent or admin, so their tokens no longer work"
            )));
        }
    }
    if let Err(error) = state.store.touch_token(&token).await {
        tracing::warn!(%error, "could not record token use");
    }
    Ok(token)
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = authenticate(parts, state).await?;
        match token.role {
            TokenRole::Agent | TokenRole::Admin => Ok(Agent(token)),
            TokenRole::Metrics => Err(ApiError::forbidden(
                "a metrics token only reads /metrics; use an agent or admin token for the API",
            )),
            TokenRole::Intake => Err(ApiError::forbidden(
                "an intake token only submits to /api/v2/channels/...; use an agent or admin \
                 token for the API",
            )),
        }
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
            TokenRole::Agent | TokenRole::Intake => Err(ApiError::forbidden(
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

impl FromRequestParts<AppState> for IntakeSubmitter {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = authenticate(parts, state).await?;
        match token.role {
            TokenRole::Intake | TokenRole::Admin => Ok(IntakeSubmitter(token)),
            TokenRole::Agent | TokenRole::Metrics => Err(ApiError::forbidden(
                "the intake channels take an intake or admin token \
                 (wasmdesk token create --role intake)",
            )),
        }
    }
}

impl FromRequestParts<AppState> for PortalCustomer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let missing = || {
            ApiError::unauthorized(
                "no portal session: register at POST /api/v2/portal/registrations and send \
                 Authorization: Bearer <token> with the token it answered",
            )
        };
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(missing)?
            .to_str()
            .map_err(|_| missing())?;
        let session = credentials(header)
            .ok()
            .filter(|given| {
                given.claimed_owner.is_none() && given.secret.starts_with(PORTAL_SECRET_PREFIX)
            })
            .ok_or_else(missing)?;
        let customer = state
            .store
            .portal_customer(&session.secret)
            .await?
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "the portal session is unknown or ended; register again for a new one",
                )
            })?;
        Ok(PortalCustomer(customer))
    }
}
