//! `/api/v2/tickets`: requests from customers, and their comments.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Agent;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Id, IdsParams, JsonBody, PageParams, QueryParams, RequestUrl, envelopes};
use crate::domain::{
    Actor, Audit, Comment, CustomFieldValue, FieldScope, Status, Ticket, TicketDraft,
    custom_field_list,
};
use crate::store::{Listing, Store, StoreError, TicketFilter};

envelopes!(TicketEnvelope, TicketsPage, TicketBody { ticket / tickets: TicketView, draft: TicketDraft });

/// A ticket as Zendesk clients read it: its custom values are the list of every ticket field
/// with the ticket's value (`[{"id": 7, "value": "A-1"}, {"id": 8, "value": null}]`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketView {
    #[serde(flatten)]
    ticket: Ticket,
    custom_fields: Vec<CustomFieldValue>,
}

/// Tickets as shown, with the ticket fields read once.
pub(super) async fn views(
    store: &Store,
    tickets: Vec<Ticket>,
) -> Result<Vec<TicketView>, StoreError> {
    let fields = store.fields(FieldScope::Ticket).await?;
    Ok(tickets
        .into_iter()
        .map(|ticket| TicketView {
            custom_fields: custom_field_list(&ticket.custom_fields, &fields),
            ticket,
        })
        .collect())
}

async fn view(store: &Store, ticket: Ticket) -> Result<TicketView, StoreError> {
    Ok(views(store, vec![ticket]).await?.remove(0))
}

/// A page of tickets as shown.
pub(super) async fn listing_views(
    store: &Store,
    listing: Listing<Ticket>,
) -> Result<Listing<TicketView>, StoreError> {
    Ok(Listing {
        items: views(store, listing.items).await?,
        next_after: listing.next_after,
        count: listing.count,
    })
}

/// A ticket write's answer, as Zendesk gives it: the ticket and the write's audit.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketWritten {
    ticket: TicketView,
    audit: Audit,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketAudits {
    audits: Vec<Audit>,
    next_page: Option<String>,
    count: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommentsPage {
    comments: Vec<Comment>,
    next_page: Option<String>,
    count: i64,
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update))
        .routes(routes!(comments))
        .routes(routes!(audits))
        .routes(routes!(attachments))
        .routes(routes!(show_many))
}

/// The tickets with these ids, in id order; ids that name no ticket are left out.
#[utoipa::path(get, path = "/api/v2/tickets/show_many", tag = "tickets", params(IdsParams),
    responses((status = 200, body = TicketsPage), (status = 400, body = ErrorBody)))]
async fn show_many(
    _: Agent,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<IdsParams>,
) -> ApiResult<Json<TicketsPage>> {
    let tickets = state.store.tickets_by_ids(&params.ids()?).await?;
    Ok(Json(TicketsPage::whole(
        views(&state.store, tickets).await?,
    )))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// new, open, pending, hold, solved or closed.
    #[param(value_type = Option<crate::domain::Status>)]
    status: Option<String>,
    #[param(value_type = Option<i64>)]
    requester_id: Option<String>,
    #[param(value_type = Option<i64>)]
    organization_id: Option<String>,
    #[param(value_type = Option<i64>)]
    assignee_id: Option<String>,
    #[param(value_type = Option<i64>)]
    group_id: Option<String>,
}

fn id_filter(name: &str, raw: Option<&str>) -> Result<Option<i64>, ApiError> {
    raw.map(|raw| {
        raw.trim()
            .parse()
            .map_err(|_| ApiError::bad_request(format!("{name} must be an id, got {raw:?}")))
    })
    .transpose()
}

/// Lists tickets in id order; every filter given must hold.
#[utoipa::path(get, path = "/api/v2/tickets", tag = "tickets", params(ListParams, PageParams),
    responses((status = 200, body = TicketsPage), (status = 400, body = ErrorBody)))]
async fn list(
    _: Agent,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<ListParams>,
    QueryParams(page): QueryParams<PageParams>,
    url: RequestUrl,
) -> ApiResult<Json<TicketsPage>> {
    let filter = TicketFilter {
        status: params
            .status
            .as_deref()
            .map(str::parse::<Status>)
            .transpose()
            .map_err(|e| ApiError::bad_request(e.to_string()))?,
        requester_id: id_filter("requester_id", params.requester_id.as_deref())?,
        organization_id: id_filter("organization_id", params.organization_id.as_deref())?,
        assignee_id: id_filter("assignee_id", params.assignee_id.as_deref())?,
        group_id: id_filter("group_id", params.group_id.as_deref())?,
    };
    let listing = state.store.list_tickets(&filter, page.page()?).await?;
    let listing = listing_views(&state.store, listing).await?;
    Ok(Json(TicketsPage::new(listing, &url)))
}

