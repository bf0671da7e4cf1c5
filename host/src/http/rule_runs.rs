//! `/api/v2/rule_runs`, the trigger engine's audit, desk-wide or per ticket: every firing and
//! failure with the code that ran, what it logged and what it cost. A ticket's history, write by
//! write, is `/api/v2/tickets/{id}/audits` (tickets.rs).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Admin, Agent};
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Id, PageParams, QueryParams, RequestUrl};
use crate::domain::Timestamp;
use crate::domain::rule_run::{HourOfRuns, RuleRun, RunOutcome, hourly};
use crate::store::RuleRunFilter;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(activity))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ActivityParams {
    /// How many hours back, 1 to 168 (default 24).
    #[param(value_type = Option<i64>)]
    hours: Option<String>,
}

/// Most audit rows one activity summary reads (the newest).
const ACTIVITY_SAMPLE: i64 = 100_000;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PluginActivity {
    plugin: String,
    /// Oldest first, one per hour, the current hour last.
    hours: Vec<HourOfRuns>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PluginActivityEnvelope {
    activity: PluginActivity,
}

/// A plugin's audit hour by hour: firings, invalid actions, failures and the median time of
/// those runs (from at most the newest 100,000 rows).
#[utoipa::path(get, path = "/api/v2/plugins/{id}/activity", tag = "plugins", params(("id" = i64, Path), ActivityParams),
    responses((status = 200, body = PluginActivityEnvelope), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn activity(
    _: Admin,
    State(state): State<AppState>,
    Id(id): Id,
    QueryParams(params): QueryParams<ActivityParams>,
) -> ApiResult<Json<PluginActivityEnvelope>> {
    let hours = match params.hours.as_deref().map(str::trim) {
        None => 24,
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|hours| (1..=168).contains(hours))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "hours must be a whole number from 1 to 168, got {raw:?}"
                ))
            })?,
    };
    let plugin = state.store.plugin(id).await?;
    let now = Timestamp::now();
    let since = Timestamp(now.0 - hours * 3_600_000);
    let samples = state
        .store
        .rule_run_samples(&plugin.name, since, ACTIVITY_SAMPLE)
        .await?;
    Ok(Json(PluginActivityEnvelope {
        activity: PluginActivity {
            hours: hourly(&samples, now, hours),
            plugin: plugin.name,
        },
    }))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Params {
    /// Only this ticket's runs.
    #[param(value_type = Option<i64>)]
    ticket_id: Option<String>,
    /// Only this plugin's runs (by name).
    plugin: Option<String>,
    /// Only this trigger's runs (by key).
    trigger: Option<String>,
    /// `fired`, `invalid_actions` or `failed`.
    #[param(value_type = Option<RunOutcome>)]
    outcome: Option<String>,
    /// Runs at or after this time (`2026-11-25T09:30:00Z`).
    #[param(value_type = Option<String>, format = DateTime)]
    since: Option<String>,
    /// Runs before this time.
    #[param(value_type = Option<String>, format = DateTime)]
    until: Option<String>,
}

impl Params {
    fn filter(self) -> Result<RuleRunFilter, ApiError> {
        let time = |name: &str, raw: Option<String>| {
            raw.map(|raw| {
                Timestamp::parse_rfc3339(&raw)
                    .map_err(|reason| ApiError::bad_request(format!("{name}: {reason}")))
            })
            .transpose()
        };
        let outcome = match params_outcome(self.outcome.as_deref())? {
            Some(RunOutcome::NotMatched) => {
                return Err(ApiError::bad_request(
                    "outcome: the audit keeps fired, invalid_actions and failed runs; not_matched appears only in dry runs",
                ));
            }
            other => other,
        };
        Ok(RuleRunFilter {
            ticket_id: self
                .ticket_id
                .map(|raw| {
                    raw.trim().parse().map_err(|_| {
                        ApiError::bad_request(format!("ticket_id must be an id, got {raw:?}"))
                    })
                })
                .transpose()?,
            plugin: self.plugin,
            trigger: self.trigger,
            outcome,
            since: time("since", self.since)?,
            until: time("until", self.until)?,
        })
    }
}

fn params_outcome(raw: Option<&str>) -> Result<Option<RunOutcome>, ApiError> {
    raw.map(|raw| {
        raw.trim()
            .parse::<RunOutcome>()
            .map_err(|e| ApiError::bad_request(format!("outcome: {e}")))
    })
    .transpose()
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RuleRunsList {
    rule_runs: Vec<RuleRun>,
    /// The URL of the next page; null on the last.
    next_page: Option<String>,
    /// How many runs match in all.
    count: i64,
}

/// What the triggers did, desk-wide or for one ticket, oldest first: per firing or failure,
/// the plugin and its content hash, the trigger, the actions, the resulting changes, the error
/// and its kind, what the plugin logged, fuel and time. Every filter given must hold.
#[utoipa::path(get, path = "/api/v2/rule_runs", tag = "rule_runs", params(Params, PageParams),
    responses((status = 200, body = RuleRunsList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list(
    _: Agent,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<Params>,
    QueryParams(page): QueryParams<PageParams>,
    url: RequestUrl,
) -> ApiResult<Json<RuleRunsList>> {
    let filter = params.filter()?;
    if let Some(ticket_id) = filter.ticket_id {
        // An unknown ticket is a 404, not an empty list.
        state.store.ticket(ticket_id).await?;
    }
    let listing = state.store.list_rule_runs(&filter, page.page()?).await?;
    Ok(Json(RuleRunsList {
        next_page: listing.next_after.map(|after| url.next_page(after)),
        count: listing.count,
        rule_runs: listing.items,
    }))
}
