//! Zendesk's bulk endpoints (`/users/create_many`, `create_or_update_many`, `update_many`,
//! `/organizations/create_many`, `/tickets/create_many`) and `/job_statuses`. A bulk request is
//! checked for its shape, queued as a job and answered at once with the job's status; clients
//! poll `/api/v2/job_statuses/{id}` for one result per item.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Agent;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{IdsParams, JsonBody, QueryParams, listed_ids};
use crate::domain::Problems;
use crate::domain::job::{Job, JobAuthor, JobKind, MAX_JOB_ITEMS};
use crate::domain::token::ApiToken;
use crate::jobs::check_item;
use crate::store::StoreError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_many_users))
        .routes(routes!(create_or_update_many_users))
        .routes(routes!(update_many_users))
        .routes(routes!(create_many_organizations))
        .routes(routes!(create_many_tickets))
        .routes(routes!(list_job_statuses))
        .routes(routes!(show_many_job_statuses))
        .routes(routes!(show_job_status))
}

/// A job as Zendesk shows it, with the link to poll.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobStatus {
    #[serde(flatten)]
    job: Job,
    /// Where to poll the job.
    url: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobStatusEnvelope {
    job_status: JobStatus,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobStatusesList {
    job_statuses: Vec<JobStatus>,
    count: usize,
}

/// Users to create (or create or update): at most 100 user objects, as `POST /users` takes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsersBatch {
    #[schema(value_type = Vec<crate::domain::UserDraft>)]
    users: Vec<Value>,
}

/// Users to change: either `users`, each with its `id`, or one `user` applied to every id of
/// `?ids=1,2,3`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsersUpdateBatch {
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    users: Option<Vec<Value>>,
    #[serde(default)]
    #[schema(value_type = Option<crate::domain::UserDraft>)]
    user: Option<Value>,
}

/// Organizations to create: at most 100, as `POST /organizations` takes them.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationsBatch {
    #[schema(value_type = Vec<crate::domain::OrganizationDraft>)]
    organizations: Vec<Value>,
}

/// Tickets to create: at most 100, as `POST /tickets` takes them.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketsBatch {
    #[schema(value_type = Vec<crate::domain::TicketDraft>)]
    tickets: Vec<Value>,
}

/// Checks the batch's size and every item's shape (all problems together), then queues it.
async fn enqueue(
    state: &AppState,
    token: ApiToken,
    kind: JobKind,
    attribute: &str,
    items: Vec<Value>,
) -> ApiResult<Json<JobStatusEnvelope>> {
    if items.is_empty() || items.len() > MAX_JOB_ITEMS {
        return Err(ApiError::invalid(
            attribute,
            format!(
                "send 1 to {MAX_JOB_ITEMS} {attribute} per request (got {}); split larger batches",
                items.len()
            ),
        ));
    }
    let mut problems = Problems::default();
    for (index, item) in items.iter().enumerate() {
        if let Err(reason) = check_item(kind, item) {
            problems.add(&format!("{attribute}[{index}]"), reason);
        }
    }
    if !problems.is_empty() {
        return Err(StoreError::from(problems).into());
    }
    let author = JobAuthor {
        token_name: token.name,
        owner_id: token.owner_id,
    };
    let job = state.jobs.enqueue(kind, &items, &author).await?;
    Ok(Json(JobStatusEnvelope {
        job_status: status(state, job),
    }))
}

fn status(state: &AppState, job: Job) -> JobStatus {
    let url = format!(
        "{}/api/v2/job_statuses/{}.json",
        state.options.public_url, job.id
    );
    JobStatus { job, url }
}

/// Creates up to 100 users in a background job; poll the returned job status for each result.
#[utoipa::path(post, path = "/api/v2/users/create_many", tag = "jobs", request_body = UsersBatch,
    responses((status = 200, body = JobStatusEnvelope), (status = 422, body = ErrorBody)))]
async fn create_many_users(
    Agent(token): Agent,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<UsersBatch>,
) -> ApiResult<Json<JobStatusEnvelope>> {
    enqueue(&state, token, JobKind::CreateUsers, "users", body.users).await
}

/// Creates or updates (by email) up to 100 users in a background job.
#[utoipa::path(post, path = "/api/v2/users/create_or_update_many", tag = "jobs", request_body = UsersBatch,
    responses((status = 200, body = JobStatusEnvelope), (status = 422, body = ErrorBody)))]
async fn create_or_update_many_users(
    Agent(token): Agent,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<UsersBatch>,
) -> ApiResult<Json<JobStatusEnvelope>> {
    enqueue(
        &state,
        token,
        JobKind::CreateOrUpdateUsers,
        "users",
        body.users,
    )
    .await
}

