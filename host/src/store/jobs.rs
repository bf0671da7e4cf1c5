//! Background jobs: a bulk request's items as sent, and one result row per item, committed in
//! the item's own write transaction (see migration 0011).

use std::collections::HashMap;

use serde_json::Value;
use sqlx::{AssertSqlSafe, Row};

use super::rows::{Bind, bind_all, parse_column, placeholders};
use super::{Store, StoreError, Tx, conflict_or, now_millis};
use crate::domain::Timestamp;
use crate::domain::job::{Job, JobAuthor, JobKind, JobResult, JobState};

/// A job as the worker runs it: what to do with which items, and how far it got.
#[derive(Debug, Clone)]
pub struct PendingJob {
    pub id: String,
    pub kind: JobKind,
    pub items: Vec<Value>,
    pub author: JobAuthor,
    /// Items with a result: the worker goes on from here.
    pub done: usize,
}

const JOB_COLUMNS: &str = "j.id, j.kind, j.total, j.status, j.message, j.created_at, j.updated_at";

/// A new opaque job id: 128 random bits in hex.
fn new_job_id() -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Invalid(format!("no randomness for a job id: {e}")))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

fn corrupt(what: &str) -> impl Fn(serde_json::Error) -> StoreError + '_ {
    move |e| StoreError::Invalid(format!("a stored job's {what}: {e}"))
}

