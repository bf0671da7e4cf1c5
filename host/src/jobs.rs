//! Bulk jobs (`create_many` and its family): the API queues a job and answers at once; one
//! worker per process writes the items one by one, each exactly as its single-item request
//! would (tickets through the trigger cycle), and records each item's result in the item's own
//! transaction. So a job survives a restart (the worker resumes at the first item without a
//! result), an item is never written twice, and a failing item fails alone.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Notify;

use crate::domain::job::{self, Job, JobAuthor, JobKind, JobResult, JobState};
use crate::domain::{Actor, OrganizationDraft, TicketDraft, Timestamp, UserDraft};
use crate::rules::Rules;
use crate::store::{PendingJob, Store, StoreError, Tx};

/// How often the worker looks for jobs nobody woke it for (queued by another replica, or left
/// unfinished by a stopped process).
const POLL_EVERY: Duration = Duration::from_secs(2);
/// How long the worker waits after the database failed before it tries again.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);
/// Finished jobs are kept this long for clients to read, then deleted.
const KEEP_FINISHED: Duration = Duration::from_secs(7 * 24 * 3600);

/// The queue the API submits to, and its worker. Cheap to clone.
#[derive(Clone)]
pub struct Jobs {
    store: Store,
    wake: Arc<Notify>,
}

impl Jobs {
    /// Starts this process's worker on the current tokio runtime. It first resumes what an
    /// earlier process left unfinished.
    pub fn start(store: Store, rules: Rules) -> Jobs {
        let wake = Arc::new(Notify::new());
        let worker = Worker {
            store: store.clone(),
            rules,
            wake: wake.clone(),
        };
        tokio::spawn(worker.work());
        Jobs { store, wake }
    }

    /// Queues a job over `items`, each already checked with [`check_item`].
    pub async fn enqueue(
        &self,
        kind: JobKind,
        items: &[Value],
        author: &JobAuthor,
    ) -> Result<Job, StoreError> {
        let job = self.store.enqueue_job(kind, items, author).await?;
        self.wake.notify_one();
        Ok(job)
    }
}

/// Checks that an item has the shape its kind needs, so that a malformed item is refused with
/// the request instead of failing later in the job. Values are checked when the item runs.
pub fn check_item(kind: JobKind, item: &Value) -> Result<(), String> {
    match kind {
        JobKind::CreateUsers | JobKind::CreateOrUpdateUsers => parse::<UserDraft>(item).map(drop),
        JobKind::UpdateUsers => parse_user_update(item).map(drop),
        JobKind::CreateOrganizations => parse::<OrganizationDraft>(item).map(drop),
        JobKind::CreateTickets => parse::<TicketDraft>(item).map(drop),
    }
}

fn parse<T: DeserializeOwned>(item: &Value) -> Result<T, String> {
    serde_json::from_value(item.clone()).map_err(|error| error.to_string())
}

/// An `update_many` item: the user's `id` with the attributes to change.
fn parse_user_update(item: &Value) -> Result<(i64, UserDraft), String> {
    let id = item
        .get("id")
        .and_then(Value::as_i64)
        .ok_or("each user to update needs its id: {\"id\": 42, \"name\": \"…\"}")?;
    Ok((id, parse(item)?))
}

struct Worker {
    store: Store,
    rules: Rules,
    wake: Arc<Notify>,
}

/// How a job run ended.
enum Run {
    /// Every item has a result.
    Finished,
    /// Another worker recorded an item first: leave the job to it.
    TakenOver,
}

impl Worker {
    async fn work(self) {
        let mut pruned_at: Option<tokio::time::Instant> = None;
        loop {
            if let Err(error) = self.run_pending().await {
                tracing::error!(%error, "bulk jobs: the database failed; trying again");
                tokio::time::sleep(RETRY_AFTER_FAILURE).await;
                continue;
            }
            if pruned_at.is_none_or(|at| at.elapsed() > POLL_EVERY * 1800) {
                pruned_at = Some(tokio::time::Instant::now());
                let before = Timestamp::now().0 - KEEP_FINISHED.as_millis() as i64;
                if let Err(error) = self.store.prune_jobs(before).await {
                    tracing::warn!(%error, "bulk jobs: deleting old finished jobs failed");
                }
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(POLL_EVERY) => {}
            }
        }
    }

