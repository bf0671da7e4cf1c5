//! The customer portal: a customer registers with their email address (and perhaps a name) and
//! gets a portal session token, with which they open requests — tickets with channel `portal`,
//! the same ticket write the API makes.
//!
//! Why a session token issued at registration and not a link sent by email: the desk does not
//! send mail yet, and a link nobody receives verifies nothing. So registration does not prove
//! that the registrant owns the address, and a session is given exactly the trust an email's
//! From header gets: it opens requests as that customer and reads nothing back — no tickets, no
//! custom fields, not even whether the address was known before (registration answers the same
//! either way).

use serde::{Deserialize, Serialize};

use crate::domain::ticket::{ViaParty, ViaSource};
use crate::domain::user::check_name;
use crate::domain::{Actor, Channel, Problems, Ticket, TicketDraft, User, UserRole};
use crate::rules::Rules;
use crate::store::{Store, StoreError};

/// A registration: the customer's email address, and the name to give a new customer.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalRegistration {
    pub email: String,
    /// Taken for a new customer; a known customer keeps their name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A registered customer and their portal session token.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PortalSession {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    /// The session token, shown once: send it as `Authorization: Bearer <token>` to open
    /// requests.
    pub token: String,
}

/// Registers a customer on the portal: finds or creates them (and their organization, by the
/// identity rules), and opens a session, in one transaction.
pub async fn register(
    store: &Store,
    registration: PortalRegistration,
) -> Result<PortalSession, StoreError> {
    let name = registration
        .name
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty());
    if let Some(name) = name {
        let mut problems = Problems::default();
        check_name(name, &mut problems);
        problems.into_result(())?;
    }
    let mut tx = store.begin_write().await?;
    let user = tx
        .find_or_create_customer(registration.email.trim(), name)
        .await?;
    if user.role != UserRole::EndUser {
        return Err(StoreError::rejected(
            "email",
            "belongs to an agent or admin; staff use API tokens, not the portal",
        ));
    }
    let token = tx.open_portal_session(user.id).await?;
    tx.commit().await?;
    Ok(PortalSession {
        user_id: user.id,
        email: user.email.clone().unwrap_or_default(),
        name: user.name,
        token,
    })
}

/// A request as Zendesk's Requests API takes it: `{"request": {"subject", "comment": {"body"}}}`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPortalRequest {
    /// Without one, the text's first line, as on any new ticket.
    #[serde(default)]
    pub subject: Option<String>,
    pub comment: PortalComment,
}

/// What the customer writes.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalComment {
    pub body: String,
}

/// Opens a ticket with channel `portal` from `customer`; the triggers run as on any new ticket.
pub async fn open_request(
    store: &Store,
    rules: &Rules,
    customer: &User,
    request: NewPortalRequest,
) -> Result<Ticket, StoreError> {
    if request.comment.body.trim().is_empty() {
        return Err(StoreError::rejected(
            "comment.body",
            "must not be empty: write what the request is about",
        ));
    }
    let mut draft = TicketDraft::default();
    draft.subject = request.subject;
    draft.description = Some(request.comment.body);
    draft.channel = Some(Channel::Portal.name().to_string());
    draft.requester_id = Some(customer.id);
    draft.via_source = Some(ViaSource {
        from: ViaParty {
            address: customer.email.clone(),
            name: Some(customer.name.clone()),
        },
        to: ViaParty::default(),
        rel: None,
    });
    let mut tx = store.begin_write().await?;
    let (ticket, _) = rules
        .create_ticket_in(&mut tx, draft, Actor::Requester)
        .await?;
    tx.commit().await?;
    Ok(ticket)
}
