//! An installed plugin as the desk keeps it: which code, how it is configured, what it may
//! reach, whether it runs, and where each of its triggers stands in the desk-wide order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{PluginInfo, Problems, Timestamp};

/// One installed plugin. The component bytes live next to it in the store.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PluginRecord {
    pub id: i64,
    /// From the plugin's `describe()`; unique: uploading a plugin of the same name replaces it.
    pub name: String,
    pub version: String,
    /// SHA-256 of the component, hex: the audit names exactly which code ran.
    pub content_hash: String,
    /// Shipped with wasmdesk and installed on first start.
    pub bundled: bool,
    pub enabled: bool,
    /// Why the engine disabled it (it kept failing); cleared when an admin enables it or
    /// uploads a new version.
    pub disabled_reason: Option<String>,
    /// Values an admin set, over the defaults the plugin declares.
    pub config: BTreeMap<String, String>,
    /// Origins (`https://host[:port]`) its `http-get` may reach. Deny by default.
    pub granted_hosts: Vec<String>,
    /// Its triggers, in the desk-wide order.
    pub triggers: Vec<TriggerSetting>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Whether one trigger runs, and where it runs in the desk-wide order (lower first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TriggerSetting {
    pub key: String,
    pub active: bool,
    pub position: i64,
}

/// A plugin to store: its identity from `describe()` and the component bytes.
#[derive(Debug, Clone)]
pub struct NewPlugin {
    pub name: String,
    pub version: String,
    pub content_hash: String,
    pub component: Vec<u8>,
    pub trigger_keys: Vec<String>,
    pub bundled: bool,
}

impl NewPlugin {
    pub fn new(info: &PluginInfo, content_hash: &str, component: &[u8], bundled: bool) -> Self {
        NewPlugin {
            name: info.name.clone(),
            version: info.version.clone(),
            content_hash: content_hash.to_string(),
            component: component.to_vec(),
            trigger_keys: info.triggers.iter().map(|t| t.key.clone()).collect(),
            bundled,
        }
    }
}

/// An admin's change to a plugin; absent parts stay as they are.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PluginPatch {
    pub enabled: Option<bool>,
    /// Replaces the whole configuration; keys must be ones the plugin declares.
    pub config: Option<BTreeMap<String, String>>,
    /// Replaces the granted origins.
    pub granted_hosts: Option<Vec<String>>,
}

impl PluginPatch {
    /// Every problem with this change for `info`: configuration keys the plugin does not
    /// declare; granted hosts are checked by the runtime, which knows what an origin is.
    pub fn problems(&self, info: &PluginInfo) -> Problems {
        let mut problems = Problems::default();
        if let Some(config) = &self.config {
            for (key, value) in config {
                if let Some(declared) = info.config_key(key) {
                    if let Err(expected) = declared.kind.check(value) {
                        problems.add(
                            &format!("config.{key}"),
                            format!("{value:?} is not valid here; expected {expected}"),
                        );
                    }
                } else {
                    let declared: Vec<&str> = info.config.iter().map(|c| c.key.as_str()).collect();
                    problems.add(
                        &format!("config.{key}"),
                        format!(
                            "plugin {} has no such setting; it declares: {}",
                            info.name,
                            if declared.is_empty() {
                                "none".to_string()
                            } else {
                                declared.join(", ")
                            }
                        ),
                    );
                }
            }
        }
        problems
    }
}

/// One trigger in a reorder request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerRef {
    pub plugin_id: i64,
    pub trigger: String,
}
