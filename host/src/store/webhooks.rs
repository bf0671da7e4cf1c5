//! Webhooks and their delivery outbox. Deliveries are queued by the ticket write that fired them
//! ([`queue_deliveries`], in its transaction) and taken by the delivery worker with a lease: on
//! PostgreSQL several workers claim with `FOR UPDATE SKIP LOCKED`, so none takes another's; a
//! worker that dies leaves a lease that expires. A ticket's deliveries go out in order: one is
//! claimable only when no earlier one of its ticket is still queued.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::outbox::{Outbox, set_leases};
use super::rows::parse_column;
use super::tokens::new_secret;
use super::{Backend, Store, StoreError, Tx, conflict_or, now_millis};
use crate::domain::webhook::{CreatedWebhook, Delivery, Webhook, WebhookDraft};
use crate::domain::{Problems, Timestamp};

/// Every signing secret starts with this.
const WEBHOOK_SECRET_PREFIX: &str = "whsec_";
/// The newest deliveries a listing shows.
const DELIVERIES_LISTED: i64 = 100;

const WEBHOOK_COLUMNS: &str = "id, name, endpoint, active, headers, created_at, updated_at";
const DELIVERY_COLUMNS: &str = "id, webhook_id, ticket_id, body, status, tries, last_status, \
     last_error, next_attempt_at, created_at, delivered_at";

