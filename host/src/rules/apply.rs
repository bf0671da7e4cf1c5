//! Checking a trigger's actions against what exists and applying them to the ticket: all of a
//! trigger's actions, or none.

use crate::domain::AgentNotification;
use crate::domain::contact::normalize_tags;
use crate::domain::notification::{MAX_SUBJECT_CHARS, MAX_TEXT_BYTES};
use crate::domain::{Action, Field, FieldScope, FieldValue, Ticket};
use crate::store::{QueuedNotification, StoreError, Tx};

/// Writes beyond the ticket row that actions ask for, made in the ticket's transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SideEffects {
    /// Values for the requester, as the fields' types read them.
    pub user_fields: Vec<FieldWrite>,
    /// Values for the ticket's organization.
    pub organization_fields: Vec<FieldWrite>,
    pub internal_notes: Vec<String>,
    /// Deliveries to queue in the outbox: (webhook id, body).
    pub deliveries: Vec<(i64, String)>,
    /// Agent emails to queue in the notification outbox.
    pub notifications: Vec<QueuedNotification>,
}

/// One custom value a trigger sets.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldWrite {
    pub field_id: i64,
    pub key: String,
    pub value: FieldValue,
}

/// Names shown in events, kept in step with the ids the actions set.
#[derive(Debug, Clone)]
pub struct Applied {
    pub ticket: Ticket,
    pub group_name: Option<String>,
    pub assignee_email: Option<String>,
    pub effects: SideEffects,
}

/// The field definitions one write checks values against, read from the database at most once
/// per scope and write.
#[derive(Default)]
pub struct Definitions {
    user: Option<Vec<Field>>,
    organization: Option<Vec<Field>>,
    ticket: Option<Vec<Field>>,
}

impl Definitions {
    async fn of(&mut self, tx: &mut Tx, scope: FieldScope) -> Result<&[Field], StoreError> {
        let slot = match scope {
            FieldScope::User => &mut self.user,
            FieldScope::Organization => &mut self.organization,
            FieldScope::Ticket => &mut self.ticket,
        };
        if slot.is_none() {
            *slot = Some(tx.fields(scope).await?);
        }
        Ok(slot.as_deref().unwrap_or_default())
    }
}

/// Applies `actions` to a copy of `current`. The outer error is the database failing (the
/// write fails with it); the inner one lists the first problem of each invalid action, and
/// then nothing is applied.
pub async fn apply(
    tx: &mut Tx,
    definitions: &mut Definitions,
    current: &Applied,
    actions: &[Action],
) -> Result<Result<Applied, Vec<String>>, StoreError> {
    let mut next = current.clone();
    let mut problems = Vec::new();
    for action in actions {
        if let Err(problem) = apply_one(tx, definitions, &mut next, action).await? {
            problems.push(problem);
        }
    }
    Ok(if problems.is_empty() {
        Ok(next)
    } else {
        Err(problems)
    })
}

async fn apply_one(
    tx: &mut Tx,
    definitions: &mut Definitions,
    next: &mut Applied,
    action: &Action,
) -> Result<Result<(), String>, StoreError> {
    let ticket = &mut next.ticket;
    match action {
        Action::SetPriority(priority) => ticket.priority = Some(*priority),
        Action::SetStatus(status) => ticket.status = *status,
        Action::SetType(ticket_type) => ticket.ticket_type = Some(*ticket_type),
        Action::AssignGroup(name) => {
            let Some(group) = tx.group_by_name(name).await? else {
                return Ok(Err(format!("assign-group: there is no group {name:?}")));
            };
            ticket.group_id = Some(group.id);
            next.group_name = Some(group.name);
        }
        Action::AssignAgent(email) => {
            let user = match tx.user_by_email(email).await {
                Ok(Some(user)) => user,
                Ok(None) => return Ok(Err(format!("assign-agent: there is no user {email:?}"))),
                Err(StoreError::Rejected(problems)) => {
                    return Ok(Err(format!("assign-agent: {problems}")));
                }
                Err(other) => return Err(other),
            };
            if !user.role.is_staff() {
                return Ok(Err(format!("assign-agent: {email} is not an agent")));
            }
            ticket.assignee_id = Some(user.id);
            next.assignee_email = user.email;
        }
        Action::SetQueue(queue) => {
            let Some(found) = tx.queue_by_name(queue).await? else {
                return Ok(Err(format!(
                    "set-queue: there is no queue {queue:?}; an admin creates it at /api/v2/queues"
                )));
            };
            if !found.active {
                return Ok(Err(format!("set-queue: the queue {queue:?} is not active")));
            }
            ticket.queue = Some(found.name);
        }
        Action::AddTags(tags) => match normalize_tags(tags) {
            Ok(tags) => {
                for tag in tags {
                    if !ticket.tags.contains(&tag) {
                        ticket.tags.push(tag);
                    }
                }
            }
            Err(problems) => return Ok(Err(format!("add-tags: {}", problems.join("; ")))),
        },
        Action::RemoveTags(tags) => match normalize_tags(tags) {
            Ok(tags) => ticket.tags.retain(|tag| !tags.contains(tag)),
            Err(problems) => return Ok(Err(format!("remove-tags: {}", problems.join("; ")))),
        },
        Action::SetTicketField { key, value } => {
            let fields = definitions.of(tx, FieldScope::Ticket).await?;
            match read_value(fields, FieldScope::Ticket, key, value) {
                Ok(write) => {
                    next.ticket.custom_fields.insert(write.key, write.value);
                }
                Err(problem) => return Ok(Err(problem)),
            }
        }
        Action::SetUserField { key, value } => {
            let fields = definitions.of(tx, FieldScope::User).await?;
            match read_value(fields, FieldScope::User, key, value) {
                Ok(write) => next.effects.user_fields.push(write),
                Err(problem) => return Ok(Err(problem)),
            }
        }
        Action::SetOrganizationField { key, value } => {
            if ticket.organization_id.is_none() {
                return Ok(Err(format!(
                    "set-organization-field {key}: the ticket has no organization"
                )));
            }
            let fields = definitions.of(tx, FieldScope::Organization).await?;
            match read_value(fields, FieldScope::Organization, key, value) {
                Ok(write) => next.effects.organization_fields.push(write),
                Err(problem) => return Ok(Err(problem)),
            }
        }
        Action::AddInternalNote(text) => {
            if text.trim().is_empty() {
                return Ok(Err("add-internal-note: the note is empty".into()));
            }
            next.effects.internal_notes.push(text.clone());
        }
        Action::NotifyWebhook(call) => {
            let Some(webhook) = tx.webhook_for(&call.url).await? else {
                return Ok(Err(format!(
                    "notify-webhook: no active webhook is named {:?} or has it as endpoint; an \
                     admin registers webhooks at /api/v2/webhooks",
                    call.url
                )));
            };
            next.effects
                .deliveries
                .push((webhook.id, call.body.clone()));
        }
        Action::NotifyAgents(notification) => match agent_email(tx, notification).await? {
            Ok(Some(email)) => next.effects.notifications.push(email),
            Ok(None) => tracing::warn!(
                group = notification.group.as_deref().unwrap_or_default(),
                "notify-agents: the group has no agents, so nobody was emailed"
            ),
            Err(problem) => return Ok(Err(problem)),
        },
    }
    Ok(Ok(()))
}

