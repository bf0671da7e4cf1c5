//! Change notifications on PostgreSQL: the database sends `NOTIFY wasmdesk_changes` (payload:
//! the schema) when a change to the plugins or the webhooks commits (migration 0022), and a
//! replica listening here hears of changes made through the others at once. A SQLite database
//! has one server, which makes every change itself.

use sqlx::postgres::PgListener;

use super::{Backend, Store, StoreError};

/// The channel the database notifies on.
const CHANNEL: &str = "wasmdesk_changes";

/// Changes to this database's plugins and webhooks, as they commit.
pub struct PluginChanges {
    listener: PgListener,
    /// Notifications for other schemas of the same database (other desks) are not ours.
    schema: String,
}

impl PluginChanges {
    /// Waits for the next change to this desk's plugins or webhooks, made through any replica. An error
    /// means the connection dropped: changes made meanwhile were missed, and the next call
    /// connects again.
    pub async fn next(&mut self) -> Result<(), StoreError> {
        loop {
            let notification = self.listener.recv().await?;
            if notification.payload() == self.schema {
                return Ok(());
            }
        }
    }
}

impl Store {
    /// A feed of plugin and webhook changes, on PostgreSQL; `None` on SQLite.
    pub async fn plugin_changes(&self) -> Result<Option<PluginChanges>, StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
            .fetch_one(&self.pool)
            .await?;
        let mut listener = PgListener::connect(&self.url).await?;
        listener.listen(CHANNEL).await?;
        Ok(Some(PluginChanges { listener, schema }))
    }
}
