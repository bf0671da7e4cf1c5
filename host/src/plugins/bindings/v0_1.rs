//! `wasmdesk:rules@0.1.0`, frozen: bindings generated from `wit/since_v0.1.0/`, its host
//! imports, and conversions to the host's domain types. A v0.1 plugin declares no inputs and no
//! configuration kinds: it sees every value (as it always has) and its keys are text.

use wasmtime::component::{
    Component, ComponentExportIndex, HasSelf, Instance, InstancePre, Linker, TypedFunc,
};

use super::missing;
use crate::domain::{self, FieldSpec};
use crate::plugins::PluginError;
use crate::plugins::http::Failure;
use crate::plugins::runtime::{Outcome, Session};
use crate::plugins::sandbox::{LogLevel, Sandbox};

wasmtime::component::bindgen!({
    path: "../wit/since_v0.1.0",
    world: "plugin",
});

use self::wasmdesk::rules::host as wit_host;
use self::wasmdesk::rules::types as wit;

/// The interface a plugin exports.
pub(crate) const EXPORT_INTERFACE: &str = "wasmdesk:rules/triggers@0.1.0";

/// The interfaces of ours that a plugin may import.
pub(crate) const HOST_IMPORTS: &[&str] =
    &["wasmdesk:rules/host@0.1.0", "wasmdesk:rules/types@0.1.0"];

/// A v0.1 component's exports: where `matches` and `actions` are, found once at load.
///
/// The generated `Plugin::instantiate` type-checks every export on every instantiation, which
/// costs more than the evaluation itself. `describe` instantiates each component once through
/// the generated, checked path; afterwards the types are known to match, and each fresh
/// instance is called through these indices without checking again.
#[derive(Clone)]
pub(crate) struct Exports {
    pre: PluginPre<Sandbox>,
    matches: ComponentExportIndex,
    actions: ComponentExportIndex,
}

impl Exports {
    pub(crate) fn new(
        instance_pre: InstancePre<Sandbox>,
        component: &Component,
    ) -> Result<Exports, crate::plugins::LoadError> {
        use crate::plugins::LoadError;
        let pre =
            PluginPre::new(instance_pre).map_err(|e| LoadError::Incompatible(format!("{e:#}")))?;
        let find = || {
            let interface = component.get_export_index(None, EXPORT_INTERFACE)?;
            Some((
                component.get_export_index(Some(&interface), "matches")?,
                component.get_export_index(Some(&interface), "actions")?,
            ))
        };
        let (matches, actions) = find()
            .ok_or_else(|| LoadError::Incompatible("`matches` or `actions` is missing".into()))?;
        Ok(Exports {
            pre,
            matches,
            actions,
        })
    }

    pub(crate) fn instance_pre(&self) -> &InstancePre<Sandbox> {
        self.pre.instance_pre()
    }

    pub(crate) fn describe(
        &self,
        session: &mut Session,
    ) -> Result<domain::PluginInfo, PluginError> {
        let plugin = match self.pre.instantiate(&mut session.store) {
            Ok(plugin) => plugin,
            Err(error) => return Err(session.explain_instantiation(error)),
        };
        let info = session.call(|store| plugin.wasmdesk_rules_triggers().call_describe(store))?;
        Ok(info_to_domain(info))
    }

    /// `matches`, then `actions` if it matched: the event is lowered once per call.
    pub(crate) fn evaluate(
        &self,
        session: &mut Session,
        instance: &Instance,
        trigger: &str,
        event: &domain::Event,
    ) -> Result<Outcome, PluginError> {
        let event = event_to_wit(event);
        let matches = instance
            .get_func(&mut session.store, self.matches)
            .ok_or_else(|| missing("matches"));
        let actions = instance
            .get_func(&mut session.store, self.actions)
            .ok_or_else(|| missing("actions"));
        let (matches, actions) = match (matches, actions) {
            (Ok(matches), Ok(actions)) => (matches, actions),
            (Err(error), _) | (_, Err(error)) => return Err(session.explain_wasmtime(error)),
        };
        // SAFETY: `describe` type-checked these exports of this component against
        // `wasmdesk:rules@0.1.0` (see the type's docs); every instance has the same types.
        let matches = unsafe {
            TypedFunc::<(&str, &wit::Event), (Result<bool, String>,)>::new_unchecked(matches)
        };
        let actions = unsafe {
            TypedFunc::<(&str, &wit::Event), (Result<Vec<wit::Action>, String>,)>::new_unchecked(
                actions,
            )
        };
        let matched = session
            .call(|store| Ok(matches.call(store, (trigger, &event))?.0))?
            .map_err(|message| PluginError::Rejected { message })?;
        if !matched {
            return Ok(Outcome::NotMatched);
        }
        let actions = session
            .call(|store| Ok(actions.call(store, (trigger, &event))?.0))?
            .map_err(|message| PluginError::Rejected { message })?;
        Ok(Outcome::Matched(actions_from_wit(
            actions,
            session.output_limit(),
        )?))
    }
}

