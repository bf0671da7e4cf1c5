//! Ticket audits: one row per ticket write, written in the write's transaction.

use sqlx::{AnyConnection, Row};

use super::{Store, StoreError};
use crate::domain::{Audit, AuditDraft, AuditEvent, Timestamp};

const AUDIT_COLUMNS: &str = "id, ticket_id, author_id, via, events, created_at";

pub(super) async fn insert_audit(
    conn: &mut AnyConnection,
    ticket_id: i64,
    draft: AuditDraft,
    at: Timestamp,
) -> Result<Audit, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO ticket_audits (ticket_id, author_id, via, events, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(ticket_id)
    .bind(draft.author_id)
    .bind(encode(&draft.via)?)
    .bind(encode(&draft.events)?)
    .bind(at.0)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Audit {
        id,
        ticket_id,
        created_at: at,
        author_id: draft.author_id,
        via: draft.via,
        events: draft.events,
    })
}

/// A JSON column's text.
fn encode<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(format!("an audit's JSON: {e}")))
}

fn audit_from_row(row: &sqlx::any::AnyRow) -> Result<Audit, StoreError> {
    let via: String = row.try_get("via")?;
    let events: String = row.try_get("events")?;
    let corrupt = |e: serde_json::Error| StoreError::Invalid(format!("a stored audit: {e}"));
    Ok(Audit {
        id: row.try_get("id")?,
        ticket_id: row.try_get("ticket_id")?,
        created_at: Timestamp(row.try_get("created_at")?),
        author_id: row.try_get("author_id")?,
        via: serde_json::from_str(&via).map_err(corrupt)?,
        events: serde_json::from_str::<Vec<AuditEvent>>(&events).map_err(corrupt)?,
    })
}

impl Store {
    /// A ticket's audits, oldest first; an unknown ticket is not found.
    pub async fn audits(&self, ticket_id: i64) -> Result<Vec<Audit>, StoreError> {
        self.ticket(ticket_id).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {AUDIT_COLUMNS} FROM ticket_audits WHERE ticket_id = $1 ORDER BY id"
        )))
        .bind(ticket_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }
}
