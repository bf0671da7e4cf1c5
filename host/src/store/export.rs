//! Incremental exports (Zendesk's cursor-based `/incremental/{tickets,users}/cursor`): records
//! in the order they last changed, resumable from a position that survives new writes.

/// A place in an export: just after the record last changed at `updated_at` (ms) with `id`.
/// Records are ordered by (`updated_at`, `id`), so a record changed again later comes again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportPosition {
    pub updated_at: i64,
    pub id: i64,
}

impl ExportPosition {
    /// Before every record changed at or after `seconds` since the Unix epoch.
    pub fn from_start_time(seconds: i64) -> ExportPosition {
        ExportPosition {
            updated_at: seconds.saturating_mul(1000).saturating_sub(1),
            id: i64::MAX,
        }
    }

    /// The SQL condition "after this position" for `updated_at` and `id`, binding `$first` and
    /// `$first + 1`.
    pub(super) fn after_sql(first: usize) -> String {
        format!(
            "(updated_at > ${first} OR (updated_at = ${first} AND id > ${}))",
            first + 1
        )
    }
}

/// One batch of an export.
#[derive(Debug, Clone)]
pub struct ExportPage<T> {
    pub items: Vec<T>,
    /// Where the next batch starts: after the last item (or where this one started, if empty).
    pub next: ExportPosition,
    /// No more records after `next` now (later writes will add some).
    pub end_of_stream: bool,
}

impl<T> ExportPage<T> {
    /// A batch from up to `limit + 1` items fetched after `from`, in export order.
    pub(super) fn from_overfetch(
        mut items: Vec<T>,
        limit: i64,
        from: ExportPosition,
        position: impl Fn(&T) -> ExportPosition,
    ) -> ExportPage<T> {
        let end_of_stream = items.len() as i64 <= limit;
        items.truncate(limit.max(0) as usize);
        let next = items.last().map(position).unwrap_or(from);
        ExportPage {
            items,
            next,
            end_of_stream,
        }
    }
}
