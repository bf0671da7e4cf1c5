//! Builders for what plugins describe and return, so rule code stays short.

use std::fmt;
use std::str::FromStr;

use crate::{
    Action, AgentNotification, Change, ConfigKey, ConfigKind, CustomValue, Event, EventKind,
    FieldOption, FieldSpec, FieldType, FieldValue, Inputs, PluginInfo, Priority, Status,
    TicketType, TriggerInfo, WebhookCall,
};

impl PluginInfo {
    /// A plugin with no triggers, fields or configuration yet.
    pub fn new(name: &str, version: &str) -> PluginInfo {
        PluginInfo {
            name: name.into(),
            version: version.into(),
            description: String::new(),
            triggers: Vec::new(),
            user_fields: Vec::new(),
            organization_fields: Vec::new(),
            groups: Vec::new(),
            config: Vec::new(),
            http_hosts: Vec::new(),
        }
    }
    pub fn description(mut self, description: &str) -> Self {
        self.description = description.into();
        self
    }
    pub fn trigger(mut self, trigger: TriggerInfo) -> Self {
        self.triggers.push(trigger);
        self
    }
    /// A user field the plugin reads (an ingredient the host creates when missing).
    pub fn user_field(mut self, field: FieldSpec) -> Self {
        self.user_fields.push(field);
        self
    }
    /// An organization field the plugin reads (an ingredient the host creates when missing).
    pub fn organization_field(mut self, field: FieldSpec) -> Self {
        self.organization_fields.push(field);
        self
    }
    /// A group the plugin assigns tickets to; the host creates it when missing.
    pub fn group(mut self, name: &str) -> Self {
        self.groups.push(name.into());
        self
    }
    pub fn config(mut self, key: ConfigKey) -> Self {
        self.config.push(key);
        self
    }
    /// An origin (`https://api.example.com`) the plugin asks to reach with `http-get`.
    pub fn http_host(mut self, origin: &str) -> Self {
        self.http_hosts.push(origin.into());
        self
    }
    /// The default the plugin declared for configuration `key`.
    pub fn config_default(&self, key: &str) -> Option<&str> {
        self.config
            .iter()
            .find(|c| c.key == key)?
            .default
            .as_deref()
    }
}

impl TriggerInfo {
    /// A trigger on ticket creation.
    pub fn on_created(key: &str, title: &str) -> TriggerInfo {
        TriggerInfo::on(key, title, &[EventKind::Created])
    }
    /// A trigger on ticket updates.
    pub fn on_updated(key: &str, title: &str) -> TriggerInfo {
        TriggerInfo::on(key, title, &[EventKind::Updated])
    }
    pub fn on(key: &str, title: &str, events: &[EventKind]) -> TriggerInfo {
        TriggerInfo {
            key: key.into(),
            title: title.into(),
            description: String::new(),
            events: events.to_vec(),
            inputs: Inputs {
                user_fields: Vec::new(),
                organization_fields: Vec::new(),
                ticket_fields: Vec::new(),
                text: false,
            },
        }
    }
    pub fn description(mut self, description: &str) -> Self {
        self.description = description.into();
        self
    }
    /// The requester's custom fields it reads, by key (`"*"` for all). Nothing else of them
    /// reaches the trigger.
    pub fn reads_user_fields(mut self, keys: &[&str]) -> Self {
        self.inputs
            .user_fields
            .extend(keys.iter().map(|key| key.to_string()));
        self
    }
    /// The organization's custom fields it reads, by key (`"*"` for all).
    pub fn reads_organization_fields(mut self, keys: &[&str]) -> Self {
        self.inputs
            .organization_fields
            .extend(keys.iter().map(|key| key.to_string()));
        self
    }
    /// The ticket's custom fields it reads, by key (`"*"` for all).
    pub fn reads_ticket_fields(mut self, keys: &[&str]) -> Self {
        self.inputs
            .ticket_fields
            .extend(keys.iter().map(|key| key.to_string()));
        self
    }
    /// It reads the ticket's description and the write's comment.
    pub fn reads_text(mut self) -> Self {
        self.inputs.text = true;
        self
    }
}

