//! The audit of the trigger engine: one row per trigger that fired or failed on a ticket write.

use serde::{Deserialize, Serialize};

use super::{Action, Change, Timestamp, named_enum};

named_enum! {
    /// What became of a trigger that matched or failed.
    pub enum RunOutcome ("rule run outcome") {
        /// Matched; its actions were valid and applied.
        Fired => "fired",
        /// Matched, but an action was invalid: none were applied.
        InvalidActions => "invalid_actions",
        /// The plugin failed (trap, fuel, deadline, memory, invalid result, its own error):
        /// counted as not matched.
        Failed => "failed",
    }
}

/// One audit row.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RuleRun {
    pub id: i64,
    pub ticket_id: i64,
    pub plugin: String,
    /// SHA-256 of the component that ran.
    pub content_hash: String,
    pub trigger: String,
    pub outcome: RunOutcome,
    #[schema(value_type = Vec<Object>)]
    pub actions: Vec<Action>,
    /// What the actions changed on the ticket.
    #[schema(value_type = Vec<Object>)]
    pub changes: Vec<Change>,
    pub error: Option<String>,
    pub fuel_used: i64,
    pub elapsed_us: i64,
    pub created_at: Timestamp,
}

/// A run before it is stored with its ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRuleRun {
    pub plugin: String,
    pub content_hash: String,
    pub trigger: String,
    pub outcome: RunOutcome,
    pub actions: Vec<Action>,
    pub changes: Vec<Change>,
    pub error: Option<String>,
    pub fuel_used: i64,
    pub elapsed_us: i64,
}
