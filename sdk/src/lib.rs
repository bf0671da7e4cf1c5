//! Write wasmdesk trigger plugins in Rust.
//!
//! A plugin is a plain type that implements [`Plugin`], exported with [`export_plugin!`], and
//! built with `cargo build --target wasm32-wasip2 --release`. For every ticket event a trigger
//! subscribes to, the host makes one call, [`Plugin::evaluate`]; by default it runs
//! [`Plugin::matches`] and, when that holds, [`Plugin::actions`]. The host validates the returned
//! actions and applies them itself.
//!
//! Each trigger declares the data it reads ([`TriggerInfo::reads_user_fields`] and friends):
//! the event it receives holds nothing else, and [`testing::TestHost`] enforces the same rule, so
//! a missing declaration fails the plugin's own unit tests.
//!
//! ```
//! use wasmdesk_sdk::prelude::*;
//!
//! struct Vip;
//!
//! impl Plugin for Vip {
//!     fn describe() -> PluginInfo {
//!         PluginInfo::new("vip", "1.0.0")
//!             .trigger(
//!                 TriggerInfo::on_created("vip", "Escalate platinum customers")
//!                     .reads_user_fields(&["service_level"]),
//!             )
//!             .user_field(FieldSpec::dropdown("service_level", "Service level", &["platinum", "gold"]))
//!             .config(ConfigKey::one_of("priority", "Priority of VIP tickets", &["high", "urgent"]).default("urgent"))
//!     }
//!
//!     fn matches(_trigger: &str, event: &Event, _host: &Host) -> Result<bool, RuleError> {
//!         Ok(event.requester.option("service_level") == Some("platinum"))
//!     }
//!
//!     fn actions(_trigger: &str, _event: &Event, host: &Host) -> Result<Vec<Action>, RuleError> {
//!         Ok(vec![Action::SetPriority(host.config_parsed("priority")?), Action::add_tag("vip")])
//!     }
//! }
//!
//! wasmdesk_sdk::export_plugin!(Vip);
//!
//! // Plain native tests, no WebAssembly involved:
//! use wasmdesk_sdk::testing::{EventBuilder, TestHost};
//! let event = EventBuilder::created().requester_field("service_level", value::option("platinum")).build();
//! let host = TestHost::for_plugin::<Vip>();
//! assert_eq!(host.evaluate::<Vip>("vip", &event).unwrap().unwrap().len(), 2);
//! ```
//!
//! The WIT contract this crate binds is `wit/since_v0.3.0/rules.wit` (package
//! `wasmdesk:rules@0.3.0`); its comments are the reference for every type re-exported here.

#[cfg(all(target_arch = "wasm32", feature = "arena"))]
mod arena;
mod builders;
mod fields;
mod host;
pub mod testing;

/// The bindings generated from `wit/since_v0.3.0/rules.wit`. Use the re-exports at the crate
/// root instead.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit/since_v0.3.0",
        world: "plugin",
        pub_export_macro: true,
        default_bindings_module: "wasmdesk_sdk::bindings",
        additional_derives: [PartialEq],
    });
}

pub use bindings::exports::wasmdesk::rules::triggers::Guest as __Guest;
pub use bindings::wasmdesk::rules::host::{HttpError, HttpResponse, LogLevel};
pub use bindings::wasmdesk::rules::types::{
    Action, Actor, AgentNotification, Change, Channel, Comment, ConfigKey, ConfigKind, CustomValue,
    Event, EventKind, FieldOption, FieldSpec, FieldType, FieldValue, Inputs, Organization,
    PluginInfo, Priority, RuleError, Status, Ticket, TicketType, TriggerInfo, User, UserRole, Via,
    WebhookCall,
};
pub use fields::{HasFields, value};
pub use host::Host;

/// A trigger plugin: what it offers, its condition and its actions.
///
/// All are associated functions: a plugin keeps no state between ticket writes, because each
/// write gets a fresh instance. Read configuration through [`Host::config`]. Errors are
/// [`RuleError`]s; a `String` or `&str` converts into [`RuleError::Other`], so `?` and
/// `Err("...".into())` work as they read.
pub trait Plugin {
    /// What the plugin offers and needs. Called once at upload; must not depend on configuration.
    fn describe() -> PluginInfo;

    /// The condition of `trigger` on `event`. An `Err` counts as "not matched" and is audited.
    fn matches(trigger: &str, event: &Event, host: &Host) -> Result<bool, RuleError>;

    /// The actions of `trigger` on `event`; called only when [`Plugin::matches`] returned true.
    fn actions(trigger: &str, event: &Event, host: &Host) -> Result<Vec<Action>, RuleError>;

    /// One evaluation, as the host calls it (`evaluate` in the contract): `None` when the
    /// condition does not hold. By default [`Plugin::matches`], then [`Plugin::actions`], both
    /// inside the one call; override it to decide in a single pass.
    fn evaluate(
        trigger: &str,
        event: &Event,
        host: &Host,
    ) -> Result<Option<Vec<Action>>, RuleError> {
        if !Self::matches(trigger, event, host)? {
            return Ok(None);
        }
        Self::actions(trigger, event, host).map(Some)
    }
}

impl From<String> for RuleError {
    fn from(message: String) -> Self {
        RuleError::Other(message)
    }
}

impl From<&str> for RuleError {
    fn from(message: &str) -> Self {
        RuleError::Other(message.to_string())
    }
}

impl RuleError {
    /// The message, whatever the case.
    pub fn message(&self) -> &str {
        match self {
            RuleError::InvalidInput(message)
            | RuleError::Unavailable(message)
            | RuleError::Other(message) => message,
        }
    }

    /// Whether the message contains `text` (handy in tests).
    pub fn contains(&self, text: &str) -> bool {
        self.message().contains(text)
    }
}

/// Everything a plugin usually needs, in one import.
pub mod prelude {
    pub use crate::{
        Action, Actor, AgentNotification, Change, Channel, Comment, ConfigKey, ConfigKind,
        CustomValue, Event, EventKind, FieldOption, FieldSpec, FieldType, FieldValue, HasFields,
        Host, HttpError, HttpResponse, Inputs, LogLevel, Organization, Plugin, PluginInfo,
        Priority, RuleError, Status, Ticket, TicketType, TriggerInfo, User, UserRole, Via,
        WebhookCall, value,
    };
}

/// Sends a panic's message to the evaluation's log, so the audit log says why a plugin trapped
/// even when it was built without WASI (where stderr goes nowhere).
#[doc(hidden)]
pub fn __report_panics_to_the_log() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            Host::component().log(LogLevel::Error, &info.to_string())
        }));
    });
}

/// Export a [`Plugin`] implementation as the component's `wasmdesk:rules/triggers` interface.
///
/// Outside WebAssembly (native unit tests, docs) this expands to nothing.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            struct __WasmdeskExport;

            impl $crate::__Guest for __WasmdeskExport {
                fn describe() -> $crate::PluginInfo {
                    $crate::__report_panics_to_the_log();
                    <$plugin as $crate::Plugin>::describe()
                }

                fn evaluate(
                    trigger: ::std::string::String,
                    event: $crate::Event,
                ) -> ::std::result::Result<
                    ::std::option::Option<::std::vec::Vec<$crate::Action>>,
                    $crate::RuleError,
                > {
                    $crate::__report_panics_to_the_log();
                    <$plugin as $crate::Plugin>::evaluate(
                        &trigger,
                        &event,
                        &$crate::Host::component(),
                    )
                }
            }

    $crate::__export_plugin_impl!(__WasmdeskExport with_types_in $crate::bindings);
        };
    };
}
