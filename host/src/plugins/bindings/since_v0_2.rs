//! The body of every contract version shaped like 0.2.0 (one `evaluate`, declared inputs, typed
//! config and errors): the generated bindings, the host imports and the conversions to and from
//! `domain`. A later version that only adds cases (0.3.0 adds the `notify-agents` action) expands
//! the same body from its own frozen WIT directory, passing the conversions of its new cases, so
//! the versions cannot drift apart by accident and none is written twice.
//!
//! Each expansion generates its own types: nothing generated is shared between versions.

/// Expands one contract version's module. `path` is its frozen WIT directory; `export` and
/// `imports` its interface names; `size` and `convert` the match arms of the actions it adds to
/// 0.2.0 (estimated bytes; conversion into `domain::Action`).
macro_rules! contract_since_v0_2 {
    (
        path: $path:literal,
        export: $export:literal,
        imports: [$($import:literal),* $(,)?],
        added_actions: {
            size: { $($size_arms:tt)* },
            convert: { $($convert_arms:tt)* } $(,)?
        } $(,)?
    ) => {
        use wasmtime::component::{
            Component, ComponentExportIndex, HasSelf, Instance, InstancePre, Linker, TypedFunc,
        };

        use super::missing;
        use crate::domain::{self, FieldSpec, Inputs};
        use crate::plugins::PluginError;
        use crate::plugins::http::Failure;
        use crate::plugins::runtime::{Outcome, Session};
        use crate::plugins::sandbox::{LogLevel, Sandbox};

        wasmtime::component::bindgen!({
            path: $path,
            world: "plugin",
        });

        use self::wasmdesk::rules::host as wit_host;
        use self::wasmdesk::rules::types as wit;

        /// The interface a plugin exports.
        pub(crate) const EXPORT_INTERFACE: &str = $export;

        /// The interfaces of ours that a plugin may import.
        pub(crate) const HOST_IMPORTS: &[&str] = &[$($import),*];

        type EvaluateResult = Result<Option<Vec<wit::Action>>, wit::RuleError>;

        /// A v0.2 component's exports: where `evaluate` is, found once at load (see `v0_1::Exports` for
        /// why instances are called through an index rather than the generated, checking path).
        #[derive(Clone)]
        pub(crate) struct Exports {
            pre: PluginPre<Sandbox>,
            evaluate: ComponentExportIndex,
        }

        impl Exports {
            pub(crate) fn new(
                instance_pre: InstancePre<Sandbox>,
                component: &Component,
            ) -> Result<Exports, crate::plugins::LoadError> {
                use crate::plugins::LoadError;
                let pre =
                    PluginPre::new(instance_pre).map_err(|e| LoadError::Incompatible(format!("{e:#}")))?;
                let evaluate = component
                    .get_export_index(None, EXPORT_INTERFACE)
                    .and_then(|interface| component.get_export_index(Some(&interface), "evaluate"))
                    .ok_or_else(|| LoadError::Incompatible("`evaluate` is missing".into()))?;
                Ok(Exports { pre, evaluate })
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

            /// One call: the event, cut to the trigger's inputs, is lowered once.
            pub(crate) fn evaluate(
                &self,
                session: &mut Session,
                instance: &Instance,
                trigger: &str,
                inputs: &Inputs,
                event: &domain::Event,
            ) -> Result<Outcome, PluginError> {
                let event = event_to_wit(event, inputs);
                let func = match instance.get_func(&mut session.store, self.evaluate) {
                    Some(func) => func,
                    None => return Err(session.explain_wasmtime(missing("evaluate"))),
                };
                // SAFETY: `describe` type-checked this export of this component against
                // `wasmdesk:rules@0.2.0`; every instance of it has the same types.
                let evaluate =
                    unsafe { TypedFunc::<(&str, &wit::Event), (EvaluateResult,)>::new_unchecked(func) };
                let result = session.call(|store| Ok(evaluate.call(store, (trigger, &event))?.0))?;
                match result {
                    Ok(None) => Ok(Outcome::NotMatched),
                    Ok(Some(actions)) => Ok(Outcome::Matched(actions_from_wit(
                        actions,
                        session.output_limit(),
                    )?)),
                    Err(wit::RuleError::InvalidInput(message)) => {
                        Err(PluginError::InvalidInput { message })
                    }
                    Err(wit::RuleError::Unavailable(message)) => {
                        Err(PluginError::DependencyUnavailable { message })
                    }
                    Err(wit::RuleError::Other(message)) => Err(PluginError::Rejected { message }),
                }
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

        /// The event as the trigger may see it: custom values and text only where `inputs` declare them.
        fn event_to_wit(event: &domain::Event, inputs: &Inputs) -> wit::Event {
            wit::Event {
                kind: event_kind_to_wit(event.kind),
                ticket: ticket_to_wit(&event.ticket, inputs),
                requester: user_to_wit(&event.requester, inputs),
                organization: event
                    .organization
                    .as_ref()
                    .map(|organization| organization_to_wit(organization, inputs)),
                changes: event
                    .changes
                    .iter()
                    .filter(|change| declares_change(inputs, &change.field))
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
                comment: event
                    .comment
                    .as_ref()
                    .filter(|_| inputs.text)
                    .map(|comment| wit::Comment {
                        body: comment.body.clone(),
                        public: comment.public,
                    }),
                occurred_at: event.occurred_at.clone(),
            }
        }

        /// The standard ticket fields a change can name; any other name is a custom ticket field's key.
        const STANDARD_FIELDS: &[&str] = &[
            "status",
            "priority",
            "ticket-type",
            "assignee",
            "group",
            "queue",
            "tags",
            "subject",
            "description",
            "organization",
            "requester",
        ];

        /// Whether a trigger with `inputs` may see a change of `field`.
        fn declares_change(inputs: &Inputs, field: &str) -> bool {
            match field {
                "description" => inputs.text,
                _ if STANDARD_FIELDS.contains(&field) => true,
                custom => inputs.reads_ticket_field(custom),
            }
        }

        fn event_kind_to_wit(kind: domain::EventKind) -> wit::EventKind {
            match kind {
                domain::EventKind::Created => wit::EventKind::Created,
                domain::EventKind::Updated => wit::EventKind::Updated,
            }
        }

        fn ticket_to_wit(ticket: &domain::EventTicket, inputs: &Inputs) -> wit::Ticket {
            wit::Ticket {
                id: ticket.id,
                subject: ticket.subject.clone(),
                description: inputs.text.then(|| ticket.description.clone()),
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
                via: wit::Via {
                    channel: match ticket.channel {
                        domain::Channel::Email => wit::Channel::Email,
                        domain::Channel::Web => wit::Channel::Web,
                        domain::Channel::Api => wit::Channel::Api,
                        domain::Channel::Portal => wit::Channel::Portal,
                        domain::Channel::Voice => wit::Channel::Voice,
                        domain::Channel::Chat => wit::Channel::Chat,
                    },
                    source: ticket.source.clone(),
                    destination: ticket.destination.clone(),
                },
                requester_id: ticket.requester_id,
                organization_id: ticket.organization_id,
                assignee: ticket.assignee.clone(),
                group: ticket.group.clone(),
                queue: ticket.queue.clone(),
                tags: ticket.tags.clone(),
                fields: values_to_wit(&ticket.fields, |key| inputs.reads_ticket_field(key)),
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

        fn user_to_wit(user: &domain::EventUser, inputs: &Inputs) -> wit::User {
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
                fields: values_to_wit(&user.fields, |key| inputs.reads_user_field(key)),
            }
        }

        fn organization_to_wit(
            organization: &domain::EventOrganization,
            inputs: &Inputs,
        ) -> wit::Organization {
            wit::Organization {
                id: organization.id,
                name: organization.name.clone(),
                domains: organization.domains.clone(),
                tags: organization.tags.clone(),
                fields: values_to_wit(&organization.fields, |key| {
                    inputs.reads_organization_field(key)
                }),
            }
        }

        /// The declared values only: an undeclared one is never lowered into the guest.
        fn values_to_wit(
            values: &domain::CustomValues,
            declared: impl Fn(&str) -> bool,
        ) -> Vec<wit::CustomValue> {
            values
                .iter()
                .filter(|(key, _)| declared(key))
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
                    $($size_arms)*
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
                $($convert_arms)*
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
                        inputs: Inputs {
                            user_fields: trigger.inputs.user_fields,
                            organization_fields: trigger.inputs.organization_fields,
                            ticket_fields: trigger.inputs.ticket_fields,
                            text: trigger.inputs.text,
                        },
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
                        kind: match key.kind {
                            wit::ConfigKind::Text => domain::ConfigKind::Text,
                            wit::ConfigKind::Integer => domain::ConfigKind::Integer,
                            wit::ConfigKind::Decimal => domain::ConfigKind::Decimal,
                            wit::ConfigKind::Boolean => domain::ConfigKind::Boolean,
                            wit::ConfigKind::OneOf(allowed) => domain::ConfigKind::OneOf(allowed),
                            wit::ConfigKind::Url => domain::ConfigKind::Url,
                            wit::ConfigKind::AgentEmail => domain::ConfigKind::AgentEmail,
                            wit::ConfigKind::GroupName => domain::ConfigKind::GroupName,
                        },
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
    };
}
