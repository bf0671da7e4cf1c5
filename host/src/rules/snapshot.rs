//! The event a trigger sees, built from the stored records.

use crate::domain::{
    Change, Event, EventComment, EventKind, EventOrganization, EventTicket, EventUser, FieldValue,
    Organization, Ticket, Timestamp, User,
};

/// Names the event and its changes show instead of ids: the assigned group's name and agent's
/// email; for `changes`, the organization's name and the requester's email (else phone, else
/// name), which the ticket record carries only as ids.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Names {
    pub group: Option<String>,
    pub assignee: Option<String>,
    pub organization: Option<String>,
    pub requester: Option<String>,
}

/// How `changes` names a requester: the address a person knows them by.
pub fn requester_name(user: &User) -> String {
    user.email
        .clone()
        .or_else(|| user.phone.clone())
        .unwrap_or_else(|| user.name.clone())
}

/// One version of a ticket as the event shows it, with the names `changes` compares.
#[derive(Debug, Clone)]
pub struct Version {
    pub ticket: EventTicket,
    pub organization: Option<String>,
    pub requester: Option<String>,
}

pub fn version(ticket: &Ticket, names: &Names) -> Version {
    Version {
        ticket: event_ticket(ticket, names),
        organization: names.organization.clone(),
        requester: names.requester.clone(),
    }
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
        // Recorded by the channels that know them (email: sender and support address).
        source: ticket.via.source.from.address.clone(),
        destination: ticket.via.source.to.address.clone(),
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
/// show it, in the words of `wit/since_v0.2.0/rules.wit`: `status`, `priority`, `ticket-type`, `assignee`,
/// `group`, `queue`, `tags`, `subject`, `description`, `organization`, `requester`, and a
/// custom ticket field by its bare key. Enum attributes are `option`s, tags `options`, the rest
/// `text`.
pub fn changes(before: &Version, after: &Version) -> Vec<Change> {
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
    let text = |text: &Option<String>| text.clone().map(FieldValue::Text);
    let (b, a) = (&before.ticket, &after.ticket);
    compare(
        "status",
        option(Some(b.status.name())),
        option(Some(a.status.name())),
    );
    compare(
        "priority",
        option(b.priority.map(|p| p.name())),
        option(a.priority.map(|p| p.name())),
    );
    compare(
        "ticket-type",
        option(b.ticket_type.map(|t| t.name())),
        option(a.ticket_type.map(|t| t.name())),
    );
    compare("assignee", text(&b.assignee), text(&a.assignee));
    compare("group", text(&b.group), text(&a.group));
    compare("queue", text(&b.queue), text(&a.queue));
    compare(
        "tags",
        Some(FieldValue::Options(b.tags.clone())),
        Some(FieldValue::Options(a.tags.clone())),
    );
    compare(
        "subject",
        Some(FieldValue::Text(b.subject.clone())),
        Some(FieldValue::Text(a.subject.clone())),
    );
    compare(
        "description",
        Some(FieldValue::Text(b.description.clone())),
        Some(FieldValue::Text(a.description.clone())),
    );
    compare(
        "organization",
        text(&before.organization),
        text(&after.organization),
    );
    compare("requester", text(&before.requester), text(&after.requester));
    let keys: std::collections::BTreeSet<&String> =
        b.fields.keys().chain(a.fields.keys()).collect();
    for key in keys {
        compare(key, b.fields.get(key).cloned(), a.fields.get(key).cloned());
    }
    changes
}

/// The event of `kind` that happened at `occurred_at` (the write's own time).
#[allow(clippy::too_many_arguments)]
pub fn event(
    kind: EventKind,
    ticket: EventTicket,
    requester: EventUser,
    organization: Option<EventOrganization>,
    changes: Vec<Change>,
    actor: crate::domain::Actor,
    comment: Option<EventComment>,
    occurred_at: Timestamp,
) -> Event {
    Event {
        kind,
        ticket,
        requester,
        organization,
        changes,
        actor,
        comment,
        occurred_at: occurred_at.rfc3339(),
    }
}