    /// Runs jobs, oldest first, until none is left (or another worker has the next one).
    async fn run_pending(&self) -> Result<(), StoreError> {
        while let Some(job) = self.store.next_pending_job().await? {
            let id = job.id.clone();
            match self.run(job).await? {
                Run::Finished => {
                    let job = self.store.job(&id).await?;
                    let results = job.results.unwrap_or_default();
                    let message = job::summary(&results, Timestamp::now());
                    self.store
                        .finish_job(&id, JobState::Completed, &message)
                        .await?;
                    tracing::info!(job = %id, kind = %job.kind, %message, "bulk job done");
                }
                Run::TakenOver => return Ok(()),
            }
        }
        Ok(())
    }

    /// Writes the items without a result, each in its own transaction with its result.
    async fn run(&self, job: PendingJob) -> Result<Run, StoreError> {
        for (index, item) in job.items.iter().enumerate().skip(job.done) {
            let mut tx = self.store.begin_write().await?;
            let result = match self.run_item(&mut tx, &job, index, item).await {
                Ok(result) => result,
                Err(error) => {
                    // Nothing of the item is kept; its failure is recorded on its own.
                    drop(tx);
                    tx = self.store.begin_write().await?;
                    failure(job.kind, index, error)?
                }
            };
            match tx.record_job_result(&job.id, &result).await {
                Ok(()) => tx.commit().await?,
                Err(StoreError::Conflict(_)) => return Ok(Run::TakenOver),
                Err(other) => return Err(other),
            }
        }
        Ok(Run::Finished)
    }

    async fn run_item(
        &self,
        tx: &mut Tx,
        job: &PendingJob,
        index: usize,
        item: &Value,
    ) -> Result<JobResult, StoreError> {
        let invalid = |reason: String| StoreError::rejected(&format!("item {index}"), reason);
        let store = &self.store;
        let (user, created) = match job.kind {
            JobKind::CreateUsers => {
                let draft = parse::<UserDraft>(item).map_err(invalid)?;
                (store.create_user_in(tx, draft).await?, true)
            }
            JobKind::CreateOrUpdateUsers => {
                let draft = parse::<UserDraft>(item).map_err(invalid)?;
                store.create_or_update_user_in(tx, draft).await?
            }
            JobKind::UpdateUsers => {
                let (id, draft) = parse_user_update(item).map_err(invalid)?;
                (store.update_user_in(tx, id, draft).await?, false)
            }
            JobKind::CreateOrganizations => {
                let draft = parse::<OrganizationDraft>(item).map_err(invalid)?;
                let organization = store.create_organization_in(tx, draft).await?;
                return Ok(JobResult::written(index, true, organization.id));
            }
            JobKind::CreateTickets => {
                let mut draft = parse::<TicketDraft>(item).map_err(invalid)?;
                let author = draft.comment.as_ref().and_then(|comment| comment.author_id);
                if draft.submitter_id.is_none() && author.is_none() {
                    draft.submitter_id = job.author.owner_id;
                }
                let actor = Actor::Integration(job.author.token_name.clone());
                let (ticket, _) = self.rules.create_ticket_in(tx, draft, actor).await?;
                return Ok(JobResult::written(index, true, ticket.id));
            }
        };
        Ok(JobResult {
            email: user.email,
            external_id: user.external_id,
            ..JobResult::written(index, created, user.id)
        })
    }
}

/// The result of an item the store refused. A database that failed is not the item's fault:
/// that stays an error, and the job is tried again from this item.
fn failure(kind: JobKind, index: usize, error: StoreError) -> Result<JobResult, StoreError> {
    let (name, details) = match error {
        StoreError::Rejected(problems) => ("RecordInvalid", problems.to_string()),
        StoreError::Invalid(reason) => ("RecordInvalid", reason),
        StoreError::NotFound { what } => ("RecordNotFound", format!("{what} not found")),
        StoreError::Conflict(what) => ("conflict", format!("{what} already exists")),
        StoreError::Stale(reason) => ("update_conflict", reason),
        other if other.is_transient() => return Err(other),
        other => {
            tracing::error!(error = %other, kind = %kind, index, "bulk job item failed");
            (
                "internal",
                "the server could not write this item; see its log".to_string(),
            )
        }
    };
    Ok(JobResult::failed(index, kind, name, details))
}
