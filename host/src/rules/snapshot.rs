//! The event a trigger sees, built from the stored records.

use crate::domain::{
    Change, Event, EventKind, EventOrganization, EventTicket, EventUser, FieldValue, Organization,
    Ticket, User,
};

/// Names the event shows instead of ids: the assigned group's name and agent's email.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub group: Option<String>,
    pub assignee: Option<String>,
}

pub fn event_ticket(ticket: &Ticket, names: &Names) -> EventTicket {
    EventTicket {
        id: ticket.id.max(0) as u64,
        subject: ticket.subject.clone(),
        description: ticket.description.clone(),
        status: ticket.status,
        priority: ticket.priority,
        ticket_type: ticket.ticket_type,
        channel: ticket.channel,
        requester_id: ticket.requester_id.max(0) as u64,
        organization_id: ticket.organization_id.map(|id| id.max(0) as u64),
        assignee: names.assignee.clone(),
        group: names.group.clone(),
        queue: ticket.queue.clone(),
        tags: ticket.tags.clone(),
        fields: ticket.custom_fields.clone(),
    }
}

pub fn event_user(user: &User) -> EventUser {
    EventUser {
        id: user.id.max(0) as u64,
        name: user.name.clone(),
        email: user.email.clone(),
        phone: user.phone.clone(),
        role: user.role,
        organization_id: user.organization_id.map(|id| id.max(0) as u64),
        external_id: user.external_id.clone(),
        tags: user.tags.clone(),
        fields: user.user_fields.clone(),
    }
}

pub fn event_organization(organization: &Organization) -> EventOrganization {
    EventOrganization {
        id: organization.id.max(0) as u64,
        name: organization.name.clone(),
        domains: organization.domain_names.clone(),
        tags: organization.tags.clone(),
        fields: organization.organization_fields.clone(),
    }
}

/// What differs between two versions of a ticket, as the event's `changes` (and the audit)
/// show it: enum attributes as `option`, tags as `options`, ids as `integer`.
pub fn changes(before: &EventTicket, after: &EventTicket) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut compare = |field: &str, previous: Option<FieldValue>, current: Option<FieldValue>| {
        if previous != current {
            changes.push(Change {
                field: field.to_string(),
                previous,
                current,
            });
        }
    };
    let option = |name: Option<&str>| name.map(|name| FieldValue::Option(name.to_string()));
    compare(
        "status",
        option(Some(before.status.name())),
        option(Some(after.status.name())),
    );
    compare(
        "priority",
        option(before.priority.map(|p| p.name())),
        option(after.priority.map(|p| p.name())),
    );
    compare(
        "type",
        option(before.ticket_type.map(|t| t.name())),
        option(after.ticket_type.map(|t| t.name())),
    );
    compare(
        "group",
        before.group.clone().map(FieldValue::Text),
        after.group.clone().map(FieldValue::Text),
    );
    compare(
        "assignee",
        before.assignee.clone().map(FieldValue::Text),
        after.assignee.clone().map(FieldValue::Text),
    );
    compare(
        "queue",
        before.queue.clone().map(FieldValue::Text),
        after.queue.clone().map(FieldValue::Text),
    );
    compare(
        "tags",
        Some(FieldValue::Options(before.tags.clone())),
        Some(FieldValue::Options(after.tags.clone())),
    );
    compare(
        "subject",
        Some(FieldValue::Text(before.subject.clone())),
        Some(FieldValue::Text(after.subject.clone())),
    );
    let keys: std::collections::BTreeSet<&String> =
        before.fields.keys().chain(after.fields.keys()).collect();
    for key in keys {
        compare(
            &format!("custom_fields.{key}"),
            before.fields.get(key).cloned(),
            after.fields.get(key).cloned(),
        );
    }
    changes
}

/// A fresh event of `kind`.
pub fn event(
    kind: EventKind,
    ticket: EventTicket,
    requester: EventUser,
    organization: Option<EventOrganization>,
    changes: Vec<Change>,
    actor: crate::domain::Actor,
) -> Event {
    Event {
        kind,
        ticket,
        requester,
        organization,
        changes,
        actor,
        occurred_at: crate::domain::Timestamp::now().rfc3339(),
    }
}
