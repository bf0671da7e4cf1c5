//! Agent notifications: the emails a trigger's `notify-agents` sends to agents, through the
//! operator's SMTP relay, after the ticket write that fired it committed.

use serde::Serialize;

use super::Timestamp;
use super::webhook::DeliveryStatus;

/// The longest subject a notification may have, in characters.
pub const MAX_SUBJECT_CHARS: usize = 250;
/// The longest text a notification may have, in bytes.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// One `notify-agents` email on its way to the relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AgentEmail {
    pub id: i64,
    pub ticket_id: i64,
    /// The agents' addresses, resolved when the trigger fired.
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
    /// `delivered` once the relay accepted it.
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub tries: i64,
    /// The relay's last SMTP reply code, if it answered.
    pub last_status: Option<i64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it is tried next (queued ones).
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
}