/// Updates up to 100 users in a background job: `{"users": [{"id": 1, ...}, ...]}`, or
/// `?ids=1,2,3` with `{"user": {...}}` for the same change to each.
#[utoipa::path(put, path = "/api/v2/users/update_many", tag = "jobs", params(IdsParams), request_body = UsersUpdateBatch,
    responses((status = 200, body = JobStatusEnvelope), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_many_users(
    Agent(token): Agent,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<IdsParams>,
    JsonBody(body): JsonBody<UsersUpdateBatch>,
) -> ApiResult<Json<JobStatusEnvelope>> {
    let items = match (body.users, body.user, params.ids.is_some()) {
        (Some(users), None, false) => users,
        (None, Some(user), true) => {
            let Value::Object(change) = user else {
                return Err(ApiError::invalid(
                    "user",
                    "must be an object of the attributes to change",
                ));
            };
            params
                .ids()?
                .into_iter()
                .map(|id| {
                    let mut item = change.clone();
                    item.insert("id".into(), id.into());
                    Value::Object(item)
                })
                .collect()
        }
        _ => {
            return Err(ApiError::invalid(
                "users",
                "send either {\"users\": [{\"id\": 1, ...}, ...]} or ?ids=1,2,3 with \
                 {\"user\": {...}}",
            ));
        }
    };
    enqueue(&state, token, JobKind::UpdateUsers, "users", items).await
}

/// Creates up to 100 organizations in a background job.
#[utoipa::path(post, path = "/api/v2/organizations/create_many", tag = "jobs", request_body = OrganizationsBatch,
    responses((status = 200, body = JobStatusEnvelope), (status = 422, body = ErrorBody)))]
async fn create_many_organizations(
    Agent(token): Agent,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<OrganizationsBatch>,
) -> ApiResult<Json<JobStatusEnvelope>> {
    enqueue(
        &state,
        token,
        JobKind::CreateOrganizations,
        "organizations",
        body.organizations,
    )
    .await
}

/// Creates up to 100 tickets in a background job; each goes through the triggers and is
/// audited as a single create would be.
#[utoipa::path(post, path = "/api/v2/tickets/create_many", tag = "jobs", request_body = TicketsBatch,
    responses((status = 200, body = JobStatusEnvelope), (status = 422, body = ErrorBody)))]
async fn create_many_tickets(
    Agent(token): Agent,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<TicketsBatch>,
) -> ApiResult<Json<JobStatusEnvelope>> {
    enqueue(
        &state,
        token,
        JobKind::CreateTickets,
        "tickets",
        body.tickets,
    )
    .await
}

/// The 100 newest jobs, newest first (finished jobs are kept for 7 days).
#[utoipa::path(get, path = "/api/v2/job_statuses", tag = "jobs",
    responses((status = 200, body = JobStatusesList)))]
async fn list_job_statuses(
    _: Agent,
    State(state): State<AppState>,
) -> ApiResult<Json<JobStatusesList>> {
    let jobs = state.store.recent_jobs(MAX_JOB_ITEMS as i64).await?;
    Ok(Json(list(&state, jobs)))
}

fn list(state: &AppState, jobs: Vec<Job>) -> JobStatusesList {
    let job_statuses: Vec<JobStatus> = jobs.into_iter().map(|job| status(state, job)).collect();
    JobStatusesList {
        count: job_statuses.len(),
        job_statuses,
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct JobIdsParams {
    /// Comma-separated job ids, at most 100.
    ids: Option<String>,
}

/// The jobs with these ids; unknown ids are left out.
#[utoipa::path(get, path = "/api/v2/job_statuses/show_many", tag = "jobs", params(JobIdsParams),
    responses((status = 200, body = JobStatusesList), (status = 400, body = ErrorBody)))]
async fn show_many_job_statuses(
    _: Agent,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<JobIdsParams>,
) -> ApiResult<Json<JobStatusesList>> {
    let ids: Vec<String> = listed_ids(params.ids.as_deref())?
        .into_iter()
        .map(str::to_string)
        .collect();
    let jobs = state.store.jobs_by_ids(&ids).await?;
    Ok(Json(list(&state, jobs)))
}

/// A job's status, progress and the result of each item done.
#[utoipa::path(get, path = "/api/v2/job_statuses/{id}", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, body = JobStatusEnvelope), (status = 404, body = ErrorBody)))]
async fn show_job_status(
    _: Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<JobStatusEnvelope>> {
    let job = state.store.job(&id).await?;
    Ok(Json(JobStatusEnvelope {
        job_status: status(&state, job),
    }))
}
