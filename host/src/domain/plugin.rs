//! What a plugin says about itself (`describe()`), and its validation.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::fields::is_valid_field_key;
use super::{EventKind, FieldSpec, FieldType};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub description: String,
    pub triggers: Vec<TriggerInfo>,
    pub user_fields: Vec<FieldSpec>,
    pub organization_fields: Vec<FieldSpec>,
    pub groups: Vec<String>,
    pub config: Vec<ConfigKey>,
    pub http_hosts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerInfo {
    pub key: String,
    pub title: String,
    pub description: String,
    pub events: Vec<EventKind>,
    /// What the trigger reads; the event it receives holds nothing else.
    pub inputs: Inputs,
}

/// The data a trigger declares it reads (contract v0.2). The host lowers only these values into
/// the event, so a plugin never sees a customer's data it did not ask for, and admins see the
/// declaration before they enable it. Field lists hold field keys, or `*` for all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    pub user_fields: Vec<String>,
    pub organization_fields: Vec<String>,
    pub ticket_fields: Vec<String>,
    /// The ticket's description and the write's comment.
    pub text: bool,
}

/// The field-list entry that selects every field.
pub const ALL_FIELDS: &str = "*";

impl Inputs {
    /// Everything: what a v0.1 plugin, which declares nothing, has always seen.
    pub fn everything() -> Inputs {
        let all = || vec![ALL_FIELDS.to_string()];
        Inputs {
            user_fields: all(),
            organization_fields: all(),
            ticket_fields: all(),
            text: true,
        }
    }

    pub fn reads_user_field(&self, key: &str) -> bool {
        selects(&self.user_fields, key)
    }

    pub fn reads_organization_field(&self, key: &str) -> bool {
        selects(&self.organization_fields, key)
    }

    pub fn reads_ticket_field(&self, key: &str) -> bool {
        selects(&self.ticket_fields, key)
    }
}

fn selects(keys: &[String], key: &str) -> bool {
    keys.iter().any(|k| k == ALL_FIELDS || k == key)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigKey {
    pub key: String,
    pub description: String,
    /// What a value must be; checked when an admin sets one and for the default at upload.
    pub kind: ConfigKind,
    pub default: Option<String>,
}

/// What a configuration value must be (contract v0.2; v0.1 keys are all `text`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "allowed", rename_all = "snake_case")]
pub enum ConfigKind {
    Text,
    Integer,
    Decimal,
    Boolean,
    OneOf(Vec<String>),
    Url,
    AgentEmail,
    GroupName,
}

impl ConfigKind {
    /// Whether `value` is of this kind; the error says what the kind accepts. Whether an agent
    /// email belongs to an agent is the store's to check.
    pub fn check(&self, value: &str) -> Result<(), String> {
        let ok = match self {
            ConfigKind::Text => true,
            ConfigKind::Integer => value.trim().parse::<i64>().is_ok(),
            ConfigKind::Decimal => value.trim().parse::<f64>().is_ok_and(f64::is_finite),
            ConfigKind::Boolean => matches!(value.trim(), "true" | "false"),
            ConfigKind::OneOf(allowed) => allowed.iter().any(|a| a == value),
            ConfigKind::Url => url::Url::parse(value)
                .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host()),
            ConfigKind::AgentEmail => super::identity::Email::parse(value).is_ok(),
            ConfigKind::GroupName => !value.trim().is_empty() && value.len() <= 255,
        };
        if ok { Ok(()) } else { Err(self.expectation()) }
    }

    /// What a value of this kind looks like, for error messages.
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

impl PluginInfo {
    /// Every problem with this description, so an author fixes them in one round.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !is_valid_plugin_name(&self.name) {
            problems.push(format!(
                "plugin name {:?} must be 1-64 lowercase letters, digits and dashes",
                self.name
            ));
        }
        if self.triggers.is_empty() {
            problems.push("the plugin offers no triggers".to_string());
        }
        let mut keys = HashSet::new();
        for trigger in &self.triggers {
            if !is_valid_plugin_name(&trigger.key) {
                problems.push(format!(
                    "trigger key {:?} must be 1-64 lowercase letters, digits and dashes",
                    trigger.key
                ));
            }
            if !keys.insert(trigger.key.as_str()) {
                problems.push(format!("trigger key {:?} is declared twice", trigger.key));
            }
            if trigger.events.is_empty() {
                problems.push(format!("trigger {:?} subscribes to no event", trigger.key));
            }
            let inputs = &trigger.inputs;
            for (owner, keys) in [
                ("user", &inputs.user_fields),
                ("organization", &inputs.organization_fields),
                ("ticket", &inputs.ticket_fields),
            ] {
                for key in keys.iter().filter(|key| *key != ALL_FIELDS) {
                    if !is_valid_field_key(key) {
                        problems.push(format!(
                            "trigger {:?} reads {owner} field {key:?}: a field key is letters, digits and underscores, or * for all",
                            trigger.key
                        ));
                    }
                }
            }
        }
        for (owner, fields) in [
            ("user", &self.user_fields),
            ("organization", &self.organization_fields),
        ] {
            let mut keys = HashSet::new();
            for field in fields {
                if !is_valid_field_key(&field.key) {
                    problems.push(format!(
                        "{owner} field key {:?} must be letters, digits and underscores",
                        field.key
                    ));
                }
                if !keys.insert(field.key.as_str()) {
                    problems.push(format!("{owner} field {:?} is declared twice", field.key));
                }
                let has_options = matches!(
                    field.field_type,
                    FieldType::Dropdown | FieldType::Multiselect
                );
                if has_options && field.options.is_empty() {
                    problems.push(format!(
                        "{owner} field {:?} is a {} without options",
                        field.key, field.field_type
                    ));
                }
                if field.field_type == FieldType::Regexp && field.pattern.is_none() {
                    problems.push(format!(
                        "{owner} field {:?} is a regexp field without a pattern",
                        field.key
                    ));
                }
            }
        }
        let mut config_keys = HashSet::new();
        for key in &self.config {
            if !config_keys.insert(key.key.as_str()) {
                problems.push(format!("configuration key {:?} is declared twice", key.key));
            }
            if let ConfigKind::OneOf(allowed) = &key.kind
                && allowed.is_empty()
            {
                problems.push(format!("configuration key {:?} allows no value", key.key));
            }
            // An agent's email cannot be checked without the desk; its form can.
            if let Some(default) = &key.default
                && let Err(expected) = key.kind.check(default)
            {
                problems.push(format!(
                    "the default {default:?} of configuration key {:?} is not {expected}",
                    key.key
                ));
            }
        }
        problems
    }

    /// The configuration key `key`, if the plugin declares it.
    pub fn config_key(&self, key: &str) -> Option<&ConfigKey> {
        self.config.iter().find(|declared| declared.key == key)
    }

    /// The trigger `key`, if the plugin offers it.
    pub fn trigger(&self, key: &str) -> Option<&TriggerInfo> {
        self.triggers.iter().find(|trigger| trigger.key == key)
    }
}