/// Links the host imports of this version.
pub(crate) fn add_to_linker(linker: &mut Linker<Sandbox>) -> wasmtime::Result<()> {
    Plugin::add_to_linker::<Sandbox, HasSelf<Sandbox>>(linker, |sandbox| sandbox)
}

impl wit::Host for Sandbox {}

impl wit_host::Host for Sandbox {
    fn log(&mut self, level: wit_host::LogLevel, message: String) {
        let level = match level {
            wit_host::LogLevel::Debug => LogLevel::Debug,
            wit_host::LogLevel::Info => LogLevel::Info,
            wit_host::LogLevel::Warn => LogLevel::Warn,
            wit_host::LogLevel::Error => LogLevel::Error,
        };
        self.log_line(level, &message);
    }

    fn config(&mut self, key: String) -> Option<String> {
        self.config_value(&key)
    }

    fn http_get(
        &mut self,
        url: String,
        headers: Vec<(String, String)>,
    ) -> Result<wit_host::HttpResponse, wit_host::HttpError> {
        match Sandbox::http_get(self, &url, &headers) {
            Ok(response) => Ok(wit_host::HttpResponse {
                status: response.status,
                headers: response.headers,
                body: response.body,
            }),
            Err(failure) => Err(match failure {
                Failure::Denied(reason) => wit_host::HttpError::Denied(reason),
                Failure::InvalidUrl(reason) => wit_host::HttpError::InvalidUrl(reason),
                Failure::Timeout => wit_host::HttpError::Timeout,
                Failure::TooLarge => wit_host::HttpError::TooLarge,
                Failure::Failed(reason) => wit_host::HttpError::Failed(reason),
            }),
        }
    }
}

// ---- domain → WIT (what a plugin reads) ----

fn event_to_wit(event: &domain::Event) -> wit::Event {
    wit::Event {
        kind: event_kind_to_wit(event.kind),
        ticket: ticket_to_wit(&event.ticket),
        requester: user_to_wit(&event.requester),
        organization: event.organization.as_ref().map(organization_to_wit),
        changes: event
            .changes
            .iter()
            .map(|change| wit::Change {
                field: change.field.clone(),
                previous: change.previous.as_ref().map(value_to_wit),
                current: change.current.as_ref().map(value_to_wit),
            })
            .collect(),
        actor: match &event.actor {
            domain::Actor::Requester => wit::Actor::Requester,
            domain::Actor::Agent(id) => wit::Actor::Agent(*id),
            domain::Actor::Integration(name) => wit::Actor::Integration(name.clone()),
            domain::Actor::System => wit::Actor::System,
        },
        occurred_at: event.occurred_at.clone(),
    }
}

fn event_kind_to_wit(kind: domain::EventKind) -> wit::EventKind {
    match kind {
        domain::EventKind::Created => wit::EventKind::Created,
        domain::EventKind::Updated => wit::EventKind::Updated,
    }
}

fn ticket_to_wit(ticket: &domain::EventTicket) -> wit::Ticket {
    wit::Ticket {
        id: ticket.id,
        subject: ticket.subject.clone(),
        description: ticket.description.clone(),
        status: match ticket.status {
            domain::Status::New => wit::Status::New,
            domain::Status::Open => wit::Status::Open,
            domain::Status::Pending => wit::Status::Pending,
            domain::Status::Hold => wit::Status::Hold,
            domain::Status::Solved => wit::Status::Solved,
            domain::Status::Closed => wit::Status::Closed,
        },
        priority: ticket.priority.map(priority_to_wit),
        ticket_type: ticket.ticket_type.map(|ticket_type| match ticket_type {
            domain::TicketType::Question => wit::TicketType::Question,
            domain::TicketType::Incident => wit::TicketType::Incident,
            domain::TicketType::Problem => wit::TicketType::Problem,
            domain::TicketType::Task => wit::TicketType::Task,
        }),
        channel: match ticket.channel {
            domain::Channel::Email => wit::Channel::Email,
            domain::Channel::Web => wit::Channel::Web,
            domain::Channel::Api => wit::Channel::Api,
            domain::Channel::Portal => wit::Channel::Portal,
            domain::Channel::Voice => wit::Channel::Voice,
            domain::Channel::Chat => wit::Channel::Chat,
        },
        requester_id: ticket.requester_id,
        organization_id: ticket.organization_id,
        assignee: ticket.assignee.clone(),
        group: ticket.group.clone(),
        queue: ticket.queue.clone(),
        tags: ticket.tags.clone(),
        fields: values_to_wit(&ticket.fields),
    }
}

