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

/// One hour of a plugin's audit: how often its triggers fired, had invalid actions or failed,
/// and the median time of those runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HourOfRuns {
    /// The hour's start.
    pub hour: Timestamp,
    pub fired: i64,
    pub invalid_actions: i64,
    pub failed: i64,
    /// The median evaluation time of the hour's runs, in microseconds; null without runs.
    pub median_elapsed_us: Option<i64>,
}

const HOUR_MS: i64 = 3_600_000;

/// The `hours` whole hours ending with the one holding `now`, oldest first, from audit rows
/// `(created_at, outcome, elapsed_us)`; rows outside them are left out.
pub fn hourly(
    runs: &[(Timestamp, RunOutcome, i64)],
    now: Timestamp,
    hours: i64,
) -> Vec<HourOfRuns> {
    let last = now.0.div_euclid(HOUR_MS) * HOUR_MS;
    let first = last - (hours - 1) * HOUR_MS;
    (0..hours)
        .map(|index| {
            let start = first + index * HOUR_MS;
            let in_hour: Vec<&(Timestamp, RunOutcome, i64)> = runs
                .iter()
                .filter(|(at, ..)| (start..start + HOUR_MS).contains(&at.0))
                .collect();
            let count = |outcome: RunOutcome| {
                in_hour.iter().filter(|(_, o, _)| *o == outcome).count() as i64
            };
            let mut times: Vec<i64> = in_hour.iter().map(|(.., elapsed)| *elapsed).collect();
            times.sort_unstable();
            HourOfRuns {
                hour: Timestamp(start),
                fired: count(RunOutcome::Fired),
                invalid_actions: count(RunOutcome::InvalidActions),
                failed: count(RunOutcome::Failed),
                median_elapsed_us: (!times.is_empty()).then(|| times[times.len() / 2]),
            }
        })
        .collect()
}

#[cfg(test)]
mod hourly_tests {
    use super::*;

    #[test]
    fn runs_are_counted_in_their_hour_with_the_median_time() {
        let now = Timestamp(10 * HOUR_MS + 5);
        let runs = [
            (Timestamp(10 * HOUR_MS), RunOutcome::Fired, 10),
            (Timestamp(10 * HOUR_MS + 1), RunOutcome::Failed, 30),
            (Timestamp(10 * HOUR_MS + 2), RunOutcome::Fired, 20),
            (Timestamp(8 * HOUR_MS + 9), RunOutcome::InvalidActions, 7),
            (Timestamp(2 * HOUR_MS), RunOutcome::Fired, 1),
        ];
        let hours = hourly(&runs, now, 3);
        assert_eq!(hours.len(), 3);
        assert_eq!(hours[0].hour, Timestamp(8 * HOUR_MS));
        assert_eq!(
            (hours[0].invalid_actions, hours[0].median_elapsed_us),
            (1, Some(7))
        );
        assert_eq!((hours[1].fired, hours[1].median_elapsed_us), (0, None));
        assert_eq!((hours[2].fired, hours[2].failed), (2, 1));
        assert_eq!(hours[2].median_elapsed_us, Some(20));
    }
}