fn is_valid_plugin_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_kinds_accept_only_their_values() {
        let cases: &[(ConfigKind, &[&str], &[&str])] = &[
            (
                ConfigKind::Integer,
                &["42", "-7", " 3 "],
                &["4.5", "lots", ""],
            ),
            (
                ConfigKind::Decimal,
                &["1000", "0.5", "-2.25"],
                &["a lot", "NaN", "inf", ""],
            ),
            (ConfigKind::Boolean, &["true", "false"], &["yes", "1", ""]),
            (
                ConfigKind::OneOf(vec!["low".into(), "high".into()]),
                &["low", "high"],
                &["super", "High", ""],
            ),
            (
                ConfigKind::Url,
                &[
                    "https://loyalty.example.com/v1/{phone}",
                    "http://127.0.0.1:9000/",
                ],
                &["ftp://example.com/", "loyalty.example.com", "https://"],
            ),
            (
                ConfigKind::AgentEmail,
                &["agent@acme.com"],
                &["agent", "@acme.com", ""],
            ),
            (ConfigKind::GroupName, &["VIP", "Tier 2"], &["", "   "]),
        ];
        for (kind, good, bad) in cases {
            for value in *good {
                assert_eq!(kind.check(value), Ok(()), "{kind:?} {value:?}");
            }
            for value in *bad {
                assert_eq!(
                    kind.check(value),
                    Err(kind.expectation()),
                    "{kind:?} {value:?}"
                );
            }
        }
        assert_eq!(
            ConfigKind::OneOf(vec!["low".into(), "high".into()]).expectation(),
            "one of: low, high"
        );
    }

    #[test]
    fn inputs_select_declared_keys_or_everything() {
        let inputs = Inputs {
            user_fields: vec!["service_level".into()],
            organization_fields: vec![ALL_FIELDS.into()],
            ticket_fields: Vec::new(),
            text: false,
        };
        assert!(inputs.reads_user_field("service_level"));
        assert!(!inputs.reads_user_field("annual_spend"));
        assert!(inputs.reads_organization_field("anything"));
        assert!(!inputs.reads_ticket_field("order_id"));
        assert!(Inputs::everything().reads_ticket_field("order_id"));
    }

    #[test]
    fn a_default_of_the_wrong_kind_is_a_problem_of_the_description() {
        let info = PluginInfo {
            name: "p".into(),
            version: "1".into(),
            description: String::new(),
            triggers: vec![TriggerInfo {
                key: "t".into(),
                title: "t".into(),
                description: String::new(),
                events: vec![EventKind::Created],
                inputs: Inputs {
                    user_fields: vec!["not a key".into()],
                    ..Inputs::everything()
                },
            }],
            user_fields: Vec::new(),
            organization_fields: Vec::new(),
            groups: Vec::new(),
            config: vec![ConfigKey {
                key: "threshold".into(),
                description: String::new(),
                kind: ConfigKind::Decimal,
                default: Some("lots".into()),
            }],
            http_hosts: Vec::new(),
        };
        let problems = info.problems().join("\n");
        assert!(
            problems.contains("reads user field \"not a key\""),
            "{problems}"
        );
        assert!(
            problems.contains("the default \"lots\" of configuration key \"threshold\""),
            "{problems}"
        );
    }
}
