//! Bulk requests run as background jobs (Zendesk's `create_many` family and `job_statuses`):
//! the request is accepted at once, each item is written on its own, and clients poll the job
//! for its progress and one result per item.

use serde::{Deserialize, Serialize};

use super::{Timestamp, named_enum};

/// Most items one bulk request may carry, as in Zendesk.
pub const MAX_JOB_ITEMS: usize = 100;

named_enum! {
    /// What a job does with each of its items.
    pub enum JobKind ("job kind") {
        CreateUsers => "users.create_many",
        CreateOrUpdateUsers => "users.create_or_update_many",
        UpdateUsers => "users.update_many",
        CreateOrganizations => "organizations.create_many",
        CreateTickets => "tickets.create_many",
    }
}

named_enum! {
    /// Where a job is: waiting, running, or done (every item has a result).
    pub enum JobState ("job status") {
        Queued => "queued", Working => "working", Completed => "completed", Failed => "failed",
    }
}

/// Who asked for a job: its items are written as that credential's own requests would be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobAuthor {
    /// The token's name (the actor of the tickets' trigger events).
    pub token_name: String,
    /// The token's owner (the tickets' default submitter).
    pub owner_id: Option<i64>,
}

/// A job as clients see it (Zendesk's `job_status`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Job {
    /// Opaque: Zendesk's job ids are strings.
    pub id: String,
    #[serde(skip)]
    pub kind: JobKind,
    pub status: JobState,
    /// Items in the job.
    pub total: i64,
    /// Items done (each has a result).
    pub progress: i64,
    /// A summary once the job is done, e.g. `Completed at 2026-11-29T10:00:00Z: 99 succeeded,
    /// 1 failed`.
    pub message: Option<String>,
    /// One result per item done, by the item's index; `null` until the first item is done.
    pub results: Option<Vec<JobResult>>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What became of one item (Zendesk's job result: `success`, and either the record's `id` and
/// `status` or an `error` with `details`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobResult {
    /// The item's position in the request, from 0.
    pub index: usize,
    pub success: bool,
    /// `create` or `update`.
    pub action: String,
    /// The record written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// `Created`, `Updated` or `Failed`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Why the item failed: the name the API gives the same error (`RecordInvalid`,
    /// `RecordNotFound`, `conflict`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What was wrong, for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

impl JobResult {
    /// An item written.
    pub fn written(index: usize, created: bool, id: i64) -> JobResult {
        JobResult {
            index,
            success: true,
            action: if created { "create" } else { "update" }.to_string(),
            id: Some(id),
            status: if created { "Created" } else { "Updated" }.to_string(),
            email: None,
            external_id: None,
            error: None,
            details: None,
        }
    }

    /// An item refused, with nothing of it written.
    pub fn failed(index: usize, kind: JobKind, error: &str, details: String) -> JobResult {
        let action = match kind {
            JobKind::UpdateUsers => "update",
            JobKind::CreateOrUpdateUsers => "create_or_update",
            _ => "create",
        };
        JobResult {
            index,
            success: false,
            action: action.to_string(),
            id: None,
            status: "Failed".to_string(),
            email: None,
            external_id: None,
            error: Some(error.to_string()),
            details: Some(details),
        }
    }
}

/// The summary of a finished job.
pub fn summary(results: &[JobResult], finished_at: Timestamp) -> String {
    let failed = results.iter().filter(|result| !result.success).count();
    format!(
        "Completed at {}: {} succeeded, {failed} failed",
        finished_at.rfc3339(),
        results.len() - failed
    )
}
