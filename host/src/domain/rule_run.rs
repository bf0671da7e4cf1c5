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
        /// Did not match. Only dry runs report these; the audit keeps firings and failures.
        NotMatched => "not_matched",
    }
}

/// Severity of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

/// A line a plugin logged during an evaluation (through `log`, or printed to stdout/stderr).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LogLine {
    pub level: LogLevel,
    pub message: String,
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
    /// What went wrong, for a person.
    pub error: Option<String>,
    /// What went wrong, for a program: the plugin error's kind (`trap`, `out_of_fuel`,
    /// `deadline`, `memory_limit`, `stack_overflow`, `output_too_large`, `invalid_result`,
    /// `capability_denied`, `rejected`, `unknown_trigger`, `unavailable`) or `invalid_actions`.
    pub error_kind: Option<String>,
    /// What the plugin logged during this evaluation (bounded per call by the runtime).
    pub logs: Vec<LogLine>,
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
    pub error_kind: Option<String>,
    pub logs: Vec<LogLine>,
    pub fuel_used: i64,
    pub elapsed_us: i64,
}
