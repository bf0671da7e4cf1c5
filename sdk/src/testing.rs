//! Native test helpers: build events and run a plugin's rule code under plain `cargo test`.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use crate::{
    Action, Actor, Channel, Comment, CustomValue, Event, EventKind, FieldValue, Host, HttpError,
    HttpResponse, Inputs, LogLevel, Organization, Plugin, PluginInfo, RuleError, Status, Ticket,
    User, UserRole, Via,
};

/// Builds an [`Event`] with sensible defaults: a new email ticket from a customer. It holds every
/// value you give it; [`TestHost::evaluate`] cuts it to what the trigger declares, as the host
/// does.
pub struct EventBuilder {
    event: Event,
}

impl EventBuilder {
    /// A `created` event.
    pub fn created() -> EventBuilder {
        EventBuilder {
            event: Event {
                kind: EventKind::Created,
                ticket: Ticket {
                    id: 1,
                    subject: "Help".into(),
                    description: Some("Something is broken.".into()),
                    status: Status::New,
                    priority: None,
                    ticket_type: None,
                    via: Via {
                        channel: Channel::Email,
                        source: Some("customer@example.com".into()),
                        destination: Some("support@example.com".into()),
                    },
                    requester_id: 1,
                    organization_id: None,
                    assignee: None,
                    group: None,
                    queue: None,
                    tags: Vec::new(),
                    fields: Vec::new(),
                },
                requester: User {
                    id: 1,
                    name: "Customer".into(),
                    email: Some("customer@example.com".into()),
                    phone: None,
                    role: UserRole::EndUser,
                    organization_id: None,
                    external_id: None,
                    tags: Vec::new(),
                    fields: Vec::new(),
                },
                organization: None,
                changes: Vec::new(),
                comment: Some(Comment {
                    body: "Something is broken.".into(),
                    public: true,
                }),
                actor: Actor::Requester,
                occurred_at: "2026-01-01T00:00:00Z".into(),
            },
        }
    }

    /// An `updated` event.
    pub fn updated() -> EventBuilder {
        let mut builder = EventBuilder::created();
        builder.event.kind = EventKind::Updated;
        builder
    }

    pub fn channel(mut self, channel: Channel) -> Self {
        self.event.ticket.via.channel = channel;
        self
    }

    /// Where the ticket came from (sender address, caller's number).
    pub fn source(mut self, source: &str) -> Self {
        self.event.ticket.via.source = Some(source.into());
        self
    }

    /// The ticket's description (seen only by triggers that declare `reads_text`).
    pub fn description(mut self, text: &str) -> Self {
        self.event.ticket.description = Some(text.into());
        self
    }

    /// The comment the write adds (seen only by triggers that declare `reads_text`).
    pub fn comment(mut self, body: &str, public: bool) -> Self {
        self.event.comment = Some(Comment {
            body: body.into(),
            public,
        });
        self
    }

    /// Set a custom value on the ticket.
    pub fn ticket_field(mut self, key: &str, value: FieldValue) -> Self {
        set(&mut self.event.ticket.fields, key, value);
        self
    }

    pub fn subject(mut self, subject: &str) -> Self {
        self.event.ticket.subject = subject.into();
        self
    }

    pub fn ticket_tag(mut self, tag: &str) -> Self {
        self.event.ticket.tags.push(tag.into());
        self
    }

    pub fn requester_email(mut self, email: &str) -> Self {
        self.event.requester.email = Some(email.into());
        self
    }

    pub fn requester_phone(mut self, phone: &str) -> Self {
        self.event.requester.phone = Some(phone.into());
        self
    }

    /// Set a custom value on the requester.
    pub fn requester_field(mut self, key: &str, value: FieldValue) -> Self {
        set(&mut self.event.requester.fields, key, value);
        self
    }

    /// Put the requester in an organization (id 1) named `name`.
    pub fn organization(mut self, name: &str) -> Self {
        self.event.requester.organization_id = Some(1);
        self.event.ticket.organization_id = Some(1);
        self.event.organization = Some(Organization {
            id: 1,
            name: name.into(),
            domains: Vec::new(),
            tags: Vec::new(),
            fields: Vec::new(),
        });
        self
    }

    /// Set a custom value on the requester's organization (creating one if there is none).
    pub fn organization_field(mut self, key: &str, value: FieldValue) -> Self {
        if self.event.organization.is_none() {
            self = self.organization("Organization");
        }
        if let Some(organization) = self.event.organization.as_mut() {
            set(&mut organization.fields, key, value);
        }
        self
    }

    /// Record that this update changed `field` from `previous` to `current`.
    pub fn change(
        mut self,
        field: &str,
        previous: Option<FieldValue>,
        current: Option<FieldValue>,
    ) -> Self {
        self.event.changes.push(crate::Change {
            field: field.into(),
            previous,
            current,
        });
        self
    }

    pub fn build(self) -> Event {
        self.event
    }
}

