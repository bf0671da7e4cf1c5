//! The intake channels: what arrives from customers (email today) becomes the same ticket write
//! the API makes — requester and organization found or created by the identity rules, the
//! triggers run, the audit written — in one transaction with what the channel keeps beside it
//! (the Message-ID, the attachments).

pub mod chat;
pub mod email;
pub mod portal;
pub mod smtp;
pub mod voice;

use serde::Serialize;

use crate::domain::ticket::{RequesterDraft, ViaParty, ViaSource};
use crate::domain::{Actor, Channel, CommentDraft, TicketDraft};
use crate::rules::Rules;
use crate::store::{Store, StoreError, Tx};
use email::{InboundEmail, MalformedEmail, ticket_in_subject};

crate::domain::named_enum! {
    /// What became of an inbound message: a new ticket, a comment on the ticket it answers,
    /// nothing for a message taken in before, nothing for a machine's mail.
    pub enum IntakeOutcome ("intake outcome") {
        Created => "created", Commented => "commented", Duplicate => "duplicate", Ignored => "ignored",
    }
}

/// What became of an inbound message, and which ticket it went to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Received {
    pub outcome: IntakeOutcome,
    /// The ticket created, commented on, or that the message went to before (not for ignored
    /// mail).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<i64>,
    /// Why a message was ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Received {
    fn to(outcome: IntakeOutcome, ticket_id: i64) -> Received {
        Received {
            outcome,
            ticket_id: Some(ticket_id),
            reason: None,
        }
    }
}

/// Why a message was not taken in.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Malformed(#[from] MalformedEmail),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Takes in a raw RFC 5322 message: a reply (In-Reply-To / References naming a message of a
/// ticket, or `[#id]` in the subject from the ticket's requester) becomes a comment on that
/// ticket; anything else from a person opens a ticket from the sender. Nothing is written for a
/// machine's mail or a message taken in before.
pub async fn receive_email(
    store: &Store,
    rules: &Rules,
    raw: &[u8],
) -> Result<Received, IntakeError> {
    let email = email::read(raw)?;
    if let Some(reason) = email.automatic {
        tracing::info!(from = %email.from_address, %reason, "email from a machine ignored");
        return Ok(Received {
            outcome: IntakeOutcome::Ignored,
            ticket_id: None,
            reason: Some(reason),
        });
    }
    let mut tx = store.begin_write().await?;
    if let Some(id) = &email.message_id
        && let Some(ticket_id) = tx.ticket_of_messages(std::slice::from_ref(id)).await?
    {
        return Ok(Received::to(IntakeOutcome::Duplicate, ticket_id));
    }
    let received = match thread(&mut tx, &email).await? {
        Some(ticket_id) => {
            let author = tx
                .find_or_create_customer(&email.from_address, email.from_name.as_deref())
                .await?;
            let mut draft = TicketDraft::default();
            draft.comment = Some(CommentDraft {
                body: comment_text(&email),
                public: true,
                author_id: Some(author.id),
            });
            rules
                .update_ticket_in(&mut tx, ticket_id, draft, Actor::Requester)
                .await?;
            Received::to(IntakeOutcome::Commented, ticket_id)
        }
        None => {
            let mut draft = TicketDraft::default();
            draft.subject = Some(email.subject.clone());
            draft.description = Some(comment_text(&email));
            draft.channel = Some(Channel::Email.name().to_string());
            draft.via_source = Some(ViaSource {
                from: ViaParty {
                    address: Some(email.from_address.clone()),
                    name: email.from_name.clone(),
                },
                to: ViaParty {
                    address: email.to_address.clone(),
                    name: None,
                },
                rel: None,
            });
            draft.requester = Some(RequesterDraft {
                email: Some(email.from_address.clone()),
                phone: None,
                name: email.from_name.clone(),
            });
            let (ticket, _) = rules
                .create_ticket_in(&mut tx, draft, Actor::Requester)
                .await?;
            Received::to(IntakeOutcome::Created, ticket.id)
        }
    };
    let ticket_id = received.ticket_id.unwrap_or_default();
    if let Some(id) = &email.message_id {
        match tx.record_message(id, ticket_id).await {
            Ok(()) => {}
            // The same message, delivered twice at once, was taken in by the other delivery.
            Err(StoreError::Conflict(_)) => {
                drop(tx);
                let mut tx = store.begin_write().await?;
                let ticket_id = tx
                    .ticket_of_messages(std::slice::from_ref(id))
                    .await?
                    .unwrap_or(ticket_id);
                return Ok(Received::to(IntakeOutcome::Duplicate, ticket_id));
            }
            Err(other) => return Err(other.into()),
        }
    }
    for attachment in &email.attachments {
        tx.store_attachment(ticket_id, attachment).await?;
    }
    tx.commit().await?;
    Ok(received)
}

/// The ticket a message answers: one of the messages it replies to, or `[#id]` in its subject
/// when it comes from that ticket's requester (a subject alone is easy to forge).
async fn thread(tx: &mut Tx, email: &InboundEmail) -> Result<Option<i64>, StoreError> {
    if let Some(ticket_id) = tx.ticket_of_messages(&email.replies_to).await? {
        return Ok(Some(ticket_id));
    }
    let Some(id) = ticket_in_subject(&email.subject) else {
        return Ok(None);
    };
    let ticket = match tx.ticket(id).await {
        Ok(ticket) => ticket,
        Err(StoreError::NotFound { .. }) => return Ok(None),
        Err(other) => return Err(other),
    };
    let requester = tx.user(ticket.requester_id).await?;
    let from_requester = requester
        .email
        .is_some_and(|address| address.eq_ignore_ascii_case(&email.from_address));
    Ok(from_requester.then_some(id))
}

/// The comment's text: the message's text, or its subject when it has none, with the names of
/// its attachments.
fn comment_text(email: &InboundEmail) -> String {
    let mut text = if email.text.is_empty() {
        email.subject.clone()
    } else {
        email.text.clone()
    };
    if text.is_empty() {
        text = "(no text)".to_string();
    }
    if !email.attachments.is_empty() {
        let names: Vec<&str> = email
            .attachments
            .iter()
            .map(|attachment| attachment.file_name.as_str())
            .collect();
        text.push_str(&format!("\n\nAttachments: {}", names.join(", ")));
    }
    text
}
