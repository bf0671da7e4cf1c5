//! Ticket audits, in Zendesk's shape: one audit per ticket write, listing what the request set
//! or changed (`Create`, `Change`), the comment it added (`Comment`), and what each trigger then
//! changed — those events carry `via: {"channel": "rule", "source": {"rel": "trigger", …}}`
//! naming the plugin and trigger. Values are plain (`"high"`, `42`, `["vip"]`).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::rule_run::{NewRuleRun, RunOutcome};
use super::{CommentDraft, Ticket, Timestamp};

/// One ticket write as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Audit {
    pub id: i64,
    pub ticket_id: i64,
    pub created_at: Timestamp,
    /// The comment's author when the request named one.
    pub author_id: Option<i64>,
    /// How the write came in: `{"channel": "api", "source": {"from": {}, "to": {}, "rel": null}}`.
    #[schema(value_type = Object)]
    pub via: Value,
    pub events: Vec<AuditEvent>,
}

/// One thing a write did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEvent {
    /// Position in its audit, from 1.
    pub id: i64,
    /// `Create` (a value set on a new ticket), `Change` (on an existing one) or `Comment`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The attribute (`status`, `priority`, `group_id`, `tags`, a custom field's key); for
    /// `Create` and `Change`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// The new value, plain; `null` when cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub value: Option<Value>,
    /// The value before, for `Change`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub previous_value: Option<Value>,
    /// For `Comment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<i64>,
    /// Set when a trigger did it: `{"channel": "rule", "source": {"rel": "trigger", "from":
    /// {"plugin", "trigger", "title"}}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub via: Option<Value>,
}

/// What a write did, before it is stored: [`events`] fills it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditDraft {
    pub author_id: Option<i64>,
    pub via: Value,
    pub events: Vec<AuditEvent>,
}

/// The events of a write: `before` is the stored ticket (`None` for a new one), `requested`
/// the ticket as the request left it, `decided` as the triggers left it; `runs` are the write's
/// rule runs, whose changes say which trigger changed what.
pub fn draft(
    before: Option<&Ticket>,
    requested: &Ticket,
    comment: Option<&CommentDraft>,
    notes: &[String],
    decided: &Ticket,
    runs: &[NewRuleRun],
) -> AuditDraft {
    let kind = if before.is_some() { "Change" } else { "Create" };
    let mut events = Vec::new();
    let mut push = |mut event: AuditEvent| {
        event.id = events.len() as i64 + 1;
        events.push(event);
    };
    // Every custom key any of the three has: one cleared is a change to null.
    let custom_keys: std::collections::BTreeSet<&String> = before
        .into_iter()
        .chain([requested, decided])
        .flat_map(|ticket| ticket.custom_fields.keys())
        .collect();
    let fields = |ticket: &Ticket| fields(ticket, &custom_keys);
    let requested_fields = fields(requested);
    let before_fields = before.map(fields);
    for (name, value) in &requested_fields {
        let previous = before_fields
            .as_ref()
            .map(|fields| field(fields, name).cloned().unwrap_or(Value::Null));
        let changed = match &previous {
            Some(previous) => previous != value,
            None => !value.is_null() && *value != json!([]),
        };
        if changed {
            push(AuditEvent::change(kind, name, value.clone(), previous));
        }
    }
    if let Some(comment) = comment {
        push(AuditEvent::comment(
            comment.body.clone(),
            comment.public,
            comment.author_id,
        ));
    }
    for (name, value) in &fields(decided) {
        let previous = field(&requested_fields, name)
            .cloned()
            .unwrap_or(Value::Null);
        if previous != *value {
            let previous = before.is_some().then_some(previous);
            let mut event = AuditEvent::change(kind, name, value.clone(), previous);
            event.via = changed_by(runs, name);
            push(event);
        }
    }
    for note in notes {
        push(AuditEvent::comment(note.clone(), false, None));
    }
    AuditDraft {
        author_id: comment.and_then(|comment| comment.author_id),
        via: serde_json::to_value(&requested.via).unwrap_or(Value::Null),
        events,
    }
}

impl AuditEvent {
    fn change(kind: &str, name: &str, value: Value, previous: Option<Value>) -> AuditEvent {
        AuditEvent {
            id: 0,
            kind: kind.to_string(),
            field_name: Some(name.to_string()),
            value: Some(value),
            previous_value: previous,
            body: None,
            public: None,
            author_id: None,
            via: None,
        }
    }

    fn comment(body: String, public: bool, author_id: Option<i64>) -> Self {
        AuditEvent {
            id: 0,
            kind: "Comment".to_string(),
            field_name: None,
            value: None,
            previous_value: None,
            body: Some(body),
            public: Some(public),
            author_id,
            via: None,
        }
    }
}

/// A ticket's auditable attributes under Zendesk's names, with plain values, in a fixed order,
/// and its value (or null) of each of `custom_keys`.
fn fields(
    ticket: &Ticket,
    custom_keys: &std::collections::BTreeSet<&String>,
) -> Vec<(String, Value)> {
    let mut fields = vec![
        ("subject".to_string(), json!(ticket.subject)),
        ("status".to_string(), json!(ticket.status.name())),
        (
            "priority".to_string(),
            json!(ticket.priority.map(|p| p.name())),
        ),
        (
            "type".to_string(),
            json!(ticket.ticket_type.map(|t| t.name())),
        ),
        ("requester_id".to_string(), json!(ticket.requester_id)),
        ("organization_id".to_string(), json!(ticket.organization_id)),
        ("assignee_id".to_string(), json!(ticket.assignee_id)),
        ("group_id".to_string(), json!(ticket.group_id)),
        ("queue".to_string(), json!(ticket.queue)),
        ("tags".to_string(), json!(ticket.tags)),
    ];
    for key in custom_keys {
        let value = ticket.custom_fields.get(*key).map(|value| value.to_plain());
        fields.push(((*key).clone(), value.unwrap_or(Value::Null)));
    }
    fields
}

fn field<'a>(fields: &'a [(String, Value)], name: &str) -> Option<&'a Value> {
    fields
        .iter()
        .find(|(field, _)| field == name)
        .map(|(_, value)| value)
}

/// The trigger that changed `name` last in this write, as Zendesk's `via`.
fn changed_by(runs: &[NewRuleRun], name: &str) -> Option<Value> {
    let run = runs.iter().rev().find(|run| {
        run.outcome == RunOutcome::Fired
            && run
                .changes
                .iter()
                .any(|change| zendesk_name(&change.field) == name)
    })?;
    Some(json!({
        "channel": "rule",
        "source": {
            "rel": "trigger",
            "from": {
                "plugin": run.plugin,
                "trigger": run.trigger,
                "title": format!("trigger {} of plugin {}", run.trigger, run.plugin),
            },
            "to": {},
        },
    }))
}

/// The audit's name for a field named in the contract's words (`changes` of an event).
fn zendesk_name(contract_name: &str) -> &str {
    match contract_name {
        "ticket-type" => "type",
        "assignee" => "assignee_id",
        "group" => "group_id",
        "organization" => "organization_id",
        "requester" => "requester_id",
        other => other,
    }
}
