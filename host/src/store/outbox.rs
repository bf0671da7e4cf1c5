//! What the two outboxes (webhook deliveries, agent notifications) share: each row is queued by
//! the ticket write that fired it, claimed by a worker with a lease, and its attempts recorded
//! here the same way, whatever it carries.

use sqlx::{AnyConnection, AssertSqlSafe};

use super::rows::{Bind, bind_all, placeholders};
use super::{Store, StoreError, now_millis};
use crate::domain::Timestamp;
use crate::domain::webhook::DeliveryStatus;

/// One of the outbox tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outbox {
    /// `notify-webhook` firings, sent over HTTP.
    Webhooks,
    /// `notify-agents` firings, sent by email.
    AgentEmails,
}

impl Outbox {
    pub(super) fn table(self) -> &'static str {
        match self {
            Outbox::Webhooks => "webhook_deliveries",
            Outbox::AgentEmails => "agent_notifications",
        }
    }
}

/// What became of one attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The peer's status: an HTTP status, or an SMTP reply code, if it answered.
    pub status: Option<u16>,
    pub error: Option<String>,
    /// Delivered, queued again for this time, or dead.
    pub next: AttemptNext,
}

#[derive(Debug, Clone, Copy)]
pub enum AttemptNext {
    Delivered,
    RetryAt(Timestamp),
    Dead,
}

/// Leases the claimed rows `ids` of `outbox` to this worker `until` (epoch milliseconds).
pub(super) async fn set_leases(
    conn: &mut AnyConnection,
    outbox: Outbox,
    ids: &[i64],
    until: i64,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let ids: Vec<Bind> = ids.iter().map(|id| Bind::Int(*id)).collect();
    let sql = format!(
        "UPDATE {} SET lease_until = $1 WHERE id IN ({})",
        outbox.table(),
        placeholders(2, ids.len())
    );
    let query = sqlx::query(AssertSqlSafe(sql)).bind(until);
    bind_all(query, &ids).execute(conn).await?;
    Ok(())
}

impl Store {
    /// Releases every lease of `outbox`: for a process that owns its database alone (SQLite) at
    /// start, where any lease left is a killed predecessor's.
    pub async fn release_leases(&self, outbox: Outbox) -> Result<u64, StoreError> {
        let released = sqlx::query(AssertSqlSafe(format!(
            "UPDATE {} SET lease_until = NULL WHERE lease_until IS NOT NULL",
            outbox.table()
        )))
        .execute(&self.pool)
        .await?;
        Ok(released.rows_affected())
    }

    /// Records an attempt at a claimed row of `outbox` and releases its lease.
    pub async fn record_attempt(
        &self,
        outbox: Outbox,
        id: i64,
        attempt: Attempt,
    ) -> Result<(), StoreError> {
        let now = now_millis();
        let (status, next_at, delivered_at) = match attempt.next {
            AttemptNext::Delivered => (DeliveryStatus::Delivered, None, Some(now)),
            AttemptNext::RetryAt(at) => (DeliveryStatus::Queued, Some(at.0), None),
            AttemptNext::Dead => (DeliveryStatus::Dead, None, None),
        };
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE {} SET status = $1, tries = tries + 1, last_status = $2, last_error = $3, \
             next_attempt_at = $4, delivered_at = $5, lease_until = NULL WHERE id = $6",
            outbox.table()
        )))
        .bind(status.name())
        .bind(attempt.status.map(i64::from))
        .bind(attempt.error)
        .bind(next_at)
        .bind(delivered_at)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Queues a row of `outbox` again, due now (a dead one, or a queued one sooner); tries are
    /// kept. A delivered one is refused: it would be sent twice.
    pub(super) async fn requeue(
        &self,
        outbox: Outbox,
        id: i64,
        status: DeliveryStatus,
    ) -> Result<(), StoreError> {
        if status == DeliveryStatus::Delivered {
            return Err(StoreError::rejected(
                "status",
                "it was delivered; only queued or dead ones are retried",
            ));
        }
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE {} SET status = 'queued', next_attempt_at = $1 WHERE id = $2",
            outbox.table()
        )))
        .bind(now_millis())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
