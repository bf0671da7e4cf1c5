//! The plugin runtime: loads components of the `wasmdesk:rules` world (every contract version
//! it supports) and runs their triggers in sandboxed, fresh instances under strict limits.
//!
//! WIT-generated types stay in [`bindings`]; everything here speaks `domain` types.

mod bindings;
mod bundled;
mod cache;
mod engine;
mod error;
mod http;
mod limits;
mod runtime;
mod sandbox;
mod validate;

use std::collections::HashMap;
use std::sync::Arc;

pub use bindings::ContractVersion;
pub use bundled::bundled;
pub use error::{LoadError, PluginError};
pub use http::{InvalidOrigin, Origin};
pub use limits::Limits;
pub use runtime::{CompiledPlugin, Evaluation, Outcome, Runtime, RuntimeConfig};
pub use sandbox::{LogLevel, LogLine};

use crate::domain::PluginInfo;

/// What an admin granted one installation of a plugin: configuration values and the origins it
/// may reach. Deny by default: an installation with no grants reaches nothing.
#[derive(Debug, Clone, Default)]
pub struct Installation {
    config: HashMap<String, String>,
    origins: Vec<Origin>,
}

impl Installation {
    /// The installation's configuration is `values` over the defaults the plugin declares.
    pub fn new(
        info: &PluginInfo,
        values: impl IntoIterator<Item = (String, String)>,
        origins: Vec<Origin>,
    ) -> Arc<Installation> {
        let mut config: HashMap<String, String> = info
            .config
            .iter()
            .filter_map(|key| Some((key.key.clone(), key.default.clone()?)))
            .collect();
        config.extend(values);
        Arc::new(Installation { config, origins })
    }

    pub fn config_value(&self, key: &str) -> Option<&str> {
        self.config.get(key).map(String::as_str)
    }

    pub fn origins(&self) -> &[Origin] {
        &self.origins
    }
}
