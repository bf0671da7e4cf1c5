//! Write wasmdesk trigger plugins in Rust.
//!
//! A plugin is a plain type that implements [`Plugin`], exported with [`export_plugin!`], and
//! built with `cargo build --target wasm32-wasip2 --release`. The host calls
//! [`Plugin::matches`] for every ticket event a trigger subscribes to and, when it matches,
//! [`Plugin::actions`]; the host validates the returned actions and applies them itself.
//!
//! ```
//! use wasmdesk_sdk::prelude::*;
//!
//! struct Vip;
//!
//! impl Plugin for Vip {
//!     fn describe() -> PluginInfo {
//!         PluginInfo::new("vip", "1.0.0")
//!             .trigger(TriggerInfo::on_created("vip", "Escalate platinum customers"))
//!             .user_field(FieldSpec::dropdown("service_level", "Service level", &["platinum", "gold"]))
//!     }
//!
//!     fn matches(_trigger: &str, event: &Event, _host: &Host) -> Result<bool, String> {
//!         Ok(event.requester.option("service_level") == Some("platinum"))
//!     }
//!
//!     fn actions(_trigger: &str, _event: &Event, _host: &Host) -> Result<Vec<Action>, String> {
//!         Ok(vec![Action::SetPriority(Priority::Urgent), Action::add_tag("vip")])
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
//! The WIT contract this crate binds is `wit/rules.wit` (package `wasmdesk:rules@0.1.0`); its
//! comments are the reference for every type re-exported here.

#[cfg(all(target_arch = "wasm32", feature = "arena"))]
mod arena;
mod builders;
mod fields;
mod host;
pub mod testing;

/// The bindings generated from `wit/rules.wit`. Use the re-exports at the crate root instead.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "plugin",
        pub_export_macro: true,
        default_bindings_module: "wasmdesk_sdk::bindings",
        additional_derives: [PartialEq],
    });
}

pub use bindings::exports::wasmdesk::rules::triggers::Guest as __Guest;
pub use bindings::wasmdesk::rules::host::{HttpError, HttpResponse, LogLevel};
pub use bindings::wasmdesk::rules::types::{
    Action, Actor, Change, Channel, ConfigKey, CustomValue, Event, EventKind, FieldOption,
    FieldSpec, FieldType, FieldValue, Organization, PluginInfo, Priority, Status, Ticket,
    TicketType, TriggerInfo, User, UserRole, WebhookCall,
};
pub use fields::{HasFields, value};
pub use host::Host;

/// A trigger plugin: what it offers, its condition and its actions.
///
/// All three are associated functions: a plugin keeps no state, because every evaluation runs
/// in a fresh instance. Read configuration through [`Host::config`].
pub trait Plugin {
    /// What the plugin offers and needs. Called once at upload; must not depend on configuration.
    fn describe() -> PluginInfo;

    /// The condition of `trigger` on `event`. An `Err` counts as "not matched" and is audited.
    fn matches(trigger: &str, event: &Event, host: &Host) -> Result<bool, String>;

    /// The actions of `trigger` on `event`; called only when [`Plugin::matches`] returned true.
    fn actions(trigger: &str, event: &Event, host: &Host) -> Result<Vec<Action>, String>;
}

/// Everything a plugin usually needs, in one import.
pub mod prelude {
    pub use crate::{
        Action, Actor, Change, Channel, ConfigKey, CustomValue, Event, EventKind, FieldOption,
        FieldSpec, FieldType, FieldValue, HasFields, Host, HttpError, HttpResponse, LogLevel,
        Organization, Plugin, PluginInfo, Priority, Status, Ticket, TicketType, TriggerInfo, User,
        UserRole, WebhookCall, value,
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

                fn matches(
                    trigger: ::std::string::String,
                    event: $crate::Event,
                ) -> ::std::result::Result<bool, ::std::string::String> {
                    $crate::__report_panics_to_the_log();
                    <$plugin as $crate::Plugin>::matches(
                        &trigger,
                        &event,
                        &$crate::Host::component(),
                    )
                }

                fn actions(
                    trigger: ::std::string::String,
                    event: $crate::Event,
                ) -> ::std::result::Result<::std::vec::Vec<$crate::Action>, ::std::string::String>
                {
                    $crate::__report_panics_to_the_log();
                    <$plugin as $crate::Plugin>::actions(
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