impl FieldSpec {
    fn new(key: &str, field_type: FieldType, title: &str) -> FieldSpec {
        FieldSpec {
            key: key.into(),
            field_type,
            title: title.into(),
            description: String::new(),
            options: Vec::new(),
            pattern: None,
        }
    }
    pub fn text(key: &str, title: &str) -> FieldSpec {
        FieldSpec::new(key, FieldType::Text, title)
    }
    pub fn textarea(key: &str, title: &str) -> FieldSpec {
        FieldSpec::new(key, FieldType::Textarea, title)
    }
    pub fn integer(key: &str, title: &str) -> FieldSpec {
        FieldSpec::new(key, FieldType::Integer, title)
    }
    pub fn decimal(key: &str, title: &str) -> FieldSpec {
        FieldSpec::new(key, FieldType::Decimal, title)
    }
    pub fn date(key: &str, title: &str) -> FieldSpec {
        FieldSpec::new(key, FieldType::Date, title)
    }
    pub fn checkbox(key: &str, title: &str) -> FieldSpec {
        FieldSpec::new(key, FieldType::Checkbox, title)
    }
    pub fn regexp(key: &str, title: &str, pattern: &str) -> FieldSpec {
        FieldSpec {
            pattern: Some(pattern.into()),
            ..FieldSpec::new(key, FieldType::Regexp, title)
        }
    }
    /// A dropdown whose options are named after their tag values (`1_year` → "1 Year").
    pub fn dropdown(key: &str, title: &str, tags: &[&str]) -> FieldSpec {
        FieldSpec {
            options: options_from_tags(tags),
            ..FieldSpec::new(key, FieldType::Dropdown, title)
        }
    }
    /// A multiselect whose options are named after their tag values.
    pub fn multiselect(key: &str, title: &str, tags: &[&str]) -> FieldSpec {
        FieldSpec {
            options: options_from_tags(tags),
            ..FieldSpec::new(key, FieldType::Multiselect, title)
        }
    }
    pub fn description(mut self, description: &str) -> Self {
        self.description = description.into();
        self
    }
}

fn options_from_tags(tags: &[&str]) -> Vec<FieldOption> {
    tags.iter()
        .map(|tag| FieldOption {
            name: title_case(tag),
            value: tag.to_string(),
        })
        .collect()
}

fn title_case(tag: &str) -> String {
    tag.split('_')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        })
        .collect::<Vec<String>>()
        .join(" ")
}

impl ConfigKey {
    /// A key of any text; see the other constructors for checked kinds.
    pub fn new(key: &str, description: &str) -> ConfigKey {
        ConfigKey::of(key, description, ConfigKind::Text)
    }
    /// A key whose values must be of `kind` (the host refuses others).
    pub fn of(key: &str, description: &str, kind: ConfigKind) -> ConfigKey {
        ConfigKey {
            key: key.into(),
            description: description.into(),
            kind,
            default: None,
        }
    }
    pub fn integer(key: &str, description: &str) -> ConfigKey {
        ConfigKey::of(key, description, ConfigKind::Integer)
    }
    pub fn decimal(key: &str, description: &str) -> ConfigKey {
        ConfigKey::of(key, description, ConfigKind::Decimal)
    }
    pub fn boolean(key: &str, description: &str) -> ConfigKey {
        ConfigKey::of(key, description, ConfigKind::Boolean)
    }
    /// One of `allowed`.
    pub fn one_of(key: &str, description: &str, allowed: &[&str]) -> ConfigKey {
        let allowed = allowed.iter().map(|value| value.to_string()).collect();
        ConfigKey::of(key, description, ConfigKind::OneOf(allowed))
    }
    pub fn url(key: &str, description: &str) -> ConfigKey {
        ConfigKey::of(key, description, ConfigKind::Url)
    }
    pub fn agent_email(key: &str, description: &str) -> ConfigKey {
        ConfigKey::of(key, description, ConfigKind::AgentEmail)
    }
    pub fn group_name(key: &str, description: &str) -> ConfigKey {
        ConfigKey::of(key, description, ConfigKind::GroupName)
    }
    pub fn default(mut self, value: &str) -> Self {
        self.default = Some(value.into());
        self
    }
}

impl ConfigKind {
    /// Whether `value` is of this kind, as the host checks it (an agent email's form only: whether
    /// it names an agent is the desk's to know). The error says what the kind accepts.
    pub fn check(&self, value: &str) -> Result<(), String> {
        let ok = match self {
            ConfigKind::Text => true,
            ConfigKind::Integer => value.trim().parse::<i64>().is_ok(),
            ConfigKind::Decimal => value.trim().parse::<f64>().is_ok_and(f64::is_finite),
            ConfigKind::Boolean => matches!(value.trim(), "true" | "false"),
            ConfigKind::OneOf(allowed) => allowed.iter().any(|a| a == value),
            ConfigKind::Url => ["http://", "https://"]
                .iter()
                .any(|scheme| value.len() > scheme.len() && value.starts_with(scheme)),
            ConfigKind::AgentEmail => value
                .split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.')),
            ConfigKind::GroupName => !value.trim().is_empty() && value.len() <= 255,
        };
        if ok { Ok(()) } else { Err(self.expectation()) }
    }

    /// What a value of this kind looks like.
    pub fn expectation(&self) -> String {
        match self {
            ConfigKind::Text => "any text".into(),
            ConfigKind::Integer => "a whole number, such as 42".into(),
            ConfigKind::Decimal => "a decimal number, such as 1000.50".into(),
            ConfigKind::Boolean => "true or false".into(),
            ConfigKind::OneOf(allowed) => format!("one of: {}", allowed.join(", ")),
            ConfigKind::Url => "an absolute http:// or https:// URL".into(),
            ConfigKind::AgentEmail => "the email address of an agent".into(),
            ConfigKind::GroupName => "a group name (1-255 characters)".into(),
        }
    }
}

