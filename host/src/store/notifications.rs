//! The agent notification outbox: `notify-agents` emails queued by the ticket write that fired
//! them ([`queue_notifications`], in its transaction), claimed by the mail worker with a lease
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, as webhook deliveries are), and listed for admins.

use std::time::Duration;

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::outbox::{Outbox, set_leases};
use super::rows::parse_column;
use super::{Backend, Store, StoreError, now_millis};
use crate::domain::Timestamp;
use crate::domain::notification::AgentEmail;

/// The newest notifications a listing shows.
const NOTIFICATIONS_LISTED: i64 = 100;

const NOTIFICATION_COLUMNS: &str = "id, ticket_id, recipients, subject, body, status, tries, \
     last_status, last_error, next_attempt_at, created_at, delivered_at";

/// An email a trigger fired, with its recipients resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedNotification {
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// A notification the mail worker has claimed.
#[derive(Debug, Clone)]
pub struct ClaimedNotification {
    pub id: i64,
    pub ticket_id: i64,
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
    /// Attempts made before this one.
    pub tries: i64,
    pub created_at: Timestamp,
}

fn recipients_from(column: String) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(&column)
        .map_err(|error| StoreError::Invalid(format!("stored notification recipients: {error}")))
}

fn notification_from_row(row: &sqlx::any::AnyRow) -> Result<AgentEmail, StoreError> {
    let status: String = row.try_get("status")?;
    Ok(AgentEmail {
        id: row.try_get("id")?,
        ticket_id: row.try_get("ticket_id")?,
        recipients: recipients_from(row.try_get("recipients")?)?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        status: parse_column(&status)?,
        tries: row.try_get("tries")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
        next_attempt_at: row
            .try_get::<Option<i64>, _>("next_attempt_at")?
            .map(Timestamp),
        created_at: Timestamp(row.try_get("created_at")?),
        delivered_at: row
            .try_get::<Option<i64>, _>("delivered_at")?
            .map(Timestamp),
    })
}

/// Queues a ticket write's notifications, in its transaction.
pub(super) async fn queue_notifications(
    conn: &mut AnyConnection,
    ticket_id: i64,
    notifications: &[QueuedNotification],
) -> Result<(), StoreError> {
    let now = now_millis();
    for notification in notifications {
        let recipients =
            serde_json::to_string(&notification.recipients).expect("addresses serialize");
        sqlx::query(
            "INSERT INTO agent_notifications (ticket_id, recipients, subject, body, status, tries, \
             next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'queued', 0, $5, $5)",
        )
        .bind(ticket_id)
        .bind(recipients)
        .bind(&notification.subject)
        .bind(&notification.body)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The agents' addresses of the group `group_id` (agents and admins), by address.
pub(super) async fn group_agent_addresses(
    conn: &mut AnyConnection,
    group_id: i64,
) -> Result<Vec<String>, StoreError> {
    let addresses: Vec<String> = sqlx::query_scalar(
        "SELECT u.email FROM group_memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.group_id = $1 AND u.role IN ('agent', 'admin') AND u.email IS NOT NULL \
         ORDER BY u.email",
    )
    .bind(group_id)
    .fetch_all(conn)
    .await?;
    Ok(addresses)
}

impl Store {
    /// The newest notifications, newest first; of one ticket when given.
    pub async fn notifications(
        &self,
        ticket_id: Option<i64>,
    ) -> Result<Vec<AgentEmail>, StoreError> {
        let of_ticket = if ticket_id.is_some() {
            "WHERE ticket_id = $1"
        } else {
            ""
        };
        let query = sqlx::query(AssertSqlSafe(format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM agent_notifications {of_ticket} \
             ORDER BY id DESC LIMIT {NOTIFICATIONS_LISTED}"
        )));
        let rows = match ticket_id {
            Some(id) => query.bind(id).fetch_all(&self.pool).await?,
            None => query.fetch_all(&self.pool).await?,
        };
        rows.iter().map(notification_from_row).collect()
    }

    pub async fn notification(&self, id: i64) -> Result<AgentEmail, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM agent_notifications WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("notification {id}")))?;
        notification_from_row(&row)
    }

    /// Queues a notification again, due now (a dead one, or a queued one sooner).
    pub async fn retry_notification(&self, id: i64) -> Result<AgentEmail, StoreError> {
        let notification = self.notification(id).await?;
        self.requeue(Outbox::AgentEmails, id, notification.status)
            .await?;
        self.notification(id).await
    }

    /// Claims up to `limit` due notifications for `lease`.
    pub async fn claim_notifications(
        &self,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<ClaimedNotification>, StoreError> {
        let now = now_millis();
        let skip_locked = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let mut turn = self.write_turn().await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT id, ticket_id, recipients, subject, body, tries, created_at \
             FROM agent_notifications WHERE status = 'queued' AND next_attempt_at <= $1 \
             AND (lease_until IS NULL OR lease_until < $1) ORDER BY id LIMIT $2{skip_locked}"
        )))
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *turn)
        .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in &rows {
            claimed.push(ClaimedNotification {
                id: row.try_get("id")?,
                ticket_id: row.try_get("ticket_id")?,
                recipients: recipients_from(row.try_get("recipients")?)?,
                subject: row.try_get("subject")?,
                body: row.try_get("body")?,
                tries: row.try_get("tries")?,
                created_at: Timestamp(row.try_get("created_at")?),
            });
        }
        let ids: Vec<i64> = claimed.iter().map(|notification| notification.id).collect();
        set_leases(
            &mut turn,
            Outbox::AgentEmails,
            &ids,
            now + lease.as_millis() as i64,
        )
        .await?;
        turn.commit().await?;
        Ok(claimed)
    }
}
