//! What a trigger asks the host to do. Actions are data; only the host writes.

use serde::{Deserialize, Serialize};

use super::{FieldValue, Priority, Status, TicketType};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    SetPriority(Priority),
    SetStatus(Status),
    SetType(TicketType),
    /// A group by name.
    AssignGroup(String),
    /// An agent by email.
    AssignAgent(String),
    SetQueue(String),
    AddTags(Vec<String>),
    RemoveTags(Vec<String>),
    SetTicketField {
        key: String,
        value: FieldValue,
    },
    SetUserField {
        key: String,
        value: FieldValue,
    },
    SetOrganizationField {
        key: String,
        value: FieldValue,
    },
    AddInternalNote(String),
    NotifyWebhook(WebhookCall),
    /// Email to agents, sent after the write commits (contract 0.3.0).
    NotifyAgents(AgentNotification),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookCall {
    pub url: String,
    pub body: String,
}

/// An email to a group's agents and/or agents named by email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentNotification {
    /// A group by name: all its agents get the email.
    pub group: Option<String>,
    /// Agents (or admins) by email.
    pub agents: Vec<String>,
    pub subject: String,
    pub text: String,
}
