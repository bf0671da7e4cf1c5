//! `/api/v2/settings`: desk-wide switches (admins only).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Admin;
use super::error::{ApiResult, ErrorBody};
use super::extract::JsonBody;
use crate::store::Setting;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show, update))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Settings {
    /// Create an organization from a new customer's email domain when none owns it (free-mail
    /// domains never do).
    create_organizations_from_domains: bool,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsChanges {
    create_organizations_from_domains: Option<bool>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SettingsEnvelope {
    settings: Settings,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    settings: SettingsChanges,
}

async fn current(state: &AppState) -> ApiResult<Json<SettingsEnvelope>> {
    Ok(Json(SettingsEnvelope {
        settings: Settings {
            create_organizations_from_domains: state
                .store
                .setting(Setting::CreateOrganizationsFromDomains)
                .await?,
        },
    }))
}

/// Shows the settings.
#[utoipa::path(get, path = "/api/v2/settings", tag = "settings",
    responses((status = 200, body = SettingsEnvelope), (status = 403, body = ErrorBody)))]
async fn show(_: Admin, State(state): State<AppState>) -> ApiResult<Json<SettingsEnvelope>> {
    current(&state).await
}

/// Changes the settings sent.
#[utoipa::path(put, path = "/api/v2/settings", tag = "settings", request_body = SettingsBody,
    responses((status = 200, body = SettingsEnvelope), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    _: Admin,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<SettingsBody>,
) -> ApiResult<Json<SettingsEnvelope>> {
    if let Some(on) = body.settings.create_organizations_from_domains {
        state
            .store
            .set_setting(Setting::CreateOrganizationsFromDomains, on)
            .await?;
    }
    current(&state).await
}
