//! `/api/v2/plugins` and `/api/v2/triggers` (admins only): upload, configure, grant, enable,
//! order, dry-run and replay the plugins whose triggers run on every ticket write.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Admin;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Id, JsonBody};
use crate::domain::{Event, EventKind, PluginInfo, PluginPatch, PluginRecord, TriggerRef};
use crate::plugins::LoadError;
use crate::rules::{DryRun, EventDryRun, PluginAdminError, ReplayedTicket};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, upload))
        .routes(routes!(show, update, delete))
        .routes(routes!(set_config))
        .routes(routes!(set_granted_hosts))
        .routes(routes!(set_trigger))
        .routes(routes!(dry_run))
        .routes(routes!(replay))
        .routes(routes!(list_triggers))
        .routes(routes!(reorder_triggers))
}

/// An installed plugin: the stored record, what its `describe()` says, and how it has fared.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PluginView {
    #[serde(flatten)]
    record: PluginRecord,
    /// The plugin's own description: triggers and the events they subscribe to, the fields and
    /// groups it declares, its configuration keys, the outbound hosts it requests. Null when
    /// the stored component no longer loads (see the server log).
    #[schema(value_type = Option<Object>)]
    describe: Option<PluginInfo>,
    /// The `wasmdesk:rules` contract version the component was built against (`0.1.0`,
    /// `0.2.0`); null when it no longer loads.
    contract: Option<&'static str>,
    /// Failed runs in the audit, all time.
    failures: i64,
    /// Ticket writes in a row on which it failed (it is disabled at the configured limit).
    consecutive_failing_writes: u32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PluginEnvelope {
    plugin: PluginView,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PluginsList {
    plugins: Vec<PluginView>,
    count: i64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PluginBody {
    plugin: PluginPatch,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigBody {
    /// The whole configuration: keys the plugin declares; absent keys take their defaults.
    config: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantedHostsBody {
    /// Origins such as `https://loyalty.example.com` the plugin's `http-get` may reach; an
    /// empty list revokes every grant.
    granted_hosts: Vec<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerSwitch {
    active: bool,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerBody {
    trigger: TriggerSwitch,
}

/// A component upload: the `.wasm` bytes.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Component(#[allow(dead_code)] Vec<u8>);

async fn view(state: &AppState, record: PluginRecord) -> ApiResult<PluginView> {
    let failures = state.store.plugin_failure_count(&record.name).await?;
    Ok(view_with(state, record, failures))
}

fn view_with(state: &AppState, record: PluginRecord, failures: i64) -> PluginView {
    let running = state.rules.plugin(record.id);
    PluginView {
        failures,
        consecutive_failing_writes: running.as_ref().map_or(0, |p| p.failing_writes()),
        contract: running.as_ref().map(|p| p.compiled.contract().number()),
        describe: running.map(|p| p.compiled.info().clone()),
        record,
    }
}

impl From<PluginAdminError> for ApiError {
    fn from(error: PluginAdminError) -> Self {
        match error {
            PluginAdminError::Refused(LoadError::TooLarge { .. }) => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                error.to_string(),
            ),
            PluginAdminError::Refused(refused) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_plugin",
                format!("the component was refused: {refused}"),
            ),
            PluginAdminError::FieldClash(clashes) => {
                let mut api = ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    PluginAdminError::FieldClash(clashes.clone()).to_string(),
                );
                for (key, why) in clashes {
                    api.details.entry(key).or_default().push(why);
                }
                api
            }
            PluginAdminError::Store(store) => store.into(),
        }
    }
}

/// Lists the installed plugins, oldest first.
#[utoipa::path(get, path = "/api/v2/plugins", tag = "plugins",
    responses((status = 200, body = PluginsList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list(_: Admin, State(state): State<AppState>) -> ApiResult<Json<PluginsList>> {
    let failures = state.store.plugin_failures().await?;
    let plugins: Vec<PluginView> = state
        .store
        .plugins()
        .await?
        .into_iter()
        .map(|record| {
            let count = failures.get(&record.name).copied().unwrap_or(0);
            view_with(&state, record, count)
        })
        .collect();
    Ok(Json(PluginsList {
        count: plugins.len() as i64,
        plugins,
    }))
}

/// Uploads a plugin: the `.wasm` component is the body (`Content-Type: application/wasm`). It
/// is validated and compiled; a plugin of the same name is replaced atomically (ticket writes
/// in flight finish on the old version; configuration, grants and trigger settings stay). Its
/// missing fields and groups are created. 201 when new, 200 when it replaced one.
#[utoipa::path(post, path = "/api/v2/plugins", tag = "plugins",
    request_body(content = Component, content_type = "application/wasm"),
    responses((status = 201, body = PluginEnvelope), (status = 200, body = PluginEnvelope),
        (status = 409, body = ErrorBody, description = "a declared field exists with another type"),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "not a wasmdesk plugin; the reason says why")))]
async fn upload(
    _: Admin,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<PluginEnvelope>)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !matches!(essence, "application/wasm" | "application/octet-stream") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "send the .wasm component as the body with Content-Type: application/wasm (got {:?})",
                content_type
            ),
        ));
    }
    let limit = state.rules.runtime().limits().component_bytes;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the component is larger than the limit of {limit} bytes"),
        )
    })?;
    let (record, created) = state
        .rules
        .install_component(&state.store, bytes.to_vec())
        .await?;
    let plugin = view(&state, record).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(PluginEnvelope { plugin })))
}