fn webhook_from_row(row: &sqlx::any::AnyRow) -> Result<Webhook, StoreError> {
    let headers: String = row.try_get("headers")?;
    Ok(Webhook {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        endpoint: row.try_get("endpoint")?,
        active: row.try_get::<i64, _>("active")? != 0,
        headers: serde_json::from_str(&headers)
            .map_err(|error| StoreError::Invalid(format!("stored webhook headers: {error}")))?,
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

fn delivery_from_row(row: &sqlx::any::AnyRow) -> Result<Delivery, StoreError> {
    let status: String = row.try_get("status")?;
    Ok(Delivery {
        id: row.try_get("id")?,
        webhook_id: row.try_get("webhook_id")?,
        ticket_id: row.try_get("ticket_id")?,
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

fn name_conflict(name: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |error| conflict_or(error, &[("name", &format!("a webhook named {name:?}"))])
}

/// The active webhooks, kept in memory: a `notify-webhook` firing looks its webhook up on every
/// ticket write, and a round trip to the database costs more than the rest of the firing (on
/// SQLite every statement is a hand-off to the connection's thread and back). Forgotten when
/// this process changes a webhook, and by [`crate::rules::Rules::follow`] when another replica
/// may have (PostgreSQL notifies of every webhook change; the periodic check forgets it too).
/// A delivery is queued only while its webhook is active in the database, whatever this says.
#[derive(Clone, Default)]
pub(super) struct WebhookDirectory(Arc<Mutex<Directory>>);

#[derive(Default)]
struct Directory {
    active: Option<Arc<Vec<Webhook>>>,
    /// Counts forgets, so that a list read before one is not kept after it.
    generation: u64,
}

impl WebhookDirectory {
    fn known(&self) -> (Option<Arc<Vec<Webhook>>>, u64) {
        let directory = self.0.lock().expect("webhook directory lock");
        (directory.active.clone(), directory.generation)
    }

    fn keep(&self, active: Arc<Vec<Webhook>>, read_at: u64) {
        let mut directory = self.0.lock().expect("webhook directory lock");
        if directory.generation == read_at {
            directory.active = Some(active);
        }
    }

    pub(super) fn forget(&self) {
        let mut directory = self.0.lock().expect("webhook directory lock");
        directory.active = None;
        directory.generation += 1;
    }
}

/// Queues a ticket write's deliveries (webhook id, body), in its transaction.
pub(super) async fn queue_deliveries(
    conn: &mut AnyConnection,
    ticket_id: i64,
    deliveries: &[(i64, String)],
) -> Result<(), StoreError> {
    let now = now_millis();
    for (webhook_id, body) in deliveries {
        // The webhook was looked up in memory: queue only if it is still there and active.
        let queued = sqlx::query(
            "INSERT INTO webhook_deliveries (webhook_id, ticket_id, body, status, tries, \
             next_attempt_at, created_at) SELECT $1, $2, $3, 'queued', 0, $4, $4 \
             WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = $1 AND active = 1)",
        )
        .bind(*webhook_id)
        .bind(ticket_id)
        .bind(body)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        if queued.rows_affected() == 0 {
            tracing::warn!(
                webhook = webhook_id,
                ticket = ticket_id,
                "a webhook was deactivated or deleted as a trigger fired it: not delivered"
            );
        }
    }
    Ok(())
}

/// A delivery a worker has claimed, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub webhook_id: i64,
    pub endpoint: String,
    pub secret: String,
    pub headers: BTreeMap<String, String>,
    pub body: String,
    /// Attempts made before this one.
    pub tries: i64,
    pub created_at: Timestamp,
}

impl Tx {
    /// The active webhook a `notify-webhook` names: by its name, or by an endpoint equal to
    /// its own.
    pub async fn webhook_for(&mut self, target: &str) -> Result<Option<Webhook>, StoreError> {
        let target = target.trim();
        let active = match self.webhooks.known() {
            (Some(active), _) => active,
            (None, generation) => {
                let rows = sqlx::query(AssertSqlSafe(format!(
                    "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE active = 1 ORDER BY id"
                )))
                .fetch_all(&mut *self.turn)
                .await?;
                let active = Arc::new(
                    rows.iter()
                        .map(webhook_from_row)
                        .collect::<Result<Vec<_>, _>>()?,
                );
                self.webhooks.keep(active.clone(), generation);
                active
            }
        };
        // By name first (names are unique), else the oldest with that endpoint.
        Ok(active
            .iter()
            .find(|webhook| webhook.name == target)
            .or_else(|| active.iter().find(|webhook| webhook.endpoint == target))
            .cloned())
    }
}

impl Store {
    /// Forgets the active webhooks this process knows: another replica may have changed them.
    pub fn forget_webhooks(&self) {
        self.webhooks.forget();
    }

    /// Every webhook, by name.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY name"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(webhook_from_row).collect()
    }

    pub async fn webhook(&self, id: i64) -> Result<Webhook, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("webhook {id}")))?;
        webhook_from_row(&row)
    }

    /// Creates a webhook (name and endpoint required) with a new signing secret.
    pub async fn create_webhook(&self, draft: WebhookDraft) -> Result<CreatedWebhook, StoreError> {
        let draft = draft.validate()?;
        let mut problems = Problems::default();
        if draft.name.is_none() {
            problems.add("name", "is required");
        }
        if draft.endpoint.is_none() {
            problems.add("endpoint", "is required: the URL deliveries are sent to");
        }
        problems.into_result(())?;
        let name = draft.name.unwrap_or_default();
        let secret = new_secret(WEBHOOK_SECRET_PREFIX)?;
        let headers =
            serde_json::to_string(&draft.headers.unwrap_or_default()).expect("headers serialize");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO webhooks (name, endpoint, secret, active, headers, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(&name)
        .bind(draft.endpoint.unwrap_or_default())
        .bind(&secret)
        .bind(i64::from(draft.active.unwrap_or(true)))
        .bind(headers)
        .bind(now_millis())
        .fetch_one(&self.pool)
        .await
        .map_err(name_conflict(&name))?;
        self.webhooks.forget();
        Ok(CreatedWebhook {
            webhook: self.webhook(id).await?,
            signing_secret: secret,
        })
    }

    /// Changes what is given of a webhook (headers are replaced whole).
    pub async fn update_webhook(
        &self,
        id: i64,
        draft: WebhookDraft,
    ) -> Result<Webhook, StoreError> {
        let draft = draft.validate()?;
        let current = self.webhook(id).await?;
        let name = draft.name.unwrap_or(current.name);
        let headers = serde_json::to_string(&draft.headers.unwrap_or(current.headers))
            .expect("headers serialize");
        sqlx::query(
            "UPDATE webhooks SET name = $1, endpoint = $2, active = $3, headers = $4, \
             updated_at = $5 WHERE id = $6",
        )
        .bind(&name)
        .bind(draft.endpoint.unwrap_or(current.endpoint))
        .bind(i64::from(draft.active.unwrap_or(current.active)))
        .bind(headers)
        .bind(now_millis())
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(name_conflict(&name))?;
        self.webhooks.forget();
        self.webhook(id).await
    }

    /// Deletes a webhook and its deliveries (sent or not).
    pub async fn delete_webhook(&self, id: i64) -> Result<(), StoreError> {
        let mut turn = self.write_turn().await?;
        sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1")
            .bind(id)
            .execute(&mut *turn)
            .await?;
        let deleted = sqlx::query("DELETE FROM webhooks WHERE id = $1")
            .bind(id)
            .execute(&mut *turn)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::not_found(format!("webhook {id}")));
        }
        turn.commit().await?;
        self.webhooks.forget();
        Ok(())
    }

    /// A webhook's newest deliveries, newest first.
    pub async fn deliveries(&self, webhook_id: i64) -> Result<Vec<Delivery>, StoreError> {
        self.webhook(webhook_id).await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 \
             ORDER BY id DESC LIMIT {DELIVERIES_LISTED}"
        )))
        .bind(webhook_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery_from_row).collect()
    }

    pub async fn delivery(&self, id: i64) -> Result<Delivery, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("delivery {id}")))?;
        delivery_from_row(&row)
    }

    /// Queues a delivery again, due now (a dead one, or a queued one sooner); tries are kept.
    pub async fn retry_delivery(&self, id: i64) -> Result<Delivery, StoreError> {
        let delivery = self.delivery(id).await?;
        self.requeue(Outbox::Webhooks, id, delivery.status).await?;
        self.delivery(id).await
    }

    /// Claims up to `limit` due deliveries for `lease` (see the module documentation).
    pub async fn claim_deliveries(
        &self,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let now = now_millis();
        let skip_locked = match self.backend {
            Backend::Postgres => " FOR UPDATE OF d SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let mut turn = self.write_turn().await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT d.id, d.webhook_id, d.body, d.tries, d.created_at, w.endpoint, w.secret, \
             w.headers FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             WHERE d.status = 'queued' AND d.next_attempt_at <= $1 \
             AND (d.lease_until IS NULL OR d.lease_until < $1) \
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.ticket_id = d.ticket_id \
                             AND e.id < d.id AND e.status = 'queued') \
             ORDER BY d.id LIMIT $2{skip_locked}"
        )))
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *turn)
        .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in &rows {
            let headers: String = row.try_get("headers")?;
            claimed.push(ClaimedDelivery {
                id: row.try_get("id")?,
                webhook_id: row.try_get("webhook_id")?,
                endpoint: row.try_get("endpoint")?,
                secret: row.try_get("secret")?,
                headers: serde_json::from_str(&headers).unwrap_or_default(),
                body: row.try_get("body")?,
                tries: row.try_get("tries")?,
                created_at: Timestamp(row.try_get("created_at")?),
            });
        }
        let ids: Vec<i64> = claimed.iter().map(|delivery| delivery.id).collect();
        set_leases(
            &mut turn,
            Outbox::Webhooks,
            &ids,
            now + lease.as_millis() as i64,
        )
        .await?;
        turn.commit().await?;
        Ok(claimed)
    }
}
