//! The trigger engine: on every ticket write, the installed plugins decide and the host
//! applies, Zendesk's way. Triggers run in admin-set order; a trigger that fires (all its
//! actions valid and applied) restarts the pass; each fires at most once per write; the cycle
//! ends on a pass where nothing fires. A failing trigger counts as not matched and never fails
//! the write; a plugin that fails on [`Rules::DEFAULT_FAILURE_LIMIT`] (configurable)
//! consecutive ticket writes is disabled, and the audit says why.

mod apply;
mod catalog;
mod dry_run;
mod health;
mod ingredients;
mod snapshot;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use tokio::sync::Semaphore;

pub use apply::{FieldWrite, SideEffects};
pub use catalog::PluginAdminError;
pub use dry_run::{DryRun, EventDryRun, ReplayedTicket};

use crate::domain::rule_run::{NewRuleRun, RunOutcome};
use crate::domain::{
    Actor, Audit, CommentDraft, EventComment, EventKind, EventOrganization, EventUser,
    Organization, Ticket, TicketDraft, Timestamp, User,
};
use crate::plugins::{CompiledPlugin, Installation, Outcome, Runtime};
use crate::store::{Store, StoreError, TicketWrite, Tx};
use apply::{Applied, Definitions};
use snapshot::Names;

/// One installed plugin as the engine runs it.
pub struct InstalledPlugin {
    /// Its id in the store (0 for a component run straight from a file).
    pub id: i64,
    pub compiled: CompiledPlugin,
    pub installation: Arc<Installation>,
    enabled: AtomicBool,
    /// Ticket writes in a row on which one of its triggers failed, and the evaluations running.
    health: health::Health,
    /// Runs on the blocking pool, not inline (see [`Rules::evaluate`]).
    offloaded: AtomicBool,
}

/// Fuel above which one evaluation moves a plugin off the async workers for good (about a
/// millisecond of work; the bundled plugins use about 11,000).
const INLINE_FUEL: u64 = 1_000_000;

impl InstalledPlugin {
    pub fn new(
        id: i64,
        compiled: CompiledPlugin,
        installation: Arc<Installation>,
        enabled: bool,
    ) -> Self {
        InstalledPlugin {
            id,
            compiled,
            installation,
            enabled: AtomicBool::new(enabled),
            health: health::Health::default(),
            offloaded: AtomicBool::new(false),
        }
    }

    pub fn name(&self) -> &str {
        &self.compiled.info().name
    }

    pub fn enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// Ticket writes in a row on which one of its triggers failed.
    pub fn failing_writes(&self) -> u32 {
        self.health.failing_writes()
    }
}

/// One trigger in the desk-wide order.
#[derive(Clone)]
struct Trigger {
    plugin: Arc<InstalledPlugin>,
    key: String,
    events: Vec<EventKind>,
}

/// What the engine runs: the installed plugins and, in admin-set order, the active triggers of
/// the enabled ones. Replaced whole on every change, so a write in flight finishes on the
/// plugins it started with.
#[derive(Default)]
struct Loaded {
    plugins: Vec<Arc<InstalledPlugin>>,
    order: Vec<Trigger>,
}

/// The engine: the runtime, the installed plugins in order, and a bound on concurrent
/// evaluations (the runtime's pool slots). Cheap to clone.
#[derive(Clone)]
pub struct Rules {
    runtime: Arc<Runtime>,
    loaded: Arc<RwLock<Arc<Loaded>>>,
    /// One catalog change at a time, so no reload publishes a stale list over a newer one.
    changing: Arc<tokio::sync::Mutex<()>>,
    slots: Arc<Semaphore>,
    failure_limit: u32,
}

/// What a write's trigger cycle decided: the ticket as the triggers left it, the other writes
/// they asked for, and the audit rows.
#[derive(Debug, Clone)]
pub struct Decision {
    pub ticket: Ticket,
    pub effects: SideEffects,
    pub runs: Vec<NewRuleRun>,
    /// Plugins this write disabled for failing too often (store id, why).
    pub disabled: Vec<(i64, String)>,
    /// Plugins that failed in this write, whose stored streak it counts (store ids).
    pub failed: Vec<i64>,
    /// Plugins this write ran cleanly that had a streak, which it ends (store ids).
    pub recovered: Vec<i64>,
}