/// Creates a ticket with its first comment (`comment.body` or `description`); the triggers of
/// the enabled plugins run and what they change is stored with it. Name the
/// requester by `requester_id`, or by `requester: {email, name}` to find or create them.
/// The answer carries the write's audit: what the request set and what each trigger changed.
#[utoipa::path(post, path = "/api/v2/tickets", tag = "tickets", request_body = TicketBody,
    responses((status = 201, body = TicketWritten), (status = 422, body = ErrorBody)))]
async fn create(
    Agent(token): Agent,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<TicketBody>,
) -> ApiResult<(StatusCode, Json<TicketWritten>)> {
    let mut draft = body.ticket;
    let author = draft.comment.as_ref().and_then(|comment| comment.author_id);
    if draft.submitter_id.is_none() && author.is_none() {
        // Zendesk's submitter is the authenticated user: here, the token's owner.
        draft.submitter_id = token.owner_id;
    }
    let (ticket, audit) = state
        .rules
        .create_ticket_audited(&state.store, draft, Actor::Integration(token.name))
        .await?;
    let ticket = view(&state.store, ticket).await?;
    Ok((StatusCode::CREATED, Json(TicketWritten { ticket, audit })))
}

/// Shows a ticket.
#[utoipa::path(get, path = "/api/v2/tickets/{id}", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = TicketEnvelope), (status = 404, body = ErrorBody)))]
async fn show(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<TicketEnvelope>> {
    let ticket = view(&state.store, state.store.ticket(id).await?).await?;
    Ok(Json(TicketEnvelope { ticket }))
}

/// Changes the attributes sent and adds `comment`, if any; the answer carries the write's audit.
#[utoipa::path(put, path = "/api/v2/tickets/{id}", tag = "tickets", params(("id" = i64, Path)), request_body = TicketBody,
    responses((status = 200, body = TicketWritten), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    Agent(token): Agent,
    State(state): State<AppState>,
    Id(id): Id,
    JsonBody(body): JsonBody<TicketBody>,
) -> ApiResult<Json<TicketWritten>> {
    let (ticket, audit) = state
        .rules
        .update_ticket_audited(
            &state.store,
            id,
            body.ticket,
            Actor::Integration(token.name),
        )
        .await?;
    let ticket = view(&state.store, ticket).await?;
    Ok(Json(TicketWritten { ticket, audit }))
}

/// The ticket's history, one audit per write, oldest first: what each request set or changed,
/// its comment, and what each trigger changed ("trigger X of plugin Y" in the event's `via`).
#[utoipa::path(get, path = "/api/v2/tickets/{id}/audits", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = TicketAudits), (status = 404, body = ErrorBody)))]
async fn audits(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<TicketAudits>> {
    let audits = state.store.audits(id).await?;
    Ok(Json(TicketAudits {
        count: audits.len() as i64,
        audits,
        next_page: None,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketAttachments {
    attachments: Vec<crate::store::Attachment>,
    count: usize,
}

/// The files that came with a ticket's messages (name, type, size, SHA-256), oldest first.
#[utoipa::path(get, path = "/api/v2/tickets/{id}/attachments", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = TicketAttachments), (status = 404, body = ErrorBody)))]
async fn attachments(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<TicketAttachments>> {
    let attachments = state.store.attachments(id).await?;
    Ok(Json(TicketAttachments {
        count: attachments.len(),
        attachments,
    }))
}

/// A ticket's comments, oldest first.
#[utoipa::path(get, path = "/api/v2/tickets/{id}/comments", tag = "tickets", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = CommentsPage), (status = 404, body = ErrorBody)))]
async fn comments(
    _: Agent,
    State(state): State<AppState>,
    Id(id): Id,
    QueryParams(params): QueryParams<PageParams>,
    url: RequestUrl,
) -> ApiResult<Json<CommentsPage>> {
    let listing = state.store.comments(id, params.page()?).await?;
    Ok(Json(CommentsPage {
        next_page: listing.next_after.map(|after| url.next_page(after)),
        count: listing.count,
        comments: listing.items,
    }))
}
