//! The trigger engine's audit rows.

use sqlx::{Any, Row, Transaction};

use super::rows::parse_column;
use super::{Store, StoreError, now_millis};
use crate::domain::Timestamp;
use crate::domain::rule_run::{NewRuleRun, RuleRun};

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

pub(super) async fn insert_runs(
    tx: &mut Transaction<'_, Any>,
    ticket_id: i64,
    runs: &[NewRuleRun],
) -> Result<(), StoreError> {
    let now = now_millis();
    for run in runs {
        sqlx::query(
            "INSERT INTO rule_runs (ticket_id, plugin, content_hash, trigger_key, outcome, actions, \
             changes, error, fuel_used, elapsed_us, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(ticket_id)
        .bind(&run.plugin)
        .bind(&run.content_hash)
        .bind(&run.trigger)
        .bind(run.outcome.name())
        .bind(json(&run.actions))
        .bind(json(&run.changes))
        .bind(&run.error)
        .bind(run.fuel_used)
        .bind(run.elapsed_us)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// The audit rows of a ticket, oldest first.
    pub async fn rule_runs(&self, ticket_id: i64) -> Result<Vec<RuleRun>, StoreError> {
        self.ticket(ticket_id).await?;
        let rows = sqlx::query(
            "SELECT id, ticket_id, plugin, content_hash, trigger_key, outcome, actions, changes, \
             error, fuel_used, elapsed_us, created_at FROM rule_runs WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(ticket_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let outcome: String = row.try_get("outcome")?;
                let actions: String = row.try_get("actions")?;
                let changes: String = row.try_get("changes")?;
                let stored =
                    |e: serde_json::Error| StoreError::Invalid(format!("stored rule run: {e}"));
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
                    fuel_used: row.try_get("fuel_used")?,
                    elapsed_us: row.try_get("elapsed_us")?,
                    created_at: Timestamp(row.try_get("created_at")?),
                })
            })
            .collect()
    }
}
