//! The snapshot a trigger sees: what happened to which ticket, for whom.
//!
//! This is also the JSON format of `wasmdesk plugin run --event FILE`; every field but
//! `kind` has a default, so a test event can be as small as `{"kind": "created"}`.

use serde::{Deserialize, Serialize};

use super::{Channel, CustomValues, FieldValue, Priority, Status, TicketType, UserRole};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Created,
    Updated,
}

/// A ticket event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    #[serde(default)]
    pub ticket: EventTicket,
    #[serde(default)]
    pub requester: EventUser,
    #[serde(default)]
    pub organization: Option<EventOrganization>,
    /// What the update changed; empty for `created`.
    #[serde(default)]
    pub changes: Vec<Change>,
    #[serde(default)]
    pub actor: Actor,
    /// The comment the write added (the first message, for a created ticket).
    #[serde(default)]
    pub comment: Option<EventComment>,
    /// RFC 3339 UTC. Plugins have no clock; this is their "now".
    #[serde(default = "default_occurred_at")]
    pub occurred_at: String,
}

fn default_occurred_at() -> String {
    "1970-01-01T00:00:00Z".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventTicket {
    pub id: u64,
    pub subject: String,
    pub description: String,
    pub status: Status,
    pub priority: Option<Priority>,
    #[serde(rename = "type")]
    pub ticket_type: Option<TicketType>,
    pub channel: Channel,
    /// Who it came from as the channel knows them (sender address, caller's number); none for
    /// the API.
    pub source: Option<String>,
    /// Where it was sent (support address, number called).
    pub destination: Option<String>,
    pub requester_id: u64,
    pub organization_id: Option<u64>,
    /// The assigned agent's email.
    pub assignee: Option<String>,
    /// The assigned group's name.
    pub group: Option<String>,
    pub queue: Option<String>,
    pub tags: Vec<String>,
    pub fields: CustomValues,
}

impl Default for EventTicket {
    fn default() -> Self {
        EventTicket {
            id: 0,
            subject: String::new(),
            description: String::new(),
            status: Status::New,
            priority: None,
            ticket_type: None,
            channel: Channel::Api,
            source: None,
            destination: None,
            requester_id: 0,
            organization_id: None,
            assignee: None,
            group: None,
            queue: None,
            tags: Vec::new(),
            fields: CustomValues::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventUser {
    pub id: u64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub role: UserRole,
    pub organization_id: Option<u64>,
    pub external_id: Option<String>,
    pub tags: Vec<String>,
    pub fields: CustomValues,
}

impl Default for EventUser {
    fn default() -> Self {
        EventUser {
            id: 0,
            name: String::new(),
            email: None,
            phone: None,
            role: UserRole::EndUser,
            organization_id: None,
            external_id: None,
            tags: Vec::new(),
            fields: CustomValues::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventOrganization {
    pub id: u64,
    pub name: String,
    pub domains: Vec<String>,
    pub tags: Vec<String>,
    pub fields: CustomValues,
}

/// A comment a write added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventComment {
    pub body: String,
    #[serde(default = "public")]
    pub public: bool,
}

fn public() -> bool {
    true
}

impl From<&super::CommentDraft> for EventComment {
    fn from(draft: &super::CommentDraft) -> Self {
        EventComment {
            body: draft.body.clone(),
            public: draft.public,
        }
    }
}

/// One thing an update changed. Standard enum fields carry `option` values, tags `options`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    #[serde(default)]
    pub previous: Option<FieldValue>,
    #[serde(default)]
    pub current: Option<FieldValue>,
}

/// Who caused an event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The requester (email, portal, call).
    #[default]
    Requester,
    /// An agent, by user id.
    Agent(u64),
    /// An API integration, by token name.
    Integration(String),
    /// wasmdesk itself.
    System,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_event_file_is_enough() {
        let event: Event = serde_json::from_str(r#"{"kind": "created"}"#).unwrap();
        assert_eq!(event.ticket.status, Status::New);
        assert_eq!(event.actor, Actor::Requester);
        assert!(event.organization.is_none());
    }

    #[test]
    fn custom_values_read_from_json() {
        let event: Event = serde_json::from_str(
            r#"{"kind": "updated", "requester": {"fields": {"service_level": {"option": "gold"}}},
                "ticket": {"priority": "high", "type": "incident"}, "actor": {"agent": 7}}"#,
        )
        .unwrap();
        assert_eq!(
            event.requester.fields["service_level"],
            FieldValue::Option("gold".into())
        );
        assert_eq!(event.ticket.priority, Some(Priority::High));
        assert_eq!(event.actor, Actor::Agent(7));
    }
}
