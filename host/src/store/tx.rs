//! One database transaction: everything a ticket write reads and writes — resolving (and
//! perhaps creating) the requester and organization, what the trigger cycle looks up, the saved
//! ticket, its comments, field values and audit rows — commits together or not at all.
//!
//! A dropped [`Tx`] rolls back, so a write refused halfway (a 422 after the requester was
//! created, a database fault inside the cycle) leaves nothing behind.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::{Any, AnyConnection, Transaction};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::tickets::{self, NewTicket, TicketWrite};
use super::{
    Backend, Store, StoreError, fields, groups, notifications, organizations, plugins, users,
};
use crate::domain::{
    Audit, CommentDraft, Field, FieldScope, Group, Organization, Ticket, TicketDraft, User,
};

/// An open transaction; see the module documentation.
pub struct Tx {
    pub(super) turn: Turn,
    /// The store's active webhooks, as far as it knows them.
    pub(super) webhooks: super::webhooks::WebhookDirectory,
}

/// A transaction as the store's own modules use it: a connection in a transaction, holding (on
/// SQLite) this process's turn to write.
pub(super) struct Turn {
    tx: Transaction<'static, Any>,
    _writer: Option<OwnedSemaphorePermit>,
}

impl Turn {
    pub(super) async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Deref for Turn {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for Turn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

/// SQLite has one writer at a time. Writers of this process queue here, asynchronously, instead
/// of in SQLite's busy handler, which sleeps in growing steps and holds a pooled connection
/// while it sleeps (readers would then starve for connections).
#[derive(Clone)]
pub(super) struct WriterQueue(Arc<Semaphore>);

impl WriterQueue {
    pub(super) fn new() -> WriterQueue {
        WriterQueue(Arc::new(Semaphore::new(1)))
    }
}

impl Store {
    /// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a transaction that reads and then writes could otherwise fail with
    /// `SQLITE_BUSY` when another writer committed in between. On PostgreSQL rows are locked as
    /// they are read for update ([`Tx::ticket_for_update`]).
    pub async fn begin_write(&self) -> Result<Tx, StoreError> {
        Ok(Tx {
            turn: self.write_turn().await?,
            webhooks: self.webhooks.clone(),
        })
    }

    /// [`Store::begin_write`] for the store's own modules: every write transaction of the store
    /// starts here, so that on SQLite writers queue instead of failing.
    pub(super) async fn write_turn(&self) -> Result<Turn, StoreError> {
        match self.backend {
            Backend::Sqlite => {
                let writer = self
                    .writers
                    .0
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("the writer queue is never closed");
                Ok(Turn {
                    tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _writer: Some(writer),
                })
            }
            Backend::Postgres => Ok(Turn {
                tx: self.pool.begin().await?,
                _writer: None,
            }),
        }
    }

    /// Begins a transaction that only reads (dry runs): a consistent view, rolled back when
    /// dropped. It takes no write lock.
    pub async fn begin_read(&self) -> Result<Tx, StoreError> {
        Ok(Tx {
            turn: Turn {
                tx: self.pool.begin().await?,
                _writer: None,
            },
            webhooks: self.webhooks.clone(),
        })
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), StoreError> {
        self.turn.commit().await
    }

    pub async fn user(&mut self, id: i64) -> Result<User, StoreError> {
        users::user(&mut self.turn, id).await
    }

    pub async fn user_by_email(&mut self, address: &str) -> Result<Option<User>, StoreError> {
        users::user_by_email(&mut self.turn, address).await
    }

    pub async fn organization(&mut self, id: i64) -> Result<Organization, StoreError> {
        organizations::organization(&mut self.turn, id).await
    }

    pub async fn group(&mut self, id: i64) -> Result<Group, StoreError> {
        groups::group(&mut self.turn, id).await
    }

    pub async fn group_by_name(&mut self, name: &str) -> Result<Option<Group>, StoreError> {
        groups::group_by_name(&mut self.turn, name).await
    }

    /// The addresses of a group's agents (and admins).
    pub async fn group_agent_addresses(
        &mut self,
        group_id: i64,
    ) -> Result<Vec<String>, StoreError> {
        notifications::group_agent_addresses(&mut self.turn, group_id).await
    }

    /// A scope's field definitions, in display order.
    pub async fn fields(&mut self, scope: FieldScope) -> Result<Vec<Field>, StoreError> {
        fields::fields(&mut self.turn, scope).await
    }

    /// A stored ticket, without locking it (dry runs).
    pub async fn ticket(&mut self, id: i64) -> Result<Ticket, StoreError> {
        tickets::ticket(&mut self.turn, id, false).await
    }

    /// A stored ticket, locked until this transaction ends, so that no other write changes it
    /// between this read and this write's save.
    pub async fn ticket_for_update(&mut self, id: i64) -> Result<Ticket, StoreError> {
        tickets::ticket(&mut self.turn, id, true).await
    }

    /// The ticket a create draft describes (id 0), its first comment and its requester, found or
    /// created in this transaction.
    pub async fn resolve_new_ticket(
        &mut self,
        draft: TicketDraft,
    ) -> Result<NewTicket, StoreError> {
        tickets::resolve_new_ticket(&mut self.turn, draft).await
    }

    /// `current` with an update draft's changes applied and checked, and the comment to add.
    pub async fn resolve_ticket_update(
        &mut self,
        current: &Ticket,
        draft: TicketDraft,
    ) -> Result<(Ticket, Option<CommentDraft>), StoreError> {
        tickets::resolve_ticket_update(&mut self.turn, current, draft).await
    }

    /// Inserts a resolved new ticket and returns its id, so that the triggers deciding on it
    /// see the ticket they are about; [`Tx::save_ticket`] then stores what they decided.
    pub async fn insert_ticket(&mut self, ticket: &Ticket) -> Result<i64, StoreError> {
        tickets::insert_ticket(&mut self.turn, ticket).await
    }

    /// Stores a decided write; returns the ticket as stored. `stored` is the row as it is in
    /// the database now: when the write leaves it as it is, it is not rewritten.
    pub async fn save_ticket(
        &mut self,
        write: TicketWrite,
        stored: &Ticket,
    ) -> Result<(Ticket, Audit), StoreError> {
        tickets::save_ticket(&mut self.turn, write, stored).await
    }

    /// Records that the engine disabled a plugin, with the write that decided it.
    pub async fn disable_plugin(&mut self, id: i64, reason: &str) -> Result<(), StoreError> {
        plugins::disable_plugin(&mut self.turn, id, reason).await
    }

    /// Counts a ticket write on which plugin `id` failed; returns its stored streak.
    pub async fn count_failing_write(&mut self, id: i64) -> Result<u32, StoreError> {
        plugins::count_failing_write(&mut self.turn, id).await
    }

    /// Ends plugin `id`'s stored failure streak.
    pub async fn end_failure_streak(&mut self, id: i64) -> Result<(), StoreError> {
        plugins::end_failure_streak(&mut self.turn, id).await
    }
}
