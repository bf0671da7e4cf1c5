//! Dry runs and replays: what a plugin (enabled or not) would do, writing nothing. Its triggers
//! run through the same cycle as a real write, against the stored records, and the result is
//! reported instead of saved; failures do not count towards disabling it.

use std::sync::Arc;

use serde::Serialize;

use super::{InstalledPlugin, Mode, Rules, Trigger, Write};
use crate::domain::rule_run::NewRuleRun;
use crate::domain::{Action, Actor, Change, Event, EventComment, EventKind};
use crate::plugins::{LogLine, Outcome};
use crate::store::{Store, StoreError};

/// What a plugin would do to one stored ticket.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DryRun {
    pub ticket_id: i64,
    /// Every trigger evaluated, in order, as the audit would record it, with what it logged;
    /// triggers that would not match are listed too (`not_matched`).
    #[schema(value_type = Vec<Object>)]
    pub runs: Vec<NewRuleRun>,
    /// What the firings would change on the ticket, in order.
    #[schema(value_type = Vec<Object>)]
    pub changes: Vec<Change>,
}

/// A replayed ticket is a dry run of it.
pub type ReplayedTicket = DryRun;

/// What one trigger decided on a given event.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventDryRun {
    pub trigger: String,
    pub matched: bool,
    #[schema(value_type = Vec<Object>)]
    pub actions: Vec<Action>,
    pub error: Option<String>,
    /// The plugin error's kind (`trap`, `out_of_fuel`, …), when it failed.
    pub error_kind: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub logs: Vec<LogLine>,
    pub fuel_used: u64,
    pub elapsed_us: u64,
}

/// Every trigger of `plugin` that subscribes to `kind`, in its declared order; a dry run shows
/// what inactive triggers would do too.
fn triggers_of(plugin: &Arc<InstalledPlugin>, kind: EventKind) -> Vec<Trigger> {
    plugin
        .compiled
        .info()
        .triggers
        .iter()
        .filter(|trigger| trigger.events.contains(&kind))
        .map(|trigger| Trigger {
            plugin: plugin.clone(),
            key: trigger.key.clone(),
            events: trigger.events.clone(),
        })
        .collect()
}

impl Rules {
    /// What `plugin` would do if the stored ticket were written now: `created` replays its
    /// arrival, `updated` an update that changed nothing.
    pub async fn dry_run_ticket(
        &self,
        store: &Store,
        plugin: &Arc<InstalledPlugin>,
        ticket_id: i64,
        kind: EventKind,
    ) -> Result<DryRun, StoreError> {
        // A consistent view of the records, rolled back at the end: nothing is written.
        let mut tx = store.begin_read().await?;
        let ticket = tx.ticket(ticket_id).await?;
        // A replayed arrival carries its first message; a replayed update adds no comment.
        let (before, comment, occurred_at) = match kind {
            EventKind::Created => {
                let first = EventComment {
                    body: ticket.description.clone(),
                    public: true,
                };
                (None, Some(first), ticket.created_at)
            }
            EventKind::Updated => (Some(ticket.clone()), None, ticket.updated_at),
        };
        let triggers = triggers_of(plugin, kind);
        let write = Write {
            kind,
            ticket,
            before: before.as_ref(),
            requester: None,
            actor: Actor::System,
            comment,
            occurred_at,
        };
        let decision = self.cycle(&mut tx, write, &triggers, Mode::DryRun).await?;
        let changes = decision
            .runs
            .iter()
            .flat_map(|run| run.changes.iter().cloned())
            .collect();
        Ok(DryRun {
            ticket_id,
            runs: decision.runs,
            changes,
        })
    }

    /// What each of `plugin`'s triggers subscribed to the event's kind decides on `event`.
    pub async fn dry_run_event(
        &self,
        plugin: &Arc<InstalledPlugin>,
        event: Event,
    ) -> Vec<EventDryRun> {
        let mut results = Vec::new();
        for trigger in triggers_of(plugin, event.kind) {
            let evaluation = self.evaluate(plugin, &trigger.key, &event).await;
            let (matched, actions, error) = match evaluation.outcome {
                Outcome::NotMatched => (false, Vec::new(), None),
                Outcome::Matched(actions) => (true, actions, None),
                Outcome::Failed(error) => (false, Vec::new(), Some(error)),
            };
            results.push(EventDryRun {
                trigger: trigger.key,
                matched,
                actions,
                error_kind: error.as_ref().map(|error| error.kind().to_string()),
                error: error.map(|error| error.to_string()),
                logs: evaluation.logs,
                fuel_used: evaluation.fuel_used,
                elapsed_us: evaluation.elapsed.as_micros() as u64,
            });
        }
        results
    }

    /// What `plugin` would have done on the arrival of each of the `last` stored tickets,
    /// newest first.
    pub async fn replay(
        &self,
        store: &Store,
        plugin: &Arc<InstalledPlugin>,
        last: i64,
    ) -> Result<Vec<ReplayedTicket>, StoreError> {
        let mut replayed = Vec::new();
        for id in store.recent_ticket_ids(last).await? {
            replayed.push(
                self.dry_run_ticket(store, plugin, id, EventKind::Created)
                    .await?,
            );
        }
        Ok(replayed)
    }
}
