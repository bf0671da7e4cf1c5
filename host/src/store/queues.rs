//! Call queues.

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{Store, StoreError, Tx, conflict_or, now_millis};
use crate::domain::queue::{Queue, QueueDraft};
use crate::domain::{Problems, Timestamp};

const QUEUE_COLUMNS: &str =
    "id, name, sip_uri, description, active, is_default, created_at, updated_at";

fn queue_from_row(row: &sqlx::any::AnyRow) -> Result<Queue, StoreError> {
    Ok(Queue {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        sip_uri: row.try_get("sip_uri")?,
        description: row.try_get("description")?,
        active: row.try_get::<i64, _>("active")? != 0,
        default: row.try_get::<i64, _>("is_default")? != 0,
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

fn name_conflict(name: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |error| conflict_or(error, &[("name", &format!("a queue named {name:?}"))])
}

async fn queue_where(
    conn: &mut AnyConnection,
    condition: &str,
    value: impl for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send,
) -> Result<Option<Queue>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {QUEUE_COLUMNS} FROM queues WHERE {condition}"
    )))
    .bind(value)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(queue_from_row).transpose()
}

/// Makes `id` the only default queue.
async fn make_default(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE queues SET is_default = 0 WHERE is_default = 1 AND id <> $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE queues SET is_default = 1 WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

impl Tx {
    /// The queue with this name (as `set-queue` names it), if any.
    pub async fn queue_by_name(&mut self, name: &str) -> Result<Option<Queue>, StoreError> {
        queue_where(&mut self.turn, "name = $1", name.trim().to_string()).await
    }

    /// The queue for calls no trigger routed, if one is set.
    pub async fn default_queue(&mut self) -> Result<Option<Queue>, StoreError> {
        queue_where(&mut self.turn, "is_default = $1", 1_i64).await
    }
}

impl Store {
    /// Every queue, by name.
    pub async fn queues(&self) -> Result<Vec<Queue>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {QUEUE_COLUMNS} FROM queues ORDER BY name"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(queue_from_row).collect()
    }

    pub async fn queue(&self, id: i64) -> Result<Queue, StoreError> {
        queue_where(&mut *self.conn().await?, "id = $1", id)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("queue {id}")))
    }

    /// Creates a queue: a name and a SIP URI are required; active unless said otherwise.
    pub async fn create_queue(&self, draft: QueueDraft) -> Result<Queue, StoreError> {
        let draft = draft.validate()?;
        let mut problems = Problems::default();
        if draft.name.is_none() {
            problems.add("name", "is required");
        }
        if draft.sip_uri.is_none() {
            problems.add(
                "sip_uri",
                "is required: where calls routed here are forwarded",
            );
        }
        problems.into_result(())?;
        let name = draft.name.unwrap_or_default();
        let mut turn = self.write_turn().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO queues (name, sip_uri, description, active, is_default, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 0, $5, $5) RETURNING id",
        )
        .bind(&name)
        .bind(draft.sip_uri.unwrap_or_default())
        .bind(draft.description.unwrap_or_default())
        .bind(i64::from(draft.active.unwrap_or(true)))
        .bind(now_millis())
        .fetch_one(&mut *turn)
        .await
        .map_err(name_conflict(&name))?;
        if draft.default == Some(true) {
            make_default(&mut turn, id).await?;
        }
        turn.commit().await?;
        self.queue(id).await
    }

    /// Changes what is given of a queue; `default: true` takes the default from another queue.
    pub async fn update_queue(&self, id: i64, draft: QueueDraft) -> Result<Queue, StoreError> {
        let draft = draft.validate()?;
        let current = self.queue(id).await?;
        let name = draft.name.unwrap_or(current.name);
        let mut turn = self.write_turn().await?;
        sqlx::query(
            "UPDATE queues SET name = $1, sip_uri = $2, description = $3, active = $4, \
             is_default = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(&name)
        .bind(draft.sip_uri.unwrap_or(current.sip_uri))
        .bind(draft.description.unwrap_or(current.description))
        .bind(i64::from(draft.active.unwrap_or(current.active)))
        // `default: true` is set below, once the other queues have given it up.
        .bind(i64::from(current.default && draft.default != Some(false)))
        .bind(now_millis())
        .bind(id)
        .execute(&mut *turn)
        .await
        .map_err(name_conflict(&name))?;
        if draft.default == Some(true) {
            make_default(&mut turn, id).await?;
        }
        turn.commit().await?;
        self.queue(id).await
    }

    /// Deletes a queue; tickets keep the name they were routed to.
    pub async fn delete_queue(&self, id: i64) -> Result<(), StoreError> {
        let deleted = sqlx::query("DELETE FROM queues WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::not_found(format!("queue {id}")));
        }
        Ok(())
    }
}
