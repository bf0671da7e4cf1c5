//! Native test helpers: build events and run a plugin's rule code under plain `cargo test`.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use crate::{
    Action, Actor, Channel, CustomValue, Event, EventKind, FieldValue, Host, HttpError,
    HttpResponse, LogLevel, Organization, Plugin, Status, Ticket, User, UserRole,
};

/// Builds an [`Event`] with sensible defaults: a new email ticket from a customer.
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
                    description: "Something is broken.".into(),
                    status: Status::New,
                    priority: None,
                    ticket_type: None,
                    channel: Channel::Email,
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
        self.event.ticket.channel = channel;
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
    /// when it does.
    pub fn evaluate<P: Plugin>(
        &self,
        trigger: &str,
        event: &Event,
    ) -> Result<Option<Vec<Action>>, String> {
        let host = self.host();
        if !P::matches(trigger, event, &host)? {
            return Ok(None);
        }
        P::actions(trigger, event, &host).map(Some)
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
