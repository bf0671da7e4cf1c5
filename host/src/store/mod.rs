//! Persistence with sqlx: one set of portable queries (`$1` placeholders, `ON CONFLICT`,
//! `RETURNING`) for SQLite, the embedded default, and PostgreSQL, chosen by the database URL.

mod audits;
mod changes;
mod customer_types;
mod export;
mod fields;
mod groups;
mod identity;
mod intake;
mod jobs;
mod notifications;
mod organizations;
mod outbox;
mod panels;
mod plugins;
mod portal;
mod queues;
mod rows;
mod rule_runs;
mod settings;
mod tickets;
mod tokens;
mod tx;
mod users;
mod webhooks;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, AssertSqlSafe, Executor};

pub use changes::PluginChanges;
pub use export::{ExportPage, ExportPosition};
pub use intake::{Attachment, NewAttachment};
pub use jobs::PendingJob;
pub use notifications::{ClaimedNotification, QueuedNotification};
pub use outbox::{Attempt, AttemptNext, Outbox};
pub use portal::PORTAL_SECRET_PREFIX;
pub use rule_runs::RuleRunFilter;
pub use settings::Setting;
pub use tickets::{NewTicket, TicketFilter, TicketWrite};
pub use tx::Tx;
pub use users::UserSearch;
pub use webhooks::ClaimedDelivery;

use crate::domain::Problems;

/// How [`Store::connect_with`] opens a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// The server's way: a missing SQLite file is created, pending migrations applied.
    CreateAndMigrate,
    /// A look without touching: it must exist at this build's schema; nothing is written.
    ReadOnly,
}

/// The file path in a `sqlite://PATH?…` (or `sqlite:PATH`) URL.
fn sqlite_path(url: &str) -> &str {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    path.split('?').next().unwrap_or(path)
}

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    /// What is wrong with a write, by attribute; nothing was written.
    #[error("invalid input: {0}")]
    Rejected(Problems),
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{0} already exists")]
    Conflict(String),
    /// A safe update of a record that changed since the client read it.
    #[error("{0}")]
    Stale(String),
    /// The database to open read-only is missing, or not at this build's schema.
    #[error("{0}")]
    NoDatabase(String),
    #[error("migrating the database failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// The database. Cheap to clone (a pool inside).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Where it connected, for the PostgreSQL change feed's own connection.
    url: String,
    writers: tx::WriterQueue,
    /// The active webhooks, read once and kept until they change.
    webhooks: webhooks::WebhookDirectory,
}

