//! `/api/v2/portal/...`: the customer portal, open to anyone (limited per client address and in
//! body size). See [`crate::intake::portal`] for why a session token and what it may do.

use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::PortalCustomer;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::JsonBody;
use super::rate_limit::PortalClient;
use crate::domain::{Channel, Priority, Status, Ticket, Timestamp};
use crate::intake::portal::{
    NewPortalRequest, PortalRegistration, PortalSession, open_request, register,
};

/// Largest body the portal takes: a registration or a request with its text.
pub const PORTAL_BODY_BYTES: usize = 64 * 1024;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(registration))
        .routes(routes!(request))
        .layer(DefaultBodyLimit::max(PORTAL_BODY_BYTES))
        .layer(axum::middleware::map_response(say_the_body_limit))
}

/// A 413 from the portal names its limit, which is not the API's.
async fn say_the_body_limit(response: Response) -> Response {
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE {
        return response;
    }
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "the portal takes at most {PORTAL_BODY_BYTES} bytes ({} KiB) in a request body",
            PORTAL_BODY_BYTES / 1024
        ),
    )
    .into_response()
}

/// Registers a customer on the portal: the customer is found or created from the email
/// address (with their organization, by domain, as the identity settings say) and a portal
/// session token is issued, shown once. The answer is the same for a new and a known address.
#[utoipa::path(post, path = "/api/v2/portal/registrations", tag = "portal", security(()),
    request_body = PortalRegistration,
    responses((status = 201, body = PortalSession), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn registration(
    _: PortalClient,
    State(state): State<AppState>,
    JsonBody(registration): JsonBody<PortalRegistration>,
) -> ApiResult<(StatusCode, Json<PortalSession>)> {
    let session = register(&state.store, registration).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// `{"request": {...}}`, as Zendesk's Requests API takes and answers it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PortalRequestEnvelope {
    request: NewPortalRequest,
}

/// A request as its customer sees it: what they wrote and where it stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct PortalRequestView {
    id: i64,
    subject: String,
    description: String,
    status: Status,
    priority: Option<Priority>,
    requester_id: i64,
    via: PortalVia,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct PortalVia {
    channel: Channel,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct PortalRequestAnswer {
    request: PortalRequestView,
}

impl From<Ticket> for PortalRequestView {
    fn from(ticket: Ticket) -> PortalRequestView {
        PortalRequestView {
            id: ticket.id,
            subject: ticket.subject,
            description: ticket.description,
            status: ticket.status,
            priority: ticket.priority,
            requester_id: ticket.requester_id,
            via: PortalVia {
                channel: ticket.via.channel,
            },
            created_at: ticket.created_at,
            updated_at: ticket.updated_at,
        }
    }
}

/// Opens a request (a ticket with channel `portal`) as the customer whose session token is
/// sent (`Authorization: Bearer wdp_...`); the triggers run as on any new ticket.
#[utoipa::path(post, path = "/api/v2/portal/requests", tag = "portal",
    request_body = PortalRequestEnvelope,
    responses((status = 201, body = PortalRequestAnswer), (status = 401, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
async fn request(
    _: PortalClient,
    PortalCustomer(customer): PortalCustomer,
    State(state): State<AppState>,
    JsonBody(envelope): JsonBody<PortalRequestEnvelope>,
) -> ApiResult<(StatusCode, Json<PortalRequestAnswer>)> {
    let ticket = open_request(&state.store, &state.rules, &customer, envelope.request).await?;
    Ok((
        StatusCode::CREATED,
        Json(PortalRequestAnswer {
            request: ticket.into(),
        }),
    ))
}