fn priority_to_wit(priority: domain::Priority) -> wit::Priority {
    match priority {
        domain::Priority::Low => wit::Priority::Low,
        domain::Priority::Normal => wit::Priority::Normal,
        domain::Priority::High => wit::Priority::High,
        domain::Priority::Urgent => wit::Priority::Urgent,
    }
}

fn user_to_wit(user: &domain::EventUser) -> wit::User {
    wit::User {
        id: user.id,
        name: user.name.clone(),
        email: user.email.clone(),
        phone: user.phone.clone(),
        role: match user.role {
            domain::UserRole::EndUser => wit::UserRole::EndUser,
            domain::UserRole::Agent => wit::UserRole::Agent,
            domain::UserRole::Admin => wit::UserRole::Admin,
        },
        organization_id: user.organization_id,
        external_id: user.external_id.clone(),
        tags: user.tags.clone(),
        fields: values_to_wit(&user.fields),
    }
}

fn organization_to_wit(organization: &domain::EventOrganization) -> wit::Organization {
    wit::Organization {
        id: organization.id,
        name: organization.name.clone(),
        domains: organization.domains.clone(),
        tags: organization.tags.clone(),
        fields: values_to_wit(&organization.fields),
    }
}

fn values_to_wit(values: &domain::CustomValues) -> Vec<wit::CustomValue> {
    values
        .iter()
        .map(|(key, value)| wit::CustomValue {
            key: key.clone(),
            value: value_to_wit(value),
        })
        .collect()
}

fn value_to_wit(value: &domain::FieldValue) -> wit::FieldValue {
    match value {
        domain::FieldValue::Text(text) => wit::FieldValue::Text(text.clone()),
        domain::FieldValue::Number(number) => wit::FieldValue::Number(*number),
        domain::FieldValue::Integer(integer) => wit::FieldValue::Integer(*integer),
        domain::FieldValue::Date(date) => wit::FieldValue::Date(date.clone()),
        domain::FieldValue::Flag(flag) => wit::FieldValue::Flag(*flag),
        domain::FieldValue::Option(tag) => wit::FieldValue::Option(tag.clone()),
        domain::FieldValue::Options(tags) => wit::FieldValue::Options(tags.clone()),
    }
}

// ---- WIT → domain (what a plugin returns) ----

/// Converts returned actions, refusing output over `limit` estimated bytes.
fn actions_from_wit(
    actions: Vec<wit::Action>,
    limit: usize,
) -> Result<Vec<domain::Action>, PluginError> {
    let size: usize = actions.iter().map(action_size).sum();
    if size > limit {
        return Err(PluginError::OutputTooLarge { size, limit });
    }
    Ok(actions.into_iter().map(action_from_wit).collect())
}

/// Estimated bytes of an action: its strings plus a fixed overhead.
fn action_size(action: &wit::Action) -> usize {
    const OVERHEAD: usize = 16;
    let strings = |list: &[String]| list.iter().map(|s| s.len() + OVERHEAD).sum::<usize>();
    OVERHEAD
        + match action {
            wit::Action::SetPriority(_) | wit::Action::SetStatus(_) | wit::Action::SetType(_) => 0,
            wit::Action::AssignGroup(s)
            | wit::Action::AssignAgent(s)
            | wit::Action::SetQueue(s)
            | wit::Action::AddInternalNote(s) => s.len(),
            wit::Action::AddTags(tags) | wit::Action::RemoveTags(tags) => strings(tags),
            wit::Action::SetTicketField(custom)
            | wit::Action::SetUserField(custom)
            | wit::Action::SetOrganizationField(custom) => {
                custom.key.len()
                    + match &custom.value {
                        wit::FieldValue::Text(s)
                        | wit::FieldValue::Date(s)
                        | wit::FieldValue::Option(s) => s.len(),
                        wit::FieldValue::Options(tags) => strings(tags),
                        _ => 8,
                    }
            }
            wit::Action::NotifyWebhook(call) => call.url.len() + call.body.len(),
        }
}