impl Store {
    /// Connects to `url` (`sqlite://wasmdesk.db`, `sqlite::memory:`, `postgres://...`) and
    /// applies pending migrations. A SQLite file is created when missing.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Store::connect_with(url, None, Open::CreateAndMigrate).await
    }

    /// Opens an existing database without writing anything: a SQLite file must exist and is
    /// opened read-only, PostgreSQL sessions are read-only, and nothing is migrated (a database
    /// that is not at this build's schema is refused, saying how to migrate it). For tools that
    /// look at a server's data, like `wasmdesk plugin run --ticket`.
    pub async fn open_existing(url: &str) -> Result<Store, StoreError> {
        Store::connect_with(url, None, Open::ReadOnly).await
    }

    /// As [`Store::connect`], with every PostgreSQL session confined to `schema` (which is
    /// created): tests use one schema each so that they run in parallel.
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<Store, StoreError> {
        Store::connect_with(url, Some(schema), Open::CreateAndMigrate).await
    }

    async fn connect_with(
        url: &str,
        schema: Option<&str>,
        open: Open,
    ) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        let separator = if url.contains('?') { '&' } else { '?' };
        let url = match (backend, open) {
            (Backend::Sqlite, Open::ReadOnly) => {
                let path = sqlite_path(url);
                if url.contains(":memory:") || !std::path::Path::new(path).is_file() {
                    return Err(StoreError::NoDatabase(format!(
                        "there is no database at {path} ({url}): give the server's database \
                         with --database URL or WASMDESK_DATABASE_URL"
                    )));
                }
                format!("{url}{separator}mode=ro")
            }
            // Create the file on first start.
            (Backend::Sqlite, Open::CreateAndMigrate)
                if !url.contains("mode=") && !url.contains(":memory:") =>
            {
                format!("{url}{separator}mode=rwc")
            }
            _ => url.to_string(),
        };
        if let Some(schema) = schema
            && (schema.is_empty()
                || !schema
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
        {
            return Err(StoreError::Invalid(format!(
                "schema {schema:?} must be lowercase letters, digits and _"
            )));
        }
        let options = AnyConnectOptions::from_str(&url)?;
        if let (Backend::Postgres, Some(schema)) = (backend, schema) {
            let admin = AnyPoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await?;
            // The name was checked above to be a plain identifier.
            admin
                .execute(AssertSqlSafe(format!(
                    "CREATE SCHEMA IF NOT EXISTS \"{schema}\""
                )))
                .await?;
            admin.close().await;
        }
        let search_path = schema.map(|schema| format!("SET search_path TO \"{schema}\""));
        let pool = AnyPoolOptions::new()
            .max_connections(if url.contains(":memory:") { 1 } else { 16 })
            // A SQLite connection is a file handle that cannot go stale, so checking it before
            // each use would only double every query's round trip to sqlx's worker thread.
            // PostgreSQL connections can (a server restart), so they are checked.
            .test_before_acquire(backend == Backend::Postgres)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |connection, _| {
                let search_path = search_path.clone();
                Box::pin(async move {
                    match backend {
                        // WAL lets readers run beside the writer; the busy timeout makes
                        // concurrent writers wait instead of failing; SQLite leaves foreign
                        // keys off unless asked.
                        // A 32 MiB page cache per connection keeps the indexes of a desk with
                        // 100,000s of customers in memory (the default is 2 MiB).
                        Backend::Sqlite if open == Open::ReadOnly => {
                            connection
                                .execute("PRAGMA busy_timeout = 10000; PRAGMA cache_size = -32768;")
                                .await?;
                        }
                        Backend::Sqlite => {
                            connection
                                .execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY;")
                                .await?;
                        }
                        Backend::Postgres => {
                            if let Some(search_path) = search_path {
                                connection.execute(AssertSqlSafe(search_path)).await?;
                            }
                            if open == Open::ReadOnly {
                                connection
                                    .execute("SET default_transaction_read_only = on")
                                    .await?;
                            }
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        match open {
            Open::CreateAndMigrate => migrator.run(&pool).await?,
            Open::ReadOnly => {
                let newest = migrator.iter().map(|m| m.version).max().unwrap_or_default();
                let applied: Option<i64> =
                    sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                        .fetch_one(&pool)
                        .await
                        .unwrap_or(None);
                if applied != Some(newest) {
                    return Err(StoreError::NoDatabase(format!(
                        "{url} is not a wasmdesk database of this version (schema {}, this \
                         build needs {newest}); start `wasmdesk serve --database {url}` once \
                         to create or migrate it",
                        applied.map_or("none".to_string(), |v| v.to_string())
                    )));
                }
            }
        }
        Ok(Store {
            pool,
            backend,
            url,
            writers: tx::WriterQueue::new(),
            webhooks: webhooks::WebhookDirectory::default(),
        })
    }

    /// A pooled connection, for reads shared with [`Tx`] (functions taking `&mut AnyConnection`).
    async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection (at shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

impl From<Problems> for StoreError {
    fn from(problems: Problems) -> Self {
        StoreError::Rejected(problems)
    }
}

impl StoreError {
    /// Whether the database failed in a way that a retry may not meet: it could not be
    /// reached, was busy or shutting down, or gave up on the transaction. Integrity violations,
    /// corrupt stored data and bad SQL are faults of ours and are not transient.
    pub fn is_transient(&self) -> bool {
        let StoreError::Database(error) = self else {
            return false;
        };
        match error {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(database) => {
                let code = database.code().unwrap_or_default();
                if database
                    .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                    .is_some()
                {
                    // Primary result codes: BUSY, LOCKED, NOMEM, IOERR, FULL, CANTOPEN.
                    let primary = code.parse::<u32>().unwrap_or_default() & 0xff;
                    matches!(primary, 5 | 6 | 7 | 10 | 13 | 14)
                } else {
                    // SQLSTATE classes: connection exception, transaction rollback
                    // (serialization failure, deadlock), insufficient resources, operator
                    // intervention (shutdown, cancel), system error; and lock not available.
                    ["08", "40", "53", "57", "58"]
                        .iter()
                        .any(|class| code.starts_with(class))
                        || code == "55P03"
                }
            }
            _ => false,
        }
    }

    pub fn not_found(what: impl Into<String>) -> StoreError {
        StoreError::NotFound { what: what.into() }
    }

    /// A single-attribute rejection.
    pub fn rejected(key: &str, reason: impl Into<String>) -> StoreError {
        let mut problems = Problems::default();
        problems.add(key, reason);
        StoreError::Rejected(problems)
    }
}

/// For a unique-key violation, the first of `names` (`(needle, what collides)`) whose needle
/// appears in the database's message or constraint name; other errors pass through. SQLite says
/// "UNIQUE constraint failed: users.email", PostgreSQL names the constraint (`users_email_key`).
fn conflict_or(error: sqlx::Error, names: &[(&str, &str)]) -> StoreError {
    if let sqlx::Error::Database(database) = &error
        && database.is_unique_violation()
    {
        let text = format!(
            "{} {}",
            database.message(),
            database.constraint().unwrap_or_default()
        );
        let what = names
            .iter()
            .find(|(needle, _)| text.contains(needle))
            .map(|(_, what)| what.to_string())
            .unwrap_or_else(|| database.message().to_string());
        return StoreError::Conflict(what);
    }
    StoreError::Database(error)
}

/// Which page of a listing: items with an id above `after`, at most `size` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub after: Option<i64>,
    pub size: i64,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            after: None,
            size: 100,
        }
    }
}

/// One page of a listing, in id order.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// The `after` of the next page, when there is one.
    pub next_after: Option<i64>,
    /// How many items the whole listing has.
    pub count: i64,
}

impl<T> Listing<T> {
    /// Builds a page from up to `page.size + 1` items fetched in id order.
    fn from_overfetch(
        mut items: Vec<T>,
        page: Page,
        count: i64,
        id: impl Fn(&T) -> i64,
    ) -> Listing<T> {
        let more = items.len() as i64 > page.size;
        items.truncate(page.size.max(0) as usize);
        let next_after = if more { items.last().map(id) } else { None };
        Listing {
            items,
            next_after,
            count,
        }
    }
}

/// The `WHERE` conditions of a filtered listing, with their bound values: each filter given
/// adds one (`add("status =", …)`).
#[derive(Debug, Default)]
struct Conditions {
    sql: Vec<String>,
    binds: Vec<rows::Bind>,
}

impl Conditions {
    /// `condition` is our own SQL ending in a comparison; the value is bound after it.
    fn add(&mut self, condition: &str, bind: rows::Bind) {
        self.binds.push(bind);
        self.sql.push(format!("{condition} ${}", self.binds.len()));
    }
}

impl Store {
    /// One page of `table`'s rows matching every condition, in id order, and how many match.
    async fn filtered_page<T>(
        &self,
        table: &str,
        columns: &str,
        mut conditions: Conditions,
        page: Page,
        from_row: fn(&sqlx::any::AnyRow) -> Result<T, StoreError>,
        id: impl Fn(&T) -> i64,
    ) -> Result<Listing<T>, StoreError> {
        let everything = if conditions.sql.is_empty() {
            "1 = 1".to_string()
        } else {
            conditions.sql.join(" AND ")
        };
        let count = self.count(table, &everything, &conditions.binds).await?;
        conditions.add("id >", rows::Bind::Int(page.after.unwrap_or(0)));
        conditions.binds.push(rows::Bind::Int(page.size + 1));
        let sql = format!(
            "SELECT {columns} FROM {table} WHERE {} ORDER BY id LIMIT ${}",
            conditions.sql.join(" AND "),
            conditions.binds.len()
        );
        let rows = rows::bind_all(sqlx::query(AssertSqlSafe(sql)), &conditions.binds)
            .fetch_all(&self.pool)
            .await?;
        let items = rows.iter().map(from_row).collect::<Result<_, _>>()?;
        Ok(Listing::from_overfetch(items, page, count, id))
    }

    /// `SELECT COUNT(*) FROM {from} WHERE {condition}`; both are our own SQL, values bound.
    async fn count(
        &self,
        from: &str,
        condition: &str,
        binds: &[rows::Bind],
    ) -> Result<i64, StoreError> {
        let sql = format!("SELECT COUNT(*) FROM {from} WHERE {condition}");
        Ok(rows::bind_all(sqlx::query(AssertSqlSafe(sql)), binds)
            .fetch_one(&self.pool)
            .await
            .and_then(|row| sqlx::Row::try_get::<i64, _>(&row, 0))?)
    }
}

/// Milliseconds since the Unix epoch: timestamps are stored as integers on both backends.
fn now_millis() -> i64 {
    crate::domain::Timestamp::now().0
}
