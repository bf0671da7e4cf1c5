//! `/api/v2/rule_runs`: the trigger engine's audit, per ticket.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Agent;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::QueryParams;
use crate::domain::rule_run::RuleRun;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
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
