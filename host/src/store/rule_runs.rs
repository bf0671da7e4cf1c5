//! The trigger engine's audit rows.

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::rows::{Bind, parse_column};
use super::{Conditions, Listing, Page, Store, StoreError, now_millis};
use crate::domain::Timestamp;
use crate::domain::rule_run::{NewRuleRun, RuleRun, RunOutcome};

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

const RULE_RUN_COLUMNS: &str = "id, ticket_id, plugin, content_hash, trigger_key, outcome, \
     actions, changes, error, error_kind, logs, fuel_used, elapsed_us, created_at";

/// Which audit rows a desk-wide listing shows; every filter given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleRunFilter {
    pub ticket_id: Option<i64>,
    pub plugin: Option<String>,
    /// Only with `plugin`'s rows in mind, but valid alone.
    pub trigger: Option<String>,
    pub outcome: Option<RunOutcome>,
    /// Rows written at or after this time.
    pub since: Option<Timestamp>,
    /// Rows written before this time.
    pub until: Option<Timestamp>,
}

pub(super) async fn insert_runs(
    conn: &mut AnyConnection,
    ticket_id: i64,
    runs: &[NewRuleRun],
) -> Result<(), StoreError> {
    let now = now_millis();
    for run in runs {
        sqlx::query(
            "INSERT INTO rule_runs (ticket_id, plugin, content_hash, trigger_key, outcome, actions, \
             changes, error, error_kind, logs, fuel_used, elapsed_us, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(ticket_id)
        .bind(&run.plugin)
        .bind(&run.content_hash)
        .bind(&run.trigger)
        .bind(run.outcome.name())
        .bind(json(&run.actions))
        .bind(json(&run.changes))
        .bind(&run.error)
        .bind(&run.error_kind)
        .bind(json(&run.logs))
        .bind(run.fuel_used)
        .bind(run.elapsed_us)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn rule_run_from_row(row: &sqlx::any::AnyRow) -> Result<RuleRun, StoreError> {
    let outcome: String = row.try_get("outcome")?;
    let actions: String = row.try_get("actions")?;
    let changes: String = row.try_get("changes")?;
    let logs: String = row.try_get("logs")?;
    let stored = |e: serde_json::Error| StoreError::Invalid(format!("stored rule run: {e}"));
    Ok(RuleRun {
        id: row.try_get("id")?,
        ticket_id: row.try_get("ticket_id")?,
        plugin: row.try_get("plugin")?,
        content_hash: row.try_get("content_hash")?,
        trigger: row.try_get("trigger_key")?,
        outcome: parse_column(&outcome)?,
        actions: serde_json::from_str(&actions).map_err(stored)?,
        changes: serde_json::from_str(&changes).map_err(stored)?,
        error: row.try_get("error")?,
        error_kind: row.try_get("error_kind")?,
        logs: serde_json::from_str(&logs).map_err(stored)?,
        fuel_used: row.try_get("fuel_used")?,
        elapsed_us: row.try_get("elapsed_us")?,
        created_at: Timestamp(row.try_get("created_at")?),
    })
}

impl Store {
    /// The audit rows of a ticket, oldest first.
    pub async fn rule_runs(&self, ticket_id: i64) -> Result<Vec<RuleRun>, StoreError> {
        self.ticket(ticket_id).await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {RULE_RUN_COLUMNS} FROM rule_runs WHERE ticket_id = $1 ORDER BY id"
        )))
        .bind(ticket_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rule_run_from_row).collect()
    }

    /// Audit rows across the desk, oldest first, paged by id.
    pub async fn list_rule_runs(
        &self,
        filter: &RuleRunFilter,
        page: Page,
    ) -> Result<Listing<RuleRun>, StoreError> {
        let mut conditions = Conditions::default();
        if let Some(ticket_id) = filter.ticket_id {
            conditions.add("ticket_id =", Bind::Int(ticket_id));
        }
        if let Some(plugin) = &filter.plugin {
            conditions.add("plugin =", Bind::Text(plugin.clone()));
        }
        if let Some(trigger) = &filter.trigger {
            conditions.add("trigger_key =", Bind::Text(trigger.clone()));
        }
        if let Some(outcome) = filter.outcome {
            conditions.add("outcome =", Bind::Text(outcome.name().into()));
        }
        if let Some(since) = filter.since {
            conditions.add("created_at >=", Bind::Int(since.0));
        }
        if let Some(until) = filter.until {
            conditions.add("created_at <", Bind::Int(until.0));
        }
        self.filtered_page(
            "rule_runs",
            RULE_RUN_COLUMNS,
            conditions,
            page,
            rule_run_from_row,
            |run| run.id,
        )
        .await
    }

    /// A plugin's audit rows written since `since`, as `(created_at, outcome, elapsed_us)`, the
    /// newest `limit` of them (an activity chart's input).
    pub async fn rule_run_samples(
        &self,
        plugin: &str,
        since: Timestamp,
        limit: i64,
    ) -> Result<Vec<(Timestamp, RunOutcome, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT created_at, outcome, elapsed_us FROM rule_runs \
             WHERE plugin = $1 AND created_at >= $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(plugin)
        .bind(since.0)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let outcome: String = row.try_get("outcome")?;
                Ok((
                    Timestamp(row.try_get("created_at")?),
                    parse_column(&outcome)?,
                    row.try_get("elapsed_us")?,
                ))
            })
            .collect()
    }
}
