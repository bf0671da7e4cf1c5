//! Small helpers shared by the store modules: dynamic bind lists, JSON columns.

use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

use super::StoreError;

/// A value for a placeholder in a query assembled at run time.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Bind {
    Int(i64),
    Text(String),
    Real(f64),
}

/// Binds `binds` in order.
pub(super) fn bind_all<'q>(
    mut query: Query<'q, Any, AnyArguments>,
    binds: &[Bind],
) -> Query<'q, Any, AnyArguments> {
    for bind in binds {
        query = match bind {
            Bind::Int(value) => query.bind(*value),
            Bind::Text(value) => query.bind(value.clone()),
            Bind::Real(value) => query.bind(*value),
        };
    }
    query
}

/// `$first, $first+1, …` for `count` placeholders.
pub(super) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Placeholders for a statement that has no others, as each database binds them fastest:
/// SQLite looks up every numbered placeholder by walking the statement's list of names (so
/// binding `$1 … $N` costs N²), while plain `?`s are bound by position.
pub(super) fn bulk_placeholders(backend: super::Backend, first: usize, count: usize) -> String {
    match backend {
        super::Backend::Sqlite => vec!["?"; count].join(", "),
        super::Backend::Postgres => placeholders(first, count),
    }
}

/// Tags are stored as a JSON list.
pub(super) fn tags_to_column(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

pub(super) fn tags_from_column(column: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(column).map_err(|e| StoreError::Invalid(format!("stored tags: {e}")))
}

/// Reads a stored enum name back (the database only holds names we wrote).
pub(super) fn parse_column<T: std::str::FromStr<Err = crate::domain::UnknownName>>(
    column: &str,
) -> Result<T, StoreError> {
    column
        .parse()
        .map_err(|e: crate::domain::UnknownName| StoreError::Invalid(format!("stored {e}")))
}