fn job_from_row(row: &sqlx::any::AnyRow) -> Result<Job, StoreError> {
    let kind: String = row.try_get("kind")?;
    let status: String = row.try_get("status")?;
    Ok(Job {
        id: row.try_get("id")?,
        kind: parse_column(&kind)?,
        status: parse_column(&status)?,
        total: row.try_get("total")?,
        progress: 0,
        message: row.try_get("message")?,
        results: None,
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

impl Store {
    /// Queues a job over `items` (already checked to have the right shape).
    pub async fn enqueue_job(
        &self,
        kind: JobKind,
        items: &[Value],
        author: &JobAuthor,
    ) -> Result<Job, StoreError> {
        let id = new_job_id()?;
        let now = now_millis();
        let items_column =
            serde_json::to_string(items).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let author_column =
            serde_json::to_string(author).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut turn = self.write_turn().await?;
        sqlx::query(
            "INSERT INTO jobs (id, kind, items, total, author, status, message, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $7)",
        )
        .bind(&id)
        .bind(kind.name())
        .bind(items_column)
        .bind(items.len() as i64)
        .bind(author_column)
        .bind(JobState::Queued.name())
        .bind(now)
        .execute(&mut *turn)
        .await?;
        turn.commit().await?;
        self.job(&id).await
    }

    /// A job with its results so far.
    pub async fn job(&self, id: &str) -> Result<Job, StoreError> {
        self.jobs_where("j.id = $1", &[Bind::Text(id.to_string())])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::not_found(format!("job status {id}")))
    }

    /// The jobs with these ids, newest first; unknown ids are left out.
    pub async fn jobs_by_ids(&self, ids: &[String]) -> Result<Vec<Job>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let binds: Vec<Bind> = ids.iter().cloned().map(Bind::Text).collect();
        let condition = format!("j.id IN ({})", placeholders(1, binds.len()));
        self.jobs_where(&condition, &binds).await
    }

    /// The `limit` newest jobs, newest first.
    pub async fn recent_jobs(&self, limit: i64) -> Result<Vec<Job>, StoreError> {
        let sql =
            format!("SELECT {JOB_COLUMNS} FROM jobs j ORDER BY j.created_at DESC, j.id LIMIT $1");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(limit)
            .fetch_all(&mut *self.conn().await?)
            .await?;
        self.with_results(rows.iter().map(job_from_row).collect::<Result<_, _>>()?)
            .await
    }

    async fn jobs_where(&self, condition: &str, binds: &[Bind]) -> Result<Vec<Job>, StoreError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs j WHERE {condition} ORDER BY j.created_at DESC, j.id"
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), binds)
            .fetch_all(&mut *self.conn().await?)
            .await?;
        self.with_results(rows.iter().map(job_from_row).collect::<Result<_, _>>()?)
            .await
    }

    /// Fills in each job's results (in item order) and progress.
    async fn with_results(&self, mut jobs: Vec<Job>) -> Result<Vec<Job>, StoreError> {
        if jobs.is_empty() {
            return Ok(jobs);
        }
        let binds: Vec<Bind> = jobs.iter().map(|job| Bind::Text(job.id.clone())).collect();
        let sql = format!(
            "SELECT job_id, result FROM job_results WHERE job_id IN ({}) ORDER BY job_id, position",
            placeholders(1, binds.len())
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&mut *self.conn().await?)
            .await?;
        let mut results: HashMap<String, Vec<JobResult>> = HashMap::new();
        for row in rows {
            let text: String = row.try_get("result")?;
            let result: JobResult = serde_json::from_str(&text).map_err(corrupt("result"))?;
            results
                .entry(row.try_get("job_id")?)
                .or_default()
                .push(result);
        }
        for job in &mut jobs {
            if let Some(done) = results.remove(&job.id) {
                job.progress = done.len() as i64;
                job.results = Some(done);
            }
        }
        Ok(jobs)
    }

    /// The oldest job not yet done, with its items and how far it got.
    pub async fn next_pending_job(&self) -> Result<Option<PendingJob>, StoreError> {
        let row = sqlx::query(
            "SELECT j.id, j.kind, j.items, j.author, \
             (SELECT COUNT(*) FROM job_results r WHERE r.job_id = j.id) AS done \
             FROM jobs j WHERE j.status IN ('queued', 'working') \
             ORDER BY j.created_at, j.id LIMIT 1",
        )
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let kind: String = row.try_get("kind")?;
        let items: String = row.try_get("items")?;
        let author: String = row.try_get("author")?;
        let done: i64 = row.try_get("done")?;
        Ok(Some(PendingJob {
            id: row.try_get("id")?,
            kind: parse_column(&kind)?,
            items: serde_json::from_str(&items).map_err(corrupt("items"))?,
            author: serde_json::from_str(&author).map_err(corrupt("author"))?,
            done: done as usize,
        }))
    }

    /// Marks a job done, with its summary.
    pub async fn finish_job(
        &self,
        id: &str,
        state: JobState,
        message: &str,
    ) -> Result<(), StoreError> {
        let mut turn = self.write_turn().await?;
        sqlx::query("UPDATE jobs SET status = $1, message = $2, updated_at = $3 WHERE id = $4")
            .bind(state.name())
            .bind(message)
            .bind(now_millis())
            .bind(id)
            .execute(&mut *turn)
            .await?;
        turn.commit().await
    }

    /// Deletes jobs finished before `before` (milliseconds since the epoch); returns how many.
    pub async fn prune_jobs(&self, before: i64) -> Result<u64, StoreError> {
        let mut turn = self.write_turn().await?;
        let deleted = sqlx::query(
            "DELETE FROM jobs WHERE status IN ('completed', 'failed') AND updated_at < $1",
        )
        .bind(before)
        .execute(&mut *turn)
        .await?;
        turn.commit().await?;
        Ok(deleted.rows_affected())
    }
}

impl Tx {
    /// Records an item's result in this transaction, so that it commits with the item's
    /// write. An item that has a result already (another worker did it) is a conflict, and
    /// the caller rolls back.
    pub async fn record_job_result(
        &mut self,
        job_id: &str,
        result: &JobResult,
    ) -> Result<(), StoreError> {
        let text = serde_json::to_string(result).map_err(|e| StoreError::Invalid(e.to_string()))?;
        sqlx::query("INSERT INTO job_results (job_id, position, result) VALUES ($1, $2, $3)")
            .bind(job_id)
            .bind(result.index as i64)
            .bind(text)
            .execute(&mut *self.turn)
            .await
            .map_err(|error| conflict_or(error, &[("job_results", "this item's result")]))?;
        sqlx::query("UPDATE jobs SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(JobState::Working.name())
            .bind(now_millis())
            .bind(job_id)
            .execute(&mut *self.turn)
            .await?;
        Ok(())
    }
}