impl Decision {
    /// The store write: the decided ticket, the request's comment, the triggers' effects and
    /// the audit rows, for one transaction.
    pub fn into_write(
        self,
        requested: Ticket,
        created: bool,
        comment: Option<CommentDraft>,
    ) -> TicketWrite {
        TicketWrite {
            ticket: self.ticket,
            requested,
            created,
            comment,
            notes: self.effects.internal_notes,
            user_fields: field_values(self.effects.user_fields),
            organization_fields: field_values(self.effects.organization_fields),
            deliveries: self.effects.deliveries,
            notifications: self.effects.notifications,
            runs: self.runs,
        }
    }
}

/// What a write brings to its save besides the cycle's decision.
struct Saving {
    /// The ticket as the request left it, before the triggers.
    requested: Ticket,
    created: bool,
    comment: Option<CommentDraft>,
}

/// Values by field id, as the store writes them.
fn field_values(writes: Vec<FieldWrite>) -> Vec<(i64, crate::domain::FieldValue)> {
    writes
        .into_iter()
        .map(|write| (write.field_id, write.value))
        .collect()
}

/// The ticket write a cycle decides on.
struct Write<'a> {
    kind: EventKind,
    /// The ticket as the request left it (a new one already has its id).
    ticket: Ticket,
    /// The stored version, for an update.
    before: Option<&'a Ticket>,
    /// The requester, when the caller already holds it (a query saved).
    requester: Option<User>,
    actor: Actor,
    /// The comment the write adds (a new ticket's first message).
    comment: Option<EventComment>,
    /// When the write happened: what plugins see as `occurred-at`. A dry run of a stored
    /// ticket passes the stored time, so it decides as the original write did.
    occurred_at: Timestamp,
}

/// Whether a cycle is a real write (failures count towards disabling) or a dry run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Write,
    DryRun,
}

impl Rules {
    /// Consecutive failing ticket writes after which a plugin is disabled.
    pub const DEFAULT_FAILURE_LIMIT: u32 = 5;

    /// An engine with no plugins; [`Rules::open`] loads the installed ones.
    pub fn new(runtime: Arc<Runtime>) -> Rules {
        let slots = runtime.limits().concurrent_instances as usize;
        Rules {
            runtime,
            loaded: Arc::default(),
            changing: Arc::default(),
            slots: Arc::new(Semaphore::new(slots.max(1))),
            failure_limit: Rules::DEFAULT_FAILURE_LIMIT,
        }
    }

    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    pub fn set_failure_limit(&mut self, limit: u32) {
        self.failure_limit = limit.max(1);
    }

    fn loaded(&self) -> Arc<Loaded> {
        self.loaded.read().expect("plugin list lock").clone()
    }

    /// The installed plugins, oldest first.
    pub fn plugins(&self) -> Vec<Arc<InstalledPlugin>> {
        self.loaded().plugins.clone()
    }

    /// The running plugin with this store id.
    pub fn plugin(&self, id: i64) -> Option<Arc<InstalledPlugin>> {
        self.loaded().plugins.iter().find(|p| p.id == id).cloned()
    }

    /// Creates a ticket in one transaction: the draft is checked and its requester (and their
    /// organization) found or created, the ticket row inserted (so the triggers see its id),
    /// the triggers decide, and what they decided is saved with the first comment and the audit
    /// rows. A refused write, or a database failure at any step, leaves nothing behind.
    pub async fn create_ticket(
        &self,
        store: &Store,
        draft: TicketDraft,
        actor: Actor,
    ) -> Result<Ticket, StoreError> {
        Ok(self.create_ticket_audited(store, draft, actor).await?.0)
    }