fn action_from_wit(action: wit::Action) -> domain::Action {
    use domain::Action as A;
    match action {
        wit::Action::SetPriority(priority) => A::SetPriority(match priority {
            wit::Priority::Low => domain::Priority::Low,
            wit::Priority::Normal => domain::Priority::Normal,
            wit::Priority::High => domain::Priority::High,
            wit::Priority::Urgent => domain::Priority::Urgent,
        }),
        wit::Action::SetStatus(status) => A::SetStatus(match status {
            wit::Status::New => domain::Status::New,
            wit::Status::Open => domain::Status::Open,
            wit::Status::Pending => domain::Status::Pending,
            wit::Status::Hold => domain::Status::Hold,
            wit::Status::Solved => domain::Status::Solved,
            wit::Status::Closed => domain::Status::Closed,
        }),
        wit::Action::SetType(ticket_type) => A::SetType(match ticket_type {
            wit::TicketType::Question => domain::TicketType::Question,
            wit::TicketType::Incident => domain::TicketType::Incident,
            wit::TicketType::Problem => domain::TicketType::Problem,
            wit::TicketType::Task => domain::TicketType::Task,
        }),
        wit::Action::AssignGroup(name) => A::AssignGroup(name),
        wit::Action::AssignAgent(email) => A::AssignAgent(email),
        wit::Action::SetQueue(name) => A::SetQueue(name),
        wit::Action::AddTags(tags) => A::AddTags(tags),
        wit::Action::RemoveTags(tags) => A::RemoveTags(tags),
        wit::Action::SetTicketField(custom) => A::SetTicketField {
            key: custom.key,
            value: value_from_wit(custom.value),
        },
        wit::Action::SetUserField(custom) => A::SetUserField {
            key: custom.key,
            value: value_from_wit(custom.value),
        },
        wit::Action::SetOrganizationField(custom) => A::SetOrganizationField {
            key: custom.key,
            value: value_from_wit(custom.value),
        },
        wit::Action::AddInternalNote(text) => A::AddInternalNote(text),
        wit::Action::NotifyWebhook(call) => A::NotifyWebhook(domain::WebhookCall {
            url: call.url,
            body: call.body,
        }),
    }
}

fn value_from_wit(value: wit::FieldValue) -> domain::FieldValue {
    match value {
        wit::FieldValue::Text(text) => domain::FieldValue::Text(text),
        wit::FieldValue::Number(number) => domain::FieldValue::Number(number),
        wit::FieldValue::Integer(integer) => domain::FieldValue::Integer(integer),
        wit::FieldValue::Date(date) => domain::FieldValue::Date(date),
        wit::FieldValue::Flag(flag) => domain::FieldValue::Flag(flag),
        wit::FieldValue::Option(tag) => domain::FieldValue::Option(tag),
        wit::FieldValue::Options(tags) => domain::FieldValue::Options(tags),
    }
}

fn info_to_domain(info: wit::PluginInfo) -> domain::PluginInfo {
    domain::PluginInfo {
        name: info.name,
        version: info.version,
        description: info.description,
        triggers: info
            .triggers
            .into_iter()
            .map(|trigger| domain::TriggerInfo {
                key: trigger.key,
                title: trigger.title,
                description: trigger.description,
                events: trigger
                    .events
                    .into_iter()
                    .map(|kind| match kind {
                        wit::EventKind::Created => domain::EventKind::Created,
                        wit::EventKind::Updated => domain::EventKind::Updated,
                    })
                    .collect(),
                inputs: domain::Inputs::everything(),
            })
            .collect(),
        user_fields: info
            .user_fields
            .into_iter()
            .map(field_spec_from_wit)
            .collect(),
        organization_fields: info
            .organization_fields
            .into_iter()
            .map(field_spec_from_wit)
            .collect(),
        groups: info.groups,
        config: info
            .config
            .into_iter()
            .map(|key| domain::ConfigKey {
                key: key.key,
                description: key.description,
                kind: domain::ConfigKind::Text,
                default: key.default,
            })
            .collect(),
        http_hosts: info.http_hosts,
    }
}

fn field_spec_from_wit(spec: wit::FieldSpec) -> FieldSpec {
    FieldSpec {
        key: spec.key,
        field_type: match spec.field_type {
            wit::FieldType::Text => domain::FieldType::Text,
            wit::FieldType::Textarea => domain::FieldType::Textarea,
            wit::FieldType::Integer => domain::FieldType::Integer,
            wit::FieldType::Decimal => domain::FieldType::Decimal,
            wit::FieldType::Date => domain::FieldType::Date,
            wit::FieldType::Dropdown => domain::FieldType::Dropdown,
            wit::FieldType::Multiselect => domain::FieldType::Multiselect,
            wit::FieldType::Checkbox => domain::FieldType::Checkbox,
            wit::FieldType::Regexp => domain::FieldType::Regexp,
        },
        title: spec.title,
        description: spec.description,
        options: spec
            .options
            .into_iter()
            .map(|option| domain::FieldOption {
                name: option.name,
                value: option.value,
            })
            .collect(),
        pattern: spec.pattern,
    }
}