impl Inputs {
    fn selects(keys: &[String], key: &str) -> bool {
        keys.iter().any(|k| k == "*" || k == key)
    }
    pub fn reads_user_field(&self, key: &str) -> bool {
        Inputs::selects(&self.user_fields, key)
    }
    pub fn reads_organization_field(&self, key: &str) -> bool {
        Inputs::selects(&self.organization_fields, key)
    }
    pub fn reads_ticket_field(&self, key: &str) -> bool {
        Inputs::selects(&self.ticket_fields, key)
    }
}

impl Action {
    pub fn add_tag(tag: &str) -> Action {
        Action::AddTags(vec![tag.into()])
    }
    pub fn remove_tag(tag: &str) -> Action {
        Action::RemoveTags(vec![tag.into()])
    }
    pub fn assign_group(name: &str) -> Action {
        Action::AssignGroup(name.into())
    }
    pub fn assign_agent(email: &str) -> Action {
        Action::AssignAgent(email.into())
    }
    pub fn set_queue(name: &str) -> Action {
        Action::SetQueue(name.into())
    }
    pub fn internal_note(text: &str) -> Action {
        Action::AddInternalNote(text.into())
    }
    pub fn set_user_field(key: &str, value: FieldValue) -> Action {
        Action::SetUserField(CustomValue {
            key: key.into(),
            value,
        })
    }
    pub fn set_organization_field(key: &str, value: FieldValue) -> Action {
        Action::SetOrganizationField(CustomValue {
            key: key.into(),
            value,
        })
    }
    pub fn set_ticket_field(key: &str, value: FieldValue) -> Action {
        Action::SetTicketField(CustomValue {
            key: key.into(),
            value,
        })
    }
    pub fn webhook(url: &str, body: &str) -> Action {
        Action::NotifyWebhook(WebhookCall {
            url: url.into(),
            body: body.into(),
        })
    }
    /// Email every agent of `group` (by name).
    pub fn notify_group(group: &str, subject: &str, text: &str) -> Action {
        Action::NotifyAgents(AgentNotification {
            group: Some(group.into()),
            agents: Vec::new(),
            subject: subject.into(),
            text: text.into(),
        })
    }
    /// Email these agents (by email).
    pub fn notify_agents(agents: &[&str], subject: &str, text: &str) -> Action {
        Action::NotifyAgents(AgentNotification {
            group: None,
            agents: agents.iter().map(|agent| agent.to_string()).collect(),
            subject: subject.into(),
            text: text.into(),
        })
    }
}

impl Event {
    /// What this update changed about `field`, if anything.
    pub fn change(&self, field: &str) -> Option<&Change> {
        self.changes.iter().find(|change| change.field == field)
    }
    /// Whether this update changed `field`.
    pub fn changed(&self, field: &str) -> bool {
        self.change(field).is_some()
    }
    /// Whether this update changed `field` to `value` (for enum fields, the option: `"open"`).
    pub fn changed_to(&self, field: &str, value: &FieldValue) -> bool {
        self.change(field)
            .is_some_and(|change| change.current.as_ref() == Some(value))
    }
}

/// The error of parsing an enum name such as a priority from configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    pub what: &'static str,
    pub name: String,
    pub expected: &'static [&'static str],
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a {}; expected one of {}",
            self.name,
            self.what,
            self.expected.join(", ")
        )
    }
}

impl std::error::Error for UnknownName {}

macro_rules! named_enum {
    ($ty:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every name, in order: for a `one-of` configuration key.
            pub const NAMES: &'static [&'static str] = &[$($name),+];

            /// The name used in configuration, the API and the audit log.
            pub fn name(&self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }
        impl FromStr for $ty {
            type Err = UnknownName;
            fn from_str(name: &str) -> Result<Self, UnknownName> {
                match name.trim().to_ascii_lowercase().as_str() {
                    $($name => Ok($ty::$variant),)+
                    _ => Err(UnknownName { what: $what, name: name.into(), expected: &[$($name),+] }),
                }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

named_enum!(Priority, "priority", { Low => "low", Normal => "normal", High => "high", Urgent => "urgent" });
named_enum!(Status, "status", {
    New => "new", Open => "open", Pending => "pending", Hold => "hold", Solved => "solved", Closed => "closed"
});
named_enum!(TicketType, "ticket type", {
    Question => "question", Incident => "incident", Problem => "problem", Task => "task"
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropdown_options_are_named_after_their_tags() {
        let spec = FieldSpec::dropdown("contract_term", "Contract term", &["monthly", "1_year"]);
        let names: Vec<_> = spec
            .options
            .iter()
            .map(|o| (o.name.as_str(), o.value.as_str()))
            .collect();
        assert_eq!(names, [("Monthly", "monthly"), ("1 Year", "1_year")]);
    }

    #[test]
    fn priorities_parse_from_configuration_names() {
        assert_eq!(" High ".parse::<Priority>(), Ok(Priority::High));
        let err = "highest".parse::<Priority>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"highest\" is not a priority; expected one of low, normal, high, urgent"
        );
    }
}
