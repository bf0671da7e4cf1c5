//! Plain types of the helpdesk and their validation. No I/O, nothing of ours imported: every
//! other layer speaks these types (the plugin runtime converts them to and from WIT at its border).

pub mod action;
pub mod audit;
pub mod contact;
pub mod customer_type;
pub mod event;
pub mod field_definition;
pub mod fields;
pub mod identity;
pub mod installation;
pub mod job;
pub mod notification;
pub mod organization;
pub mod panel;
pub mod plugin;
pub mod problems;
pub mod queue;
pub mod rule_run;
pub mod search;
pub mod ticket;
pub mod time;
pub mod token;
pub mod user;
pub mod webhook;

pub use action::{Action, AgentNotification, WebhookCall};
pub use audit::{Audit, AuditDraft, AuditEvent};
pub use customer_type::{CustomerType, CustomerTypeDraft};
pub use event::{
    Actor, Change, Event, EventComment, EventKind, EventOrganization, EventTicket, EventUser,
};
pub use field_definition::{Field, FieldDefinition, FieldScope, read_values};
pub use fields::{CustomValues, FieldOption, FieldSpec, FieldType, FieldValue};
pub use installation::{NewPlugin, PluginPatch, PluginRecord, TriggerRef, TriggerSetting};
pub use organization::{
    Group, GroupDraft, GroupMembership, Organization, OrganizationChanges, OrganizationDraft,
};
pub use plugin::{ConfigKey, ConfigKind, Inputs, PluginInfo, TriggerInfo};
pub use problems::Problems;
pub use ticket::{
    Channel, Comment, CommentDraft, CustomFieldValue, CustomFieldsInput, Priority, Status, Ticket,
    TicketChanges, TicketDraft, TicketType, custom_field_list,
};
pub use time::Timestamp;
pub use user::{User, UserChanges, UserDraft, UserRole};

/// A name that is not one of an enum's names, e.g. priority `"highest"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} is not a valid {what}; expected one of: {}", expected.join(", "))]
pub struct UnknownName {
    pub what: &'static str,
    pub name: String,
    pub expected: &'static [&'static str],
}

/// Declares a fieldless enum with its wire names: serde, `FromStr`, `Display` and `ALL`.
macro_rules! named_enum {
    ($(#[$meta:meta])* $vis:vis enum $ty:ident ($what:literal) { $($(#[$vmeta:meta])* $variant:ident => $name:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        $vis enum $ty {
            // utoipa does not read serde's rename when the name comes through a macro
            // fragment, so the schema gets it too: the document lists the wire names.
            $($(#[$vmeta])* #[serde(rename = $name)] #[schema(rename = $name)] $variant),+
        }

        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];
            pub const NAMES: &'static [&'static str] = &[$($name),+];

            /// The name used in the API, configuration and the audit log.
            pub fn name(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::domain::UnknownName;
            fn from_str(name: &str) -> Result<Self, Self::Err> {
                match name.trim().to_ascii_lowercase().as_str() {
                    $($name => Ok($ty::$variant),)+
                    _ => Err($crate::domain::UnknownName { what: $what, name: name.into(), expected: Self::NAMES }),
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}
pub(crate) use named_enum;
