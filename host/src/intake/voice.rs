//! Voice intake: the phone system tells the desk about an incoming call and forwards it where
//! the answer says. The caller is found or created by number (E.164; a phone alone never makes
//! an organization), a ticket with channel `voice` is opened through the triggers — a trigger
//! routes it with `set-queue` — and the answer names the queue and its SIP URI: the one a
//! trigger chose, else the default queue. The same call id twice gives the same answer and one
//! ticket, so the phone system may retry. When the call ends, its duration and outcome become
//! an internal note on the ticket.

use serde::{Deserialize, Serialize};

use super::{IntakeOutcome, Received};
use crate::domain::contact::normalize_phone;
use crate::domain::queue::Queue;
use crate::domain::ticket::{RequesterDraft, ViaParty, ViaSource};
use crate::domain::{Actor, Channel, CommentDraft, Problems, TicketDraft};
use crate::rules::Rules;
use crate::store::{Store, StoreError, Tx};

/// Longest call id accepted.
pub const MAX_CALL_ID_CHARS: usize = 200;

/// An incoming call, as the phone system reports it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncomingCall {
    /// The phone system's id of the call; the same id again is the same call.
    pub call_id: String,
    /// The caller's number, with its country code (`+4930…`, `0049 30 …`).
    pub from: String,
    /// The number called.
    pub to: String,
    /// The caller's name, when the phone system knows it (taken for a new customer).
    #[serde(default)]
    pub name: Option<String>,
}

/// Where to forward a call.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallAnswer {
    /// `created` for a new call, `duplicate` for a call taken in before.
    pub outcome: IntakeOutcome,
    pub ticket_id: i64,
    /// The queue chosen by a trigger, else the default queue; none when neither exists.
    pub queue: Option<Queue>,
    /// The queue's SIP URI: where to forward the call.
    pub forward_to: Option<String>,
}

/// How a call ended, as the phone system reports it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallEnded {
    /// How long the call lasted, in seconds.
    pub duration_seconds: u32,
    /// What became of it, e.g. `answered`, `abandoned`, `voicemail` (free text, at most 100
    /// characters).
    pub outcome: String,
}

impl IncomingCall {
    fn check(&self) -> Result<(String, String), Problems> {
        let mut problems = Problems::default();
        let call_id = self.call_id.trim();
        if call_id.is_empty() || call_id.chars().count() > MAX_CALL_ID_CHARS {
            problems.add(
                "call_id",
                format!("must be 1 to {MAX_CALL_ID_CHARS} characters"),
            );
        }
        let from = normalize_phone(&self.from).unwrap_or_else(|reason| {
            problems.add("from", reason);
            String::new()
        });
        let to = normalize_phone(&self.to).unwrap_or_else(|reason| {
            problems.add("to", reason);
            String::new()
        });
        problems.into_result((from, to))
    }
}

/// Takes in an incoming call; see the module documentation.
pub async fn receive_call(
    store: &Store,
    rules: &Rules,
    call: IncomingCall,
) -> Result<CallAnswer, StoreError> {
    let (from, to) = call.check()?;
    let call_id = call.call_id.trim().to_string();
    for attempt in 0..2 {
        let mut tx = store.begin_write().await?;
        if let Some(ticket_id) = tx.ticket_of_call(&call_id).await? {
            let answer = answer(&mut tx, IntakeOutcome::Duplicate, ticket_id).await?;
            return Ok(answer);
        }
        let mut draft = TicketDraft::default();
        draft.subject = Some(format!("Call from {from}"));
        draft.description = Some(format!("Incoming call from {from} to {to}."));
        draft.channel = Some(Channel::Voice.name().to_string());
        draft.requester = Some(RequesterDraft {
            email: None,
            phone: Some(from.clone()),
            name: call.name.clone(),
        });
        draft.via_source = Some(ViaSource {
            from: ViaParty {
                address: Some(from.clone()),
                name: call.name.clone(),
            },
            to: ViaParty {
                address: Some(to.clone()),
                name: None,
            },
            rel: None,
        });
        // Where the call goes unless a trigger routes it elsewhere.
        if let Some(default) = tx.default_queue().await?.filter(|queue| queue.active) {
            draft.queue = Some(Some(default.name));
        }
        let (ticket, _) = rules
            .create_ticket_in(&mut tx, draft, Actor::Requester)
            .await?;
        match tx.record_call(&call_id, ticket.id).await {
            Ok(()) => {}
            // The same call reported twice at once: the other report opened the ticket.
            Err(StoreError::Conflict(_)) if attempt == 0 => continue,
            Err(other) => return Err(other),
        }
        let answer = answer(&mut tx, IntakeOutcome::Created, ticket.id).await?;
        tx.commit().await?;
        return Ok(answer);
    }
    unreachable!("the second attempt finds the call")
}

/// The answer for a call's ticket: its queue (else the default) and that queue's SIP URI.
async fn answer(
    tx: &mut Tx,
    outcome: IntakeOutcome,
    ticket_id: i64,
) -> Result<CallAnswer, StoreError> {
    let ticket = tx.ticket(ticket_id).await?;
    let chosen = match &ticket.queue {
        Some(name) => tx.queue_by_name(name).await?.filter(|queue| queue.active),
        None => None,
    };
    let queue = match chosen {
        Some(queue) => Some(queue),
        None => tx.default_queue().await?.filter(|queue| queue.active),
    };
    Ok(CallAnswer {
        outcome,
        ticket_id,
        forward_to: queue.as_ref().map(|queue| queue.sip_uri.clone()),
        queue,
    })
}

/// Records how a call ended, as an internal note on its ticket (once: a retried report of the
/// same end adds nothing).
pub async fn end_call(
    store: &Store,
    rules: &Rules,
    call_id: &str,
    ended: CallEnded,
) -> Result<Received, StoreError> {
    let outcome = ended.outcome.trim();
    if outcome.is_empty() || outcome.chars().count() > 100 {
        return Err(StoreError::rejected(
            "outcome",
            "must be 1 to 100 characters, e.g. answered, abandoned, voicemail",
        ));
    }
    let mut tx = store.begin_write().await?;
    let ticket_id = tx
        .ticket_of_call(call_id.trim())
        .await?
        .ok_or_else(|| StoreError::not_found(format!("call {call_id:?}")))?;
    if !tx.end_call(call_id.trim()).await? {
        return Ok(Received::to(IntakeOutcome::Duplicate, ticket_id));
    }
    let seconds = ended.duration_seconds;
    let mut draft = TicketDraft::default();
    draft.comment = Some(CommentDraft {
        body: format!(
            "Call ended: {outcome}, {} min {} s.",
            seconds / 60,
            seconds % 60
        ),
        public: false,
        author_id: None,
    });
    rules
        .update_ticket_in(&mut tx, ticket_id, draft, Actor::System)
        .await?;
    tx.commit().await?;
    Ok(Received::to(IntakeOutcome::Commented, ticket_id))
}