    /// [`Rules::create_ticket`], also returning the write's audit.
    pub async fn create_ticket_audited(
        &self,
        store: &Store,
        draft: TicketDraft,
        actor: Actor,
    ) -> Result<(Ticket, Audit), StoreError> {
        let mut tx = store.begin_write().await?;
        let saved = self.create_ticket_in(&mut tx, draft, actor).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// [`Rules::create_ticket_audited`] inside `tx`, which the caller commits (a bulk job
    /// commits each ticket with its result).
    pub async fn create_ticket_in(
        &self,
        tx: &mut Tx,
        draft: TicketDraft,
        actor: Actor,
    ) -> Result<(Ticket, Audit), StoreError> {
        let new = tx.resolve_new_ticket(draft).await?;
        let mut inserted = new.ticket;
        inserted.id = tx.insert_ticket(&inserted).await?;
        let write = Write {
            kind: EventKind::Created,
            ticket: inserted.clone(),
            before: None,
            requester: Some(new.requester),
            actor,
            comment: Some(EventComment::from(&new.comment)),
            occurred_at: inserted.created_at,
        };
        let decision = self.decide_write(tx, write).await?;
        let write = Saving {
            requested: inserted.clone(),
            created: true,
            comment: Some(new.comment),
        };
        self.save(tx, decision, write, &inserted).await
    }

    /// Updates a ticket the same way, under the ticket's lock from the read to the save; the
    /// event carries what the request changed.
    pub async fn update_ticket(
        &self,
        store: &Store,
        id: i64,
        draft: TicketDraft,
        actor: Actor,
    ) -> Result<Ticket, StoreError> {
        Ok(self.update_ticket_audited(store, id, draft, actor).await?.0)
    }

    /// [`Rules::update_ticket`], also returning the write's audit.
    pub async fn update_ticket_audited(
        &self,
        store: &Store,
        id: i64,
        draft: TicketDraft,
        actor: Actor,
    ) -> Result<(Ticket, Audit), StoreError> {
        let mut tx = store.begin_write().await?;
        let saved = self.update_ticket_in(&mut tx, id, draft, actor).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// [`Rules::update_ticket_audited`] inside `tx`, which the caller commits (an email reply
    /// commits its comment with its Message-ID).
    pub async fn update_ticket_in(
        &self,
        tx: &mut Tx,
        id: i64,
        draft: TicketDraft,
        actor: Actor,
    ) -> Result<(Ticket, Audit), StoreError> {
        let current = tx.ticket_for_update(id).await?;
        let (ticket, comment) = tx.resolve_ticket_update(&current, draft).await?;
        let requested = ticket.clone();
        let write = Write {
            kind: EventKind::Updated,
            occurred_at: ticket.updated_at,
            ticket,
            before: Some(&current),
            requester: None,
            actor,
            comment: comment.as_ref().map(EventComment::from),
        };
        let decision = self.decide_write(tx, write).await?;
        let write = Saving {
            requested,
            created: false,
            comment,
        };
        self.save(tx, decision, write, &current).await
    }

    /// Stores what a cycle decided, and records the plugins it disabled, in the write's
    /// transaction. `stored` is the ticket row as it is now: an unchanged row is not rewritten.
    async fn save(
        &self,
        tx: &mut Tx,
        mut decision: Decision,
        saving: Saving,
        stored: &Ticket,
    ) -> Result<(Ticket, Audit), StoreError> {
        self.count_streaks(tx, &mut decision).await?;
        let disabled = std::mem::take(&mut decision.disabled);
        let write = decision.into_write(saving.requested, saving.created, saving.comment);
        let saved = tx.save_ticket(write, stored).await?;
        for (id, reason) in disabled.iter().filter(|(id, _)| *id != 0) {
            tx.disable_plugin(*id, reason).await?;
        }
        Ok(saved)
    }

    /// Counts the write in the stored failure streaks (shared by replicas, see health.rs): a
    /// plugin that failed has its streak lengthened, and is disabled here when the stored streak
    /// reached the limit though this process's own count had not (the failures were counted by
    /// other replicas); one that ran cleanly has it ended.
    async fn count_streaks(&self, tx: &mut Tx, decision: &mut Decision) -> Result<(), StoreError> {
        if decision.failed.is_empty() && decision.recovered.is_empty() {
            return Ok(());
        }
        let loaded = self.loaded();
        let plugin = |id: i64| loaded.plugins.iter().find(|plugin| plugin.id == id);
        for id in std::mem::take(&mut decision.failed) {
            let streak = tx.count_failing_write(id).await?;
            let Some(plugin) = plugin(id) else { continue };
            plugin.health.counted_elsewhere(streak);
            let decided = decision
                .disabled
                .iter()
                .any(|(disabled, _)| *disabled == id);
            if decided
                || streak < self.failure_limit
                || !plugin.enabled.swap(false, Ordering::AcqRel)
            {
                continue;
            }
            let run = decision
                .runs
                .iter_mut()
                .rev()
                .find(|run| run.plugin == plugin.name() && run.outcome == RunOutcome::Failed);
            decision.disabled.push((id, disable(plugin, streak, run)));
        }
        for id in std::mem::take(&mut decision.recovered) {
            tx.end_failure_streak(id).await?;
        }
        Ok(())
    }

    /// Runs the trigger cycle for a write: the active triggers of the enabled plugins that
    /// subscribe to its kind, in order. Never fails for a plugin's sake; only storage errors
    /// are errors.
    async fn decide_write(&self, tx: &mut Tx, write: Write<'_>) -> Result<Decision, StoreError> {
        let triggers: Vec<Trigger> = self
            .loaded()
            .order
            .iter()
            .filter(|trigger| trigger.events.contains(&write.kind) && trigger.plugin.enabled())
            .cloned()
            .collect();
        self.cycle(tx, write, &triggers, Mode::Write).await
    }

    /// Zendesk's cycle over `triggers`. Every read goes through the write's transaction; a
    /// database failure fails the cycle (and so the write), it is never taken for an invalid
    /// action.
    async fn cycle(
        &self,
        tx: &mut Tx,
        write: Write<'_>,
        triggers: &[Trigger],
        mode: Mode,
    ) -> Result<Decision, StoreError> {
        let Write {
            kind,
            ticket,
            before,
            requester,
            actor,
            comment,
            occurred_at,
        } = write;
        if triggers.is_empty() {
            return Ok(Decision {
                ticket,
                effects: SideEffects::default(),
                runs: Vec::new(),
                disabled: Vec::new(),
                failed: Vec::new(),
                recovered: Vec::new(),
            });
        }
        let requester = match requester {
            Some(requester) if requester.id == ticket.requester_id => requester,
            _ => tx.user(ticket.requester_id).await?,
        };
        let organization = match ticket.organization_id {
            Some(id) => Some(tx.organization(id).await?),
            None => None,
        };
        let names = names_of(tx, &ticket, None, &requester, organization.as_ref()).await?;
        let before_version = match before {
            Some(before) => {
                let before_names = names_of(
                    tx,
                    before,
                    Some((&ticket, &names)),
                    &requester,
                    organization.as_ref(),
                )
                .await?;
                Some(snapshot::version(before, &before_names))
            }
            None => None,
        };
        let mut current = Applied {
            group_name: names.group.clone(),
            assignee_email: names.assignee.clone(),
            ticket,
            effects: SideEffects::default(),
        };
        let mut requester_event = snapshot::event_user(&requester);
        let mut organization_event = organization.as_ref().map(snapshot::event_organization);
        let mut definitions = Definitions::default();
        let mut settled: HashSet<(String, String)> = HashSet::new();
        let mut runs = Vec::new();
        let mut evaluated: HashSet<String> = HashSet::new();
        let mut failed_plugins: HashSet<String> = HashSet::new();
        let mut disabled = Vec::new();
        let version_of = |applied: &Applied| {
            snapshot::version(
                &applied.ticket,
                &Names {
                    group: applied.group_name.clone(),
                    assignee: applied.assignee_email.clone(),
                    ..names.clone()
                },
            )
        };
        loop {
            let mut fired = false;
            // One event per pass: nothing it shows changes until a trigger fires, and a firing
            // ends the pass.
            let now = version_of(&current);
            let changes = before_version
                .as_ref()
                .map(|before| snapshot::changes(before, &now))
                .unwrap_or_default();
            let event = snapshot::event(
                kind,
                now.ticket.clone(),
                requester_event.clone(),
                organization_event.clone(),
                changes,
                actor.clone(),
                comment.clone(),
                occurred_at,
            );
            for Trigger {
                plugin,
                key: trigger,
                ..
            } in triggers
            {
                let key = (plugin.name().to_string(), trigger.clone());
                let counted = failed_plugins.contains(plugin.name());
                if settled.contains(&key) || (mode == Mode::Write && !plugin.enabled() && !counted)
                {
                    continue;
                }
                // A real write runs a plugin only when a failure could not take its streak past
                // the limit (see health.rs); one disabled meanwhile is skipped.
                let admission = match mode {
                    Mode::Write => {
                        match plugin
                            .health
                            .admit(&plugin.enabled, self.failure_limit, counted)
                            .await
                        {
                            Some(admission) => Some(admission),
                            None => continue,
                        }
                    }
                    Mode::DryRun => None,
                };
                evaluated.insert(plugin.name().to_string());
                let evaluation = self.evaluate(plugin, trigger, &event).await;
                let mut run = NewRuleRun {
                    plugin: plugin.name().to_string(),
                    content_hash: plugin.compiled.content_hash().to_string(),
                    trigger: trigger.clone(),
                    outcome: RunOutcome::Fired,
                    actions: Vec::new(),
                    changes: Vec::new(),
                    error: None,
                    error_kind: None,
                    logs: evaluation.logs,
                    fuel_used: evaluation.fuel_used as i64,
                    elapsed_us: evaluation.elapsed.as_micros() as i64,
                };
                match evaluation.outcome {
                    Outcome::NotMatched => {
                        if mode == Mode::DryRun {
                            run.outcome = RunOutcome::NotMatched;
                            runs.push(run);
                        }
                    }
                    Outcome::Failed(error) => {
                        settled.insert(key);
                        let first_in_write = failed_plugins.insert(plugin.name().to_string());
                        run.outcome = RunOutcome::Failed;
                        run.error_kind = Some(error.kind().to_string());
                        run.error = Some(error.to_string());
                        if let Some(admission) = admission {
                            metrics::counter!("wasmdesk_plugin_failures_total", "plugin" => plugin.name().to_string())
                                .increment(1);
                            if let Some(writes) = admission.failed(
                                first_in_write,
                                &plugin.enabled,
                                self.failure_limit,
                            ) {
                                disabled.push((plugin.id, disable(plugin, writes, Some(&mut run))));
                            }
                        }
                        runs.push(run);
                    }
                    Outcome::Matched(actions) => {
                        settled.insert(key);
                        run.actions = actions.clone();
                        match apply::apply(tx, &mut definitions, &current, &actions).await? {
                            Ok(next) => {
                                run.changes = snapshot::changes(&now, &version_of(&next));
                                show_field_writes(
                                    &next.effects,
                                    &mut requester_event,
                                    organization_event.as_mut(),
                                );
                                current = next;
                                runs.push(run);
                                fired = true;
                                break;
                            }
                            Err(problems) => {
                                run.outcome = RunOutcome::InvalidActions;
                                run.error_kind = Some(RunOutcome::InvalidActions.name().into());
                                run.error = Some(problems.join("; "));
                                runs.push(run);
                            }
                        }
                    }
                }
            }
            if !fired {
                break;
            }
        }
        let (mut failed, mut recovered) = (Vec::new(), Vec::new());
        if mode == Mode::Write {
            let mut seen = HashSet::new();
            for Trigger { plugin, .. } in triggers {
                if !seen.insert(plugin.name()) || !evaluated.contains(plugin.name()) {
                    continue;
                }
                let stored = plugin.id != 0;
                if failed_plugins.contains(plugin.name()) {
                    if stored {
                        failed.push(plugin.id);
                    }
                } else {
                    // A write on which a plugin ran and did not fail ends its streak.
                    if stored && plugin.failing_writes() > 0 {
                        recovered.push(plugin.id);
                    }
                    plugin.health.succeeded();
                }
            }
        }
        Ok(Decision {
            ticket: current.ticket,
            effects: current.effects,
            runs,
            disabled,
            failed,
            recovered,
        })
    }

    /// Runs one trigger, at most as many at once as the runtime has instance slots.
    ///
    /// Where: a plugin that can only compute (no granted hosts, so `http-get` is refused
    /// without waiting) and has stayed cheap runs right here, on the async worker: a typical
    /// evaluation takes tens of microseconds, less than handing it to another thread and back,
    /// and those handoffs dominated the engine's cost. A plugin that may wait on the network, has
    /// failed, or spent more than [`INLINE_FUEL`] once runs on the blocking pool from then on,
    /// so a slow or hostile plugin cannot hold an async worker for its whole deadline again.
    async fn evaluate(
        &self,
        plugin: &Arc<InstalledPlugin>,
        trigger: &str,
        event: &crate::domain::Event,
    ) -> crate::plugins::Evaluation {
        let _permit = self
            .slots
            .acquire()
            .await
            .expect("the semaphore is never closed");
        if plugin.installation.origins().is_empty() && !plugin.offloaded.load(Ordering::Relaxed) {
            let evaluation =
                self.runtime
                    .evaluate(&plugin.compiled, &plugin.installation, trigger, event);
            if matches!(evaluation.outcome, Outcome::Failed(_))
                || evaluation.fuel_used > INLINE_FUEL
            {
                plugin.offloaded.store(true, Ordering::Relaxed);
            }
            return evaluation;
        }
        let runtime = self.runtime.clone();
        let plugin = plugin.clone();
        let trigger = trigger.to_string();
        let event = event.clone();
        tokio::task::spawn_blocking(move || {
            runtime.evaluate(&plugin.compiled, &plugin.installation, &trigger, &event)
        })
        .await
        .unwrap_or_else(|error| crate::plugins::Evaluation {
            outcome: Outcome::Failed(crate::plugins::PluginError::Unavailable {
                reason: format!("the evaluation thread failed: {error}"),
            }),
            logs: Vec::new(),
            logs_dropped_bytes: 0,
            fuel_used: 0,
            elapsed: std::time::Duration::ZERO,
        })
    }
}

/// Later triggers of a cycle see the custom values earlier ones set on the requester and the
/// organization, as they will be stored.
/// Disables `plugin` for failing on `writes` ticket writes in a row: logs and counts it, says so
/// in the failed `run`'s error, and returns the reason stored with the plugin.
fn disable(plugin: &InstalledPlugin, writes: u32, run: Option<&mut NewRuleRun>) -> String {
    let reason = format!("it failed on {writes} ticket writes in a row");
    tracing::warn!(
        plugin = plugin.name(),
        writes,
        "plugin disabled: it kept failing"
    );
    metrics::counter!("wasmdesk_plugins_disabled_total").increment(1);
    if let Some(run) = run {
        let error = run.error.take().unwrap_or_default();
        run.error = Some(format!("{error}; the plugin is now disabled: {reason}"));
    }
    reason
}

fn show_field_writes(
    effects: &SideEffects,
    requester: &mut EventUser,
    organization: Option<&mut EventOrganization>,
) {
    for write in &effects.user_fields {
        requester
            .fields
            .insert(write.key.clone(), write.value.clone());
    }
    if let Some(organization) = organization {
        for write in &effects.organization_fields {
            organization
                .fields
                .insert(write.key.clone(), write.value.clone());
        }
    }
}

/// The names of `ticket`'s group, assignee, organization and requester; the requester and
/// organization already loaded are used when they are the ticket's.
async fn names_of(
    tx: &mut Tx,
    ticket: &Ticket,
    reference: Option<(&Ticket, &Names)>,
    requester: &User,
    organization: Option<&Organization>,
) -> Result<Names, StoreError> {
    let same = |pick: fn(&Ticket) -> Option<i64>| {
        reference.filter(|(other, _)| pick(other) == pick(ticket))
    };
    let group = match (ticket.group_id, same(|t| t.group_id)) {
        (None, _) => None,
        (Some(_), Some((_, names))) => names.group.clone(),
        (Some(id), None) => Some(tx.group(id).await?.name),
    };
    let assignee = match (ticket.assignee_id, same(|t| t.assignee_id)) {
        (None, _) => None,
        (Some(_), Some((_, names))) => names.assignee.clone(),
        (Some(id), None) => tx.user(id).await?.email,
    };
    let organization = match ticket.organization_id {
        None => None,
        Some(id) if organization.is_some_and(|o| o.id == id) => {
            organization.map(|o| o.name.clone())
        }
        Some(id) => Some(tx.organization(id).await?.name),
    };
    let requester = if ticket.requester_id == requester.id {
        snapshot::requester_name(requester)
    } else {
        snapshot::requester_name(&tx.user(ticket.requester_id).await?)
    };
    Ok(Names {
        group,
        assignee,
        organization,
        requester: Some(requester),
    })
}
