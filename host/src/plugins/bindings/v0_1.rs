//! `wasmdesk:rules@0.1.0`: bindings, the host imports, and conversions to domain types.

use wasmtime::Store;
use wasmtime::component::{Component, ComponentExportIndex, HasSelf, Instance, Linker, TypedFunc};

use crate::domain::{self, FieldSpec};
use crate::plugins::PluginError;
use crate::plugins::http::Failure;
use crate::plugins::sandbox::{LogLevel, Sandbox};

wasmtime::component::bindgen!({
    path: "../wit",
    world: "plugin",
});

use self::wasmdesk::rules::host as wit_host;
use self::wasmdesk::rules::types as wit;
pub(crate) use self::wasmdesk::rules::types::Event as WitEvent;

/// Where `matches` and `actions` are in a component, found once at load.
///
/// The generated `Plugin::instantiate` type-checks every export on every instantiation, which
/// costs more than the evaluation itself. `Runtime::load` instantiates each component once
/// through the generated, checked path; afterwards the types are known to match, and each fresh
/// instance is called through these indices without checking again.
#[derive(Clone)]
pub(crate) struct TriggerExports {
    matches: ComponentExportIndex,
    actions: ComponentExportIndex,
}

impl TriggerExports {
    pub(crate) fn find(component: &Component) -> Option<TriggerExports> {
        let interface = component.get_export_index(None, super::EXPORT_INTERFACE)?;
        Some(TriggerExports {
            matches: component.get_export_index(Some(&interface), "matches")?,
            actions: component.get_export_index(Some(&interface), "actions")?,
        })
    }

    pub(crate) fn call_matches(
        &self,
        store: &mut Store<Sandbox>,
        instance: &Instance,
        trigger: &str,
        event: &WitEvent,
    ) -> wasmtime::Result<Result<bool, String>> {
        let func = instance
            .get_func(&mut *store, self.matches)
            .ok_or_else(|| missing("matches"))?;
        // SAFETY: `Runtime::load` type-checked this export of this component against
        // `wasmdesk:rules@0.1.0` (see the type's docs); every instance has the same types.
        let typed =
            unsafe { TypedFunc::<(&str, &WitEvent), (Result<bool, String>,)>::new_unchecked(func) };
        Ok(typed.call(store, (trigger, event))?.0)
    }

    pub(crate) fn call_actions(
        &self,
        store: &mut Store<Sandbox>,
        instance: &Instance,
        trigger: &str,
        event: &WitEvent,
    ) -> wasmtime::Result<Result<Vec<wit::Action>, String>> {
        let func = instance
            .get_func(&mut *store, self.actions)
            .ok_or_else(|| missing("actions"))?;
        // SAFETY: as in `call_matches`.
        let typed = unsafe {
            TypedFunc::<(&str, &WitEvent), (Result<Vec<wit::Action>, String>,)>::new_unchecked(func)
        };
        Ok(typed.call(store, (trigger, event))?.0)
    }
}

fn missing(export: &str) -> wasmtime::Error {
    wasmtime::format_err!("the instance has no `{export}` export")
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
        self.log.push(level, &message);
    }

    fn config(&mut self, key: String) -> Option<String> {
        self.installation.config_value(&key).map(str::to_string)
    }

    fn http_get(
        &mut self,
        url: String,
        headers: Vec<(String, String)>,
    ) -> Result<wit_host::HttpResponse, wit_host::HttpError> {
        let result = self.http.get(
            &url,
            &headers,
            self.installation.origins(),
            self.call_deadline,
            &self.limits,
        );
        match result {
            Ok(response) => Ok(wit_host::HttpResponse {
                status: response.status,
                headers: response.headers,
                body: response.body,
            }),
            Err(failure) => {
                if let Failure::Denied(reason) = &failure {
                    self.log
                        .push(LogLevel::Warn, &format!("http-get {url}: {reason}"));
                    self.denials.push(format!("http-get {url}: {reason}"));
                }
                Err(match failure {
                    Failure::Denied(reason) => wit_host::HttpError::Denied(reason),
                    Failure::InvalidUrl(reason) => wit_host::HttpError::InvalidUrl(reason),
                    Failure::Timeout => wit_host::HttpError::Timeout,
                    Failure::TooLarge => wit_host::HttpError::TooLarge,
                    Failure::Failed(reason) => wit_host::HttpError::Failed(reason),
                })
            }
        }
    }
}

// ---- domain → WIT (what a plugin reads) ----

pub(crate) fn event_to_wit(event: &domain::Event) -> wit::Event {
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
pub(crate) fn actions_from_wit(
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

/// Converts a description, refusing one over `limit` estimated bytes.
pub(crate) fn info_from_wit(
    info: wit::PluginInfo,
    limit: usize,
) -> Result<domain::PluginInfo, PluginError> {
    let info = info_to_domain(info);
    let size = serde_json::to_vec(&info)
        .map(|json| json.len())
        .unwrap_or(usize::MAX);
    if size > limit {
        return Err(PluginError::OutputTooLarge { size, limit });
    }
    Ok(info)
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
