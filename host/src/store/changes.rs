//! Plugin change notifications on PostgreSQL: the database sends `NOTIFY wasmdesk_plugins`
//! (payload: the schema) when a change to the plugins commits (migration 0022), and a replica
//! listening here hears of changes made through the others at once. A SQLite database has one
//! server, which makes every change itself.

use sqlx::postgres::PgListener;

use super::{Backend, Store, StoreError};

/// The channel the database notifies on.
const CHANNEL: &str = "wasmdesk_plugins";

/// Changes to this database's plugins, as they commit.
pub struct PluginChanges {
    listener: PgListener,
    /// Notifications for other schemas of the same database (other desks) are not ours.
    schema: String,
}

impl PluginChanges {
    /// Waits for the next change to this desk's plugins, made through any replica. An error
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
    /// A feed of plugin changes, on PostgreSQL; `None` on SQLite.
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
