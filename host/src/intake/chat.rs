//! Chat messages (`POST /api/v2/channels/chat/messages`): the first message of a conversation
//! opens a ticket with channel `chat` from its sender (found or created by email or phone, or a
//! known user by external id); every later message of the conversation is a comment on it.

use serde::Deserialize;

use super::{IntakeOutcome, Received};
use crate::domain::problems::Problems;
use crate::domain::ticket::{MAX_COMMENT_BYTES, RequesterDraft, ViaParty, ViaSource};
use crate::domain::{Actor, Channel, CommentDraft, TicketDraft, User};
use crate::rules::Rules;
use crate::store::{Store, StoreError, Tx};

/// Longest conversation id accepted.
const MAX_CONVERSATION_ID: usize = 200;

/// One chat message as the chat widget or its backend sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatMessage {
    /// Who writes: one of `email`, `phone` (found or created) or `external_id` (a known user),
    /// with an optional `name` for a new customer.
    pub from: ChatSender,
    /// The chat system's id of the conversation.
    pub conversation_id: String,
    pub text: String,
}

/// Who writes a chat message.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatSender {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

impl ChatMessage {
    /// Every problem of the message at once.
    fn check(&self) -> Result<(), Problems> {
        let mut problems = Problems::default();
        let named = [&self.from.email, &self.from.phone, &self.from.external_id]
            .iter()
            .filter(|value| value.is_some())
            .count();
        if named != 1 {
            problems.add(
                "from",
                "name the sender by exactly one of email, phone or external_id: \
                 {\"email\": \"ada@example.com\"}",
            );
        }
        let id = self.conversation_id.trim();
        if id.is_empty() || id.len() > MAX_CONVERSATION_ID {
            problems.add(
                "conversation_id",
                format!("must be 1 to {MAX_CONVERSATION_ID} characters"),
            );
        }
        if self.text.trim().is_empty() {
            problems.add("text", "must not be empty");
        } else if self.text.len() > MAX_COMMENT_BYTES {
            problems.add(
                "text",
                format!("must be at most {} KiB", MAX_COMMENT_BYTES / 1024),
            );
        }
        problems.into_result(())
    }
}

/// Takes in a chat message; see the module documentation.
pub async fn receive_chat(
    store: &Store,
    rules: &Rules,
    message: ChatMessage,
) -> Result<Received, StoreError> {
    message.check()?;
    let conversation = message.conversation_id.trim().to_string();
    // The sender by external id is read first: such a user is never created here.
    let known = match &message.from.external_id {
        Some(external_id) => Some(store.user_by_external_id(external_id).await?.ok_or_else(|| {
            StoreError::rejected(
                "from.external_id",
                format!("there is no user with external_id {external_id:?}; send email or phone to create one"),
            )
        })?),
        None => None,
    };
    for attempt in 0..2 {
        let mut tx = store.begin_write().await?;
        let received = match tx.ticket_of_conversation(&conversation).await? {
            Some(ticket_id) => {
                let author = sender(&mut tx, &message, known.as_ref()).await?;
                let mut draft = TicketDraft::default();
                draft.comment = Some(CommentDraft {
                    body: message.text.clone(),
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
                draft.description = Some(message.text.clone());
                draft.channel = Some(Channel::Chat.name().to_string());
                let from = &message.from;
                match &known {
                    Some(user) => draft.requester_id = Some(user.id),
                    None => {
                        draft.requester = Some(RequesterDraft {
                            email: from.email.clone(),
                            phone: from.phone.clone(),
                            name: from.name.clone(),
                        })
                    }
                }
                draft.via_source = Some(ViaSource {
                    from: ViaParty {
                        address: from
                            .email
                            .clone()
                            .or(from.phone.clone())
                            .or(from.external_id.clone()),
                        name: from.name.clone(),
                    },
                    to: ViaParty::default(),
                    rel: None,
                });
                let (ticket, _) = rules
                    .create_ticket_in(&mut tx, draft, Actor::Requester)
                    .await?;
                match tx.record_conversation(&conversation, ticket.id).await {
                    Ok(()) => {}
                    // Two first messages at once: the other opened the ticket; comment on it.
                    Err(StoreError::Conflict(_)) if attempt == 0 => continue,
                    Err(other) => return Err(other),
                }
                Received::to(IntakeOutcome::Created, ticket.id)
            }
        };
        tx.commit().await?;
        return Ok(received);
    }
    unreachable!("the second attempt finds the conversation")
}

/// The message's sender, found or created in `tx` (a user by external id was found before).
async fn sender(
    tx: &mut Tx,
    message: &ChatMessage,
    known: Option<&User>,
) -> Result<User, StoreError> {
    let from = &message.from;
    let name = from.name.as_deref();
    match (known, &from.email, &from.phone) {
        (Some(user), _, _) => Ok(user.clone()),
        (None, Some(email), _) => tx.find_or_create_customer(email, name).await,
        (None, None, Some(phone)) => tx.find_or_create_customer_by_phone(phone, name).await,
        (None, None, None) => Err(StoreError::rejected("from", "name the sender")),
    }
}
