//! Checking a trigger's actions against what exists and applying them to the ticket: all of a
//! trigger's actions, or none.

use crate::domain::contact::normalize_tags;
use crate::domain::fields::is_valid_field_key;
use crate::domain::{Action, FieldScope, FieldValue, Ticket, WebhookCall};
use crate::store::Store;

/// Writes beyond the ticket row that actions ask for, made in the ticket's transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SideEffects {
    /// (field key, value) for the requester.
    pub user_fields: Vec<(String, FieldValue)>,
    /// (field key, value) for the ticket's organization.
    pub organization_fields: Vec<(String, FieldValue)>,
    pub internal_notes: Vec<String>,
    /// Recorded in the audit; delivery comes with the webhook outbox.
    pub webhooks: Vec<WebhookCall>,
}

/// Names shown in events, kept in step with the ids the actions set.
#[derive(Debug, Clone)]
pub struct Applied {
    pub ticket: Ticket,
    pub group_name: Option<String>,
    pub assignee_email: Option<String>,
    pub effects: SideEffects,
}

/// Applies `actions` to a copy of `current`; the first problem of each action is reported and
/// then nothing is applied.
pub async fn apply(
    store: &Store,
    current: &Applied,
    actions: &[Action],
) -> Result<Applied, Vec<String>> {
    let mut next = current.clone();
    let mut problems = Vec::new();
    for action in actions {
        if let Err(problem) = apply_one(store, &mut next, action).await {
            problems.push(problem);
        }
    }
    if problems.is_empty() {
        Ok(next)
    } else {
        Err(problems)
    }
}

async fn apply_one(store: &Store, next: &mut Applied, action: &Action) -> Result<(), String> {
    let ticket = &mut next.ticket;
    match action {
        Action::SetPriority(priority) => ticket.priority = Some(*priority),
        Action::SetStatus(status) => ticket.status = *status,
        Action::SetType(ticket_type) => ticket.ticket_type = Some(*ticket_type),
        Action::AssignGroup(name) => {
            let group = store
                .group_by_name(name)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("assign-group: there is no group {name:?}"))?;
            ticket.group_id = Some(group.id);
            next.group_name = Some(group.name);
        }
        Action::AssignAgent(email) => {
            let user = store
                .user_by_email(email)
                .await
                .map_err(|e| format!("assign-agent: {e}"))?
                .ok_or_else(|| format!("assign-agent: there is no user {email:?}"))?;
            if !user.role.is_staff() {
                return Err(format!("assign-agent: {email} is not an agent"));
            }
            ticket.assignee_id = Some(user.id);
            next.assignee_email = user.email;
        }
        Action::SetQueue(queue) => {
            if queue.trim().is_empty() {
                return Err("set-queue: the queue name is empty".into());
            }
            ticket.queue = Some(queue.trim().to_string());
        }
        Action::AddTags(tags) => {
            for tag in normalize_tags(tags).map_err(|p| format!("add-tags: {}", p.join("; ")))? {
                if !ticket.tags.contains(&tag) {
                    ticket.tags.push(tag);
                }
            }
        }
        Action::RemoveTags(tags) => {
            let tags =
                normalize_tags(tags).map_err(|p| format!("remove-tags: {}", p.join("; ")))?;
            ticket.tags.retain(|tag| !tags.contains(tag));
        }
        Action::SetTicketField { key, value } => {
            if !is_valid_field_key(key) {
                return Err(format!("set-ticket-field: {key:?} is not a field key"));
            }
            ticket.custom_fields.insert(key.clone(), value.clone());
        }
        Action::SetUserField { key, value } => {
            check_value(store, FieldScope::User, key, value).await?;
            next.effects.user_fields.push((key.clone(), value.clone()));
        }
        Action::SetOrganizationField { key, value } => {
            if ticket.organization_id.is_none() {
                return Err(format!(
                    "set-organization-field {key}: the ticket has no organization"
                ));
            }
            check_value(store, FieldScope::Organization, key, value).await?;
            next.effects
                .organization_fields
                .push((key.clone(), value.clone()));
        }
        Action::AddInternalNote(text) => {
            if text.trim().is_empty() {
                return Err("add-internal-note: the note is empty".into());
            }
            next.effects.internal_notes.push(text.clone());
        }
        Action::NotifyWebhook(call) => {
            if url::Url::parse(&call.url).is_err() {
                return Err(format!("notify-webhook: {:?} is not a URL", call.url));
            }
            next.effects.webhooks.push(call.clone());
        }
    }
    Ok(())
}

/// Whether `value` fits the field `key` of `scope` (exists, active, right type, allowed option).
async fn check_value(
    store: &Store,
    scope: FieldScope,
    key: &str,
    value: &FieldValue,
) -> Result<(), String> {
    let fields = store.fields(scope).await.map_err(|e| e.to_string())?;
    let definitions: Vec<_> = fields.into_iter().map(|f| f.definition).collect();
    let mut raw = serde_json::Map::new();
    raw.insert(key.to_string(), value.to_plain());
    crate::domain::read_values(&definitions, &raw)
        .map(|_| ())
        .map_err(|problems| format!("set-{}: {problems}", scope.singular().replace('_', "-")))
}