/// Shows one plugin.
#[utoipa::path(get, path = "/api/v2/plugins/{id}", tag = "plugins",
    params(("id" = i64, Path)),
    responses((status = 200, body = PluginEnvelope), (status = 404, body = ErrorBody)))]
async fn show(
    _: Admin,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<PluginEnvelope>> {
    let record = state.store.plugin(id).await?;
    Ok(Json(PluginEnvelope {
        plugin: view(&state, record).await?,
    }))
}

/// Enables or disables a plugin, replaces its configuration or its granted hosts.
#[utoipa::path(put, path = "/api/v2/plugins/{id}", tag = "plugins",
    params(("id" = i64, Path)), request_body = PluginBody,
    responses((status = 200, body = PluginEnvelope), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    _: Admin,
    State(state): State<AppState>,
    Id(id): Id,
    JsonBody(body): JsonBody<PluginBody>,
) -> ApiResult<Json<PluginEnvelope>> {
    patch(&state, id, body.plugin).await
}

async fn patch(state: &AppState, id: i64, patch: PluginPatch) -> ApiResult<Json<PluginEnvelope>> {
    let record = state.rules.update_plugin(&state.store, id, patch).await?;
    Ok(Json(PluginEnvelope {
        plugin: view(state, record).await?,
    }))
}

/// Replaces a plugin's configuration (a group it names is created when missing).
#[utoipa::path(put, path = "/api/v2/plugins/{id}/config", tag = "plugins",
    params(("id" = i64, Path)), request_body = ConfigBody,
    responses((status = 200, body = PluginEnvelope), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_config(
    _: Admin,
    State(state): State<AppState>,
    Id(id): Id,
    JsonBody(body): JsonBody<ConfigBody>,
) -> ApiResult<Json<PluginEnvelope>> {
    let update = PluginPatch {
        config: Some(body.config),
        ..PluginPatch::default()
    };
    patch(&state, id, update).await
}

/// Grants (or, with a shorter list, revokes) the origins a plugin may call.
#[utoipa::path(put, path = "/api/v2/plugins/{id}/granted_hosts", tag = "plugins",
    params(("id" = i64, Path)), request_body = GrantedHostsBody,
    responses((status = 200, body = PluginEnvelope), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_granted_hosts(
    _: Admin,
    State(state): State<AppState>,
    Id(id): Id,
    JsonBody(body): JsonBody<GrantedHostsBody>,
) -> ApiResult<Json<PluginEnvelope>> {
    let update = PluginPatch {
        granted_hosts: Some(body.granted_hosts),
        ..PluginPatch::default()
    };
    patch(&state, id, update).await
}

/// Turns one of a plugin's triggers on or off.
#[utoipa::path(put, path = "/api/v2/plugins/{id}/triggers/{key}", tag = "plugins",
    params(("id" = i64, Path), ("key" = String, Path)), request_body = TriggerBody,
    responses((status = 200, body = PluginEnvelope), (status = 404, body = ErrorBody)))]
async fn set_trigger(
    _: Admin,
    State(state): State<AppState>,
    axum::extract::Path((id, key)): axum::extract::Path<(String, String)>,
    JsonBody(body): JsonBody<TriggerBody>,
) -> ApiResult<Json<PluginEnvelope>> {
    let id = id.parse().map_err(|_| {
        ApiError::bad_request(format!("{id:?} is not an id; ids are whole numbers"))
    })?;
    let record = state
        .rules
        .set_trigger_active(&state.store, id, &key, body.trigger.active)
        .await?;
    Ok(Json(PluginEnvelope {
        plugin: view(&state, record).await?,
    }))
}

/// Uninstalls a plugin. Its audit rows stay (they name the plugin and its content hash).
#[utoipa::path(delete, path = "/api/v2/plugins/{id}", tag = "plugins",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete(_: Admin, State(state): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    state.rules.delete_plugin(&state.store, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A dry run: either a stored ticket (`ticket_id`, replayed as `kind`, default `created`) or
/// an event as `wasmdesk plugin run` reads it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DryRunBody {
    ticket_id: Option<i64>,
    kind: Option<EventKind>,
    #[schema(value_type = Option<Object>)]
    event: Option<Event>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum DryRunResult {
    /// For a ticket: the runs as the audit would record them and the changes, in order.
    Ticket { dry_run: DryRun },
    /// For an event: each subscribed trigger's decision.
    Event { dry_run: Vec<EventDryRun> },
}

/// What a plugin (enabled or not) would do, writing nothing.
#[utoipa::path(post, path = "/api/v2/plugins/{id}/dry_run", tag = "plugins",
    params(("id" = i64, Path)), request_body = DryRunBody,
    responses((status = 200, body = DryRunResult), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn dry_run(
    _: Admin,
    State(state): State<AppState>,
    Id(id): Id,
    JsonBody(body): JsonBody<DryRunBody>,
) -> ApiResult<Json<DryRunResult>> {
    let plugin = running(&state, id).await?;
    match (body.ticket_id, body.event) {
        (Some(ticket_id), None) => {
            let kind = body.kind.unwrap_or(EventKind::Created);
            let dry_run = state
                .rules
                .dry_run_ticket(&state.store, &plugin, ticket_id, kind)
                .await?;
            Ok(Json(DryRunResult::Ticket { dry_run }))
        }
        (None, Some(event)) => Ok(Json(DryRunResult::Event {
            dry_run: state.rules.dry_run_event(&plugin, event).await,
        })),
        _ => Err(ApiError::invalid(
            "ticket_id",
            "send either ticket_id (a stored ticket) or event (an event as `wasmdesk plugin run` reads it), not both",
        )),
    }
}

async fn running(
    state: &AppState,
    id: i64,
) -> ApiResult<std::sync::Arc<crate::rules::InstalledPlugin>> {
    let record = state.store.plugin(id).await?;
    state.rules.plugin(id).ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            "not_loaded",
            format!(
                "plugin {} is installed but its component does not load on this server (see its log); upload it again",
                record.name
            ),
        )
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayBody {
    /// How many of the newest tickets to replay (1 to 1000).
    last: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReplayResult {
    /// Per ticket, newest first: what the plugin would have done when it arrived.
    replay: Vec<ReplayedTicket>,
    count: i64,
}

/// Most tickets one replay covers.
const MAX_REPLAY: i64 = 1000;

/// Replays a plugin (enabled or not) over the newest stored tickets, writing nothing.
#[utoipa::path(post, path = "/api/v2/plugins/{id}/replay", tag = "plugins",
    params(("id" = i64, Path)), request_body = ReplayBody,
    responses((status = 200, body = ReplayResult), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn replay(
    _: Admin,
    State(state): State<AppState>,
    Id(id): Id,
    JsonBody(body): JsonBody<ReplayBody>,
) -> ApiResult<Json<ReplayResult>> {
    if !(1..=MAX_REPLAY).contains(&body.last) {
        return Err(ApiError::invalid(
            "last",
            format!("must be between 1 and {MAX_REPLAY}, got {}", body.last),
        ));
    }
    let plugin = running(&state, id).await?;
    let replay = state.rules.replay(&state.store, &plugin, body.last).await?;
    Ok(Json(ReplayResult {
        count: replay.len() as i64,
        replay,
    }))
}

/// A trigger in the desk-wide order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TriggerView {
    plugin_id: i64,
    plugin: String,
    trigger: String,
    active: bool,
    position: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TriggersList {
    triggers: Vec<TriggerView>,
    count: i64,
}

/// Every installed trigger in the order they run (lower position first).
#[utoipa::path(get, path = "/api/v2/triggers", tag = "plugins",
    responses((status = 200, body = TriggersList), (status = 403, body = ErrorBody)))]
async fn list_triggers(_: Admin, State(state): State<AppState>) -> ApiResult<Json<TriggersList>> {
    triggers(&state).await
}

async fn triggers(state: &AppState) -> ApiResult<Json<TriggersList>> {
    let mut triggers: Vec<TriggerView> = state
        .store
        .plugins()
        .await?
        .into_iter()
        .flat_map(|plugin| {
            plugin.triggers.into_iter().map(move |trigger| TriggerView {
                plugin_id: plugin.id,
                plugin: plugin.name.clone(),
                trigger: trigger.key,
                active: trigger.active,
                position: trigger.position,
            })
        })
        .collect();
    triggers.sort_by_key(|trigger| (trigger.position, trigger.plugin_id));
    Ok(Json(TriggersList {
        count: triggers.len() as i64,
        triggers,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReorderBody {
    /// Every installed trigger exactly once, first to run first.
    trigger_ids: Vec<TriggerRef>,
}

/// Sets the order triggers run in, across plugins.
#[utoipa::path(put, path = "/api/v2/triggers/reorder", tag = "plugins", request_body = ReorderBody,
    responses((status = 200, body = TriggersList), (status = 422, body = ErrorBody)))]
async fn reorder_triggers(
    _: Admin,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<ReorderBody>,
) -> ApiResult<Json<TriggersList>> {
    state
        .rules
        .reorder_triggers(&state.store, &body.trigger_ids)
        .await?;
    triggers(&state).await
}
