//! `/api/v2/rule_runs`, the trigger engine's audit per ticket, and
//! `/api/v2/tickets/{id}/audits`, the same read as the ticket's history.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Agent;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Id, QueryParams};
use crate::domain::rule_run::{RuleRun, RunOutcome};
use crate::domain::{Change, Timestamp};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(ticket_audits))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Params {
    /// The ticket whose trigger runs to show.
    #[param(value_type = i64)]
    ticket_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RuleRunsList {
    rule_runs: Vec<RuleRun>,
    count: i64,
}

/// What the triggers did on a ticket: per firing or failure, the plugin and its content hash,
/// the trigger, the actions, the resulting changes, the error, fuel and time.
#[utoipa::path(get, path = "/api/v2/rule_runs", tag = "rule_runs", params(Params),
    responses((status = 200, body = RuleRunsList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list(
    _: Agent,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<Params>,
) -> ApiResult<Json<RuleRunsList>> {
    let raw = params
        .ticket_id
        .ok_or_else(|| ApiError::bad_request("send ticket_id=ID"))?;
    let ticket_id = raw
        .trim()
        .parse()
        .map_err(|_| ApiError::bad_request(format!("ticket_id must be an id, got {raw:?}")))?;
    let rule_runs = state.store.rule_runs(ticket_id).await?;
    Ok(Json(RuleRunsList {
        count: rule_runs.len() as i64,
        rule_runs,
    }))
}

/// One entry of a ticket's history: what a trigger did to it, and which code did it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketAudit {
    /// The rule run's id.
    id: i64,
    created_at: Timestamp,
    /// In words: "changed by trigger vip-escalation of plugin retail-vip".
    description: String,
    via: AuditVia,
    outcome: RunOutcome,
    /// The changes, in Zendesk's words: `field_name`, `previous_value`, `value`.
    events: Vec<AuditEvent>,
    error: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditVia {
    plugin: String,
    trigger: String,
    /// SHA-256 of the component that ran.
    content_hash: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEvent {
    field_name: String,
    #[schema(value_type = Object)]
    previous_value: Option<crate::domain::FieldValue>,
    #[schema(value_type = Object)]
    value: Option<crate::domain::FieldValue>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketAudits {
    audits: Vec<TicketAudit>,
    count: i64,
}

impl From<RuleRun> for TicketAudit {
    fn from(run: RuleRun) -> Self {
        let by = format!("trigger {} of plugin {}", run.trigger, run.plugin);
        let description = match run.outcome {
            RunOutcome::Fired if run.changes.is_empty() => {
                format!("{by} fired and changed nothing")
            }
            RunOutcome::Fired => format!("changed by {by}"),
            RunOutcome::InvalidActions => {
                format!("{by} matched, but its actions were invalid: nothing applied")
            }
            RunOutcome::Failed => format!("{by} failed: counted as not matched"),
        };
        TicketAudit {
            id: run.id,
            created_at: run.created_at,
            description,
            via: AuditVia {
                plugin: run.plugin,
                trigger: run.trigger,
                content_hash: run.content_hash,
            },
            outcome: run.outcome,
            events: run
                .changes
                .into_iter()
                .map(
                    |Change {
                         field,
                         previous,
                         current,
                     }| AuditEvent {
                        field_name: field,
                        previous_value: previous,
                        value: current,
                    },
                )
                .collect(),
            error: run.error,
        }
    }
}

/// The ticket's history of trigger changes, oldest first: each says "changed by trigger X of
/// plugin Y" with the fields it changed.
#[utoipa::path(get, path = "/api/v2/tickets/{id}/audits", tag = "tickets",
    params(("id" = i64, Path)),
    responses((status = 200, body = TicketAudits), (status = 404, body = ErrorBody)))]
async fn ticket_audits(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<TicketAudits>> {
    let audits: Vec<TicketAudit> = state
        .store
        .rule_runs(id)
        .await?
        .into_iter()
        .map(TicketAudit::from)
        .collect();
    Ok(Json(TicketAudits {
        count: audits.len() as i64,
        audits,
    }))
}
