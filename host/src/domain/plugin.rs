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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigKey {
    pub key: String,
    pub description: String,
    pub default: Option<String>,
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
        }
        problems
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