/// The email a `notify-agents` asks for, its recipients resolved now: the group's agents and
/// the named agents, each once. `None` when nobody is left to email (an empty group); an error
/// names what is wrong (an unknown group or agent, a customer named, an empty subject).
async fn agent_email(
    tx: &mut Tx,
    notification: &AgentNotification,
) -> Result<Result<Option<QueuedNotification>, String>, StoreError> {
    let subject = notification.subject.trim();
    if subject.is_empty() {
        return Ok(Err("notify-agents: the subject is empty".into()));
    }
    if subject.contains(['\r', '\n']) || subject.chars().count() > MAX_SUBJECT_CHARS {
        return Ok(Err(format!(
            "notify-agents: the subject must be one line of at most {MAX_SUBJECT_CHARS} characters"
        )));
    }
    if notification.text.len() > MAX_TEXT_BYTES {
        return Ok(Err(format!(
            "notify-agents: the text is longer than {MAX_TEXT_BYTES} bytes"
        )));
    }
    if notification.group.is_none() && notification.agents.is_empty() {
        return Ok(Err(
            "notify-agents: name a group, agents by email, or both".into()
        ));
    }
    let mut recipients = Vec::new();
    if let Some(name) = &notification.group {
        let Some(group) = tx.group_by_name(name).await? else {
            return Ok(Err(format!("notify-agents: there is no group {name:?}")));
        };
        recipients.extend(tx.group_agent_addresses(group.id).await?);
    }
    for address in &notification.agents {
        let user = match tx.user_by_email(address).await {
            Ok(Some(user)) => user,
            Ok(None) => return Ok(Err(format!("notify-agents: there is no user {address:?}"))),
            Err(StoreError::Rejected(problems)) => {
                return Ok(Err(format!("notify-agents: {problems}")));
            }
            Err(other) => return Err(other),
        };
        if !user.role.is_staff() {
            return Ok(Err(format!(
                "notify-agents: {address} is not an agent; only agents are notified"
            )));
        }
        recipients.extend(user.email);
    }
    recipients.sort();
    recipients.dedup();
    if recipients.is_empty() {
        return Ok(Ok(None));
    }
    Ok(Ok(Some(QueuedNotification {
        recipients,
        subject: subject.to_string(),
        body: notification.text.clone(),
    })))
}

/// `value` read the way the field `key` of `scope` reads a value sent over the API (it exists,
/// is active, the value fits its type and options), as the value to store: a dropdown's
/// `text("platinum")` becomes `option("platinum")`, which is what plugins read back.
fn read_value(
    fields: &[Field],
    scope: FieldScope,
    key: &str,
    value: &FieldValue,
) -> Result<FieldWrite, String> {
    let action = match scope {
        FieldScope::User => "set-user-field",
        FieldScope::Organization => "set-organization-field",
        FieldScope::Ticket => "set-ticket-field",
    };
    let Some(field) = fields.iter().find(|field| field.definition.key == key) else {
        return Err(format!(
            "{action}: there is no {} {key:?}",
            scope.singular().replace('_', " ")
        ));
    };
    let mut raw = serde_json::Map::new();
    raw.insert(key.to_string(), value.to_plain());
    let mut read = crate::domain::read_values(std::slice::from_ref(&field.definition), &raw)
        .map_err(|problems| format!("{action}: {problems}"))?;
    match read.remove(key).flatten() {
        Some(value) => Ok(FieldWrite {
            field_id: field.id,
            key: key.to_string(),
            value,
        }),
        None => Err(format!(
            "{action} {key}: a value is required (plugins cannot clear fields)"
        )),
    }
}
