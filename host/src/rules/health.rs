//! A plugin's failure streak, counted so that the limit holds under concurrency.
//!
//! The streak is the number of ticket writes in a row on which the plugin failed. Counting it
//! after the fact let every write already evaluating the plugin fail too: with 50 concurrent
//! clients a plugin limited to 5 failed on 54 writes. Here an evaluation is admitted only while
//! `failing writes + evaluations running < limit`, and its failure is counted before the next one
//! is admitted, so a plugin fails at most `limit` writes in a row, exactly one of them disables
//! it, and every write that comes after sees it disabled. A healthy plugin runs up to `limit`
//! evaluations at once; more wait their turn (compute-only plugins run inline on the async
//! workers, so this only ever queues plugins that wait on the network).
//!
//! Replicas share the streak through the database: each failing write counts itself in the
//! plugin's row in its own transaction (the count there decides the disable, whichever replicas
//! served the writes), a clean write ends it there, and each replica learns the stored streak
//! when it counts one (a longer one only) and, on PostgreSQL through
//! [`crate::rules::Rules::follow`], every second. Within one process the bound above is exact;
//! across replicas it can be passed by the evaluations the others were running when the streak
//! reached the limit, or whose failures had not committed when a replica read the streak.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

#[derive(Default)]
pub struct Health {
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Default)]
struct State {
    failing_writes: u32,
    running: u32,
}

/// One admitted evaluation; dropping it frees its place.
pub struct Admission<'a> {
    health: &'a Health,
}

impl Health {
    /// A streak carried over from the previous load of the same code.
    pub fn with_failing_writes(failing_writes: u32) -> Health {
        Health {
            state: Mutex::new(State {
                failing_writes,
                running: 0,
            }),
            changed: Notify::new(),
        }
    }

    pub fn failing_writes(&self) -> u32 {
        self.state.lock().expect("health lock").failing_writes
    }

    /// Takes a streak counted in the database that is longer than this process knows (other
    /// replicas' failures). Never shortens it: this process's own failures are counted here
    /// when they happen and in the database only when their writes commit.
    pub fn counted_elsewhere(&self, failing_writes: u32) {
        let mut state = self.state.lock().expect("health lock");
        if failing_writes > state.failing_writes {
            state.failing_writes = failing_writes;
        }
    }

    /// Takes the streak as stored, counted by every replica; a reset there (a clean write on
    /// another replica, an admin's verdict) ends it here too. For replicas' periodic check only:
    /// a failure of this process whose write has not committed yet is not in the stored count.
    pub fn stored(&self, failing_writes: u32) {
        let mut state = self.state.lock().expect("health lock");
        if state.failing_writes != failing_writes {
            state.failing_writes = failing_writes;
            drop(state);
            self.changed.notify_waiters();
        }
    }

    /// Waits until one more evaluation may run; `None` when the plugin is (or gets) disabled.
    /// `counted`: the plugin already failed in this write, which its streak has counted; its
    /// other triggers in the same write run (a write runs to the end as it began), since they
    /// cannot lengthen the streak.
    pub async fn admit(
        &self,
        enabled: &AtomicBool,
        limit: u32,
        counted: bool,
    ) -> Option<Admission<'_>> {
        loop {
            let changed = self.changed.notified();
            {
                let mut state = self.state.lock().expect("health lock");
                if counted {
                    state.running += 1;
                    return Some(Admission { health: self });
                }
                // A streak at the limit is a verdict already (it disabled the plugin): never wait
                // on it.
                if !enabled.load(Ordering::Acquire) || state.failing_writes >= limit {
                    return None;
                }
                if state.failing_writes + state.running < limit {
                    state.running += 1;
                    return Some(Admission { health: self });
                }
            }
            changed.await;
        }
    }

    /// A write on which the plugin did not fail ends its streak.
    pub fn succeeded(&self) {
        let mut state = self.state.lock().expect("health lock");
        if state.failing_writes > 0 {
            state.failing_writes = 0;
            drop(state);
            self.changed.notify_waiters();
        }
    }
}

impl Admission<'_> {
    /// The evaluation failed. The first failure of a write lengthens the streak; when that
    /// reaches `limit`, this call disables the plugin and returns the streak (one caller ever
    /// does).
    pub fn failed(self, first_in_write: bool, enabled: &AtomicBool, limit: u32) -> Option<u32> {
        if !first_in_write {
            return None;
        }
        let mut state = self.health.state.lock().expect("health lock");
        state.failing_writes += 1;
        let writes = state.failing_writes;
        (writes >= limit && enabled.swap(false, Ordering::AcqRel)).then_some(writes)
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.health.state.lock().expect("health lock").running -= 1;
        self.health.changed.notify_waiters();
    }
}