/// The event cut to `inputs`, exactly as the host lowers it.
fn visible(event: &Event, inputs: &Inputs) -> Event {
    const STANDARD_FIELDS: &[&str] = &[
        "status",
        "priority",
        "ticket-type",
        "assignee",
        "group",
        "queue",
        "tags",
        "subject",
        "organization",
        "requester",
    ];
    let mut event = event.clone();
    event
        .requester
        .fields
        .retain(|value| inputs.reads_user_field(&value.key));
    if let Some(organization) = event.organization.as_mut() {
        organization
            .fields
            .retain(|value| inputs.reads_organization_field(&value.key));
    }
    event
        .ticket
        .fields
        .retain(|value| inputs.reads_ticket_field(&value.key));
    event.changes.retain(|change| match change.field.as_str() {
        "description" => inputs.text,
        field if STANDARD_FIELDS.contains(&field) => true,
        custom => inputs.reads_ticket_field(custom),
    });
    if !inputs.text {
        event.ticket.description = None;
        event.comment = None;
    }
    event
}

fn set(values: &mut Vec<CustomValue>, key: &str, value: FieldValue) {
    values.retain(|custom| custom.key != key);
    values.push(CustomValue {
        key: key.into(),
        value,
    });
}

/// The host a plugin sees in native tests: configuration, canned HTTP responses, a captured log.
#[derive(Clone, Default)]
pub struct TestHost {
    config: BTreeMap<String, String>,
    responses: Rc<HashMap<String, Result<HttpResponse, HttpError>>>,
    logs: Rc<RefCell<Vec<(LogLevel, String)>>>,
}

impl TestHost {
    /// A host configured with the defaults `P` declares, as a fresh installation would be.
    pub fn for_plugin<P: Plugin>() -> TestHost {
        let config = P::describe()
            .config
            .into_iter()
            .filter_map(|key| Some((key.key, key.default?)))
            .collect();
        TestHost {
            config,
            ..TestHost::default()
        }
    }

    /// Set configuration `key` as an admin would.
    pub fn config(mut self, key: &str, value: &str) -> Self {
        self.config.insert(key.into(), value.into());
        self
    }

    /// Answer `http-get` of `url` with status 200 and `body`.
    pub fn http_ok(mut self, url: &str, body: &str) -> Self {
        let response = HttpResponse {
            status: 200,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        };
        Rc::make_mut(&mut self.responses).insert(url.into(), Ok(response));
        self
    }

    /// Answer `http-get` of `url` with `error`.
    pub fn http_error(mut self, url: &str, error: HttpError) -> Self {
        Rc::make_mut(&mut self.responses).insert(url.into(), Err(error));
        self
    }

    /// The [`Host`] to pass to a plugin's functions.
    pub fn host(&self) -> Host {
        Host::test(self.clone())
    }

    /// Run `trigger` as the host would: `Ok(None)` when it does not match, `Ok(Some(actions))`
    /// when it does. As on the host, the plugin sees only the inputs the trigger declares (an
    /// undeclared custom value is absent, undeclared text `None`), and a configuration value
    /// that does not fit its key's kind is an error naming what the key accepts.
    pub fn evaluate<P: Plugin>(
        &self,
        trigger: &str,
        event: &Event,
    ) -> Result<Option<Vec<Action>>, RuleError> {
        let info = P::describe();
        let Some(declared) = info.triggers.iter().find(|t| t.key == trigger) else {
            let offered: Vec<&str> = info.triggers.iter().map(|t| t.key.as_str()).collect();
            return Err(RuleError::Other(format!(
                "plugin {} has no trigger {trigger:?}; it offers: {}",
                info.name,
                offered.join(", ")
            )));
        };
        self.check_config(&info)?;
        let event = visible(event, &declared.inputs);
        P::evaluate(trigger, &event, &self.host())
    }

    /// What the host's `PUT /config` would refuse.
    fn check_config(&self, info: &PluginInfo) -> Result<(), RuleError> {
        for (key, value) in &self.config {
            let Some(declared) = info.config.iter().find(|c| &c.key == key) else {
                return Err(RuleError::InvalidInput(format!(
                    "configuration `{key}` is not declared by plugin {}",
                    info.name
                )));
            };
            if let Err(expected) = declared.kind.check(value) {
                return Err(RuleError::InvalidInput(format!(
                    "configuration `{key}` = {value:?} would be refused by the host: expected {expected}"
                )));
            }
        }
        Ok(())
    }

    /// Lines the plugin logged so far.
    pub fn logs(&self) -> Vec<(LogLevel, String)> {
        self.logs.borrow().clone()
    }

    pub(crate) fn config_value(&self, key: &str) -> Option<String> {
        self.config.get(key).cloned()
    }

    pub(crate) fn record_log(&self, level: LogLevel, message: &str) {
        self.logs.borrow_mut().push((level, message.into()));
    }

    pub(crate) fn http_response(&self, url: &str) -> Result<HttpResponse, HttpError> {
        self.responses
            .get(url)
            .cloned()
            .unwrap_or_else(|| Err(HttpError::Denied(format!("no test response for {url}"))))
    }
}
