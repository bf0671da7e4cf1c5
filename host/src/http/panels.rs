//! `/api/v2/panels`: the details panels' configuration (admins), and each customer's and
//! organization's panel as configured, so that every client shows the same one.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Admin, Agent};
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Id, JsonBody};
use crate::domain::panel::{
    self, PanelEntry, PanelKind, PanelProperty, PanelSetting, customer_entries,
    organization_entries,
};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show_config, update_config))
        .routes(routes!(user_panel))
        .routes(routes!(organization_panel))
}

/// A panel's configuration: every property it offers, in order, each shown or hidden.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PanelConfig {
    panel: PanelKind,
    properties: Vec<PanelProperty>,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct PanelConfigEnvelope {
    panel: PanelConfig,
}
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PanelConfigDraft {
    /// The properties in the order to show them; those not listed come after, hidden.
    properties: Vec<PanelSetting>,
}
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PanelConfigBody {
    panel: PanelConfigDraft,
}

/// A record's panel: the shown properties with labels, values and display text.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RecordPanel {
    panel: PanelKind,
    id: i64,
    title: String,
    properties: Vec<PanelEntry>,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct RecordPanelEnvelope {
    panel: RecordPanel,
}

fn kind(raw: &str) -> Result<PanelKind, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::not_found(format!(
            "panel {raw:?}: the panels are `customer` and `organization`"
        ))
    })
}

async fn configured(state: &AppState, kind: PanelKind) -> ApiResult<Vec<PanelProperty>> {
    let stored = state.store.panel_settings(kind).await?;
    let fields = state.store.fields(kind.field_scope()).await?;
    Ok(panel::properties(kind, stored.as_deref(), &fields))
}

/// A panel's configuration (`customer` or `organization`).
#[utoipa::path(get, path = "/api/v2/panels/{panel}", tag = "panels", params(("panel" = PanelKind, Path)),
    responses((status = 200, body = PanelConfigEnvelope), (status = 404, body = ErrorBody)))]
async fn show_config(
    _: Agent,
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<Json<PanelConfigEnvelope>> {
    let kind = kind(&raw)?;
    let properties = configured(&state, kind).await?;
    Ok(Json(PanelConfigEnvelope {
        panel: PanelConfig {
            panel: kind,
            properties,
        },
    }))
}

/// Sets a panel's configuration whole: `properties` is the ordered list of `{key, visible}`;
/// keys are the standard properties and `user_fields.<key>` / `organization_fields.<key>`.
#[utoipa::path(put, path = "/api/v2/panels/{panel}", tag = "panels", params(("panel" = PanelKind, Path)), request_body = PanelConfigBody,
    responses((status = 200, body = PanelConfigEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_config(
    _: Admin,
    State(state): State<AppState>,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<PanelConfigBody>,
) -> ApiResult<Json<PanelConfigEnvelope>> {
    let kind = kind(&raw)?;
    let fields = state.store.fields(kind.field_scope()).await?;
    let settings = body.panel.properties;
    panel::check_settings(kind, &settings, &fields)
        .map_err(|problems| ApiError::from(crate::store::StoreError::Rejected(problems)))?;
    state.store.set_panel_settings(kind, &settings).await?;
    Ok(Json(PanelConfigEnvelope {
        panel: PanelConfig {
            panel: kind,
            properties: panel::properties(kind, Some(&settings), &fields),
        },
    }))
}

/// A user's details panel, as the customer panel is configured.
#[utoipa::path(get, path = "/api/v2/users/{id}/panel", tag = "panels", params(("id" = i64, Path)),
    responses((status = 200, body = RecordPanelEnvelope), (status = 404, body = ErrorBody)))]
async fn user_panel(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<RecordPanelEnvelope>> {
    let user = state.store.user(id).await?;
    let organization = match user.organization_id {
        Some(id) => Some(state.store.organization(id).await?),
        None => None,
    };
    let fields = state
        .store
        .fields(PanelKind::Customer.field_scope())
        .await?;
    let properties = configured(&state, PanelKind::Customer).await?;
    Ok(Json(RecordPanelEnvelope {
        panel: RecordPanel {
            panel: PanelKind::Customer,
            id,
            properties: customer_entries(&properties, &fields, &user, organization.as_ref()),
            title: user.name,
        },
    }))
}

/// An organization's details panel, as the organization panel is configured.
#[utoipa::path(get, path = "/api/v2/organizations/{id}/panel", tag = "panels", params(("id" = i64, Path)),
    responses((status = 200, body = RecordPanelEnvelope), (status = 404, body = ErrorBody)))]
async fn organization_panel(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<RecordPanelEnvelope>> {
    let organization = state.store.organization(id).await?;
    let fields = state
        .store
        .fields(PanelKind::Organization.field_scope())
        .await?;
    let properties = configured(&state, PanelKind::Organization).await?;
    Ok(Json(RecordPanelEnvelope {
        panel: RecordPanel {
            panel: PanelKind::Organization,
            id,
            properties: organization_entries(&properties, &fields, &organization),
            title: organization.name,
        },
    }))
}
