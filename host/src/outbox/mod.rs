//! The outbox workers: they send what ticket writes queued, after those writes committed, so a
//! receiver's slowness or failure never holds up a ticket write. Two outboxes, one discipline:
//! webhook deliveries (HTTP, [`webhooks`]) and agent notifications (email through the
//! operator's SMTP relay, [`mail`]).
//!
//! At least once: a worker claims due rows with a lease (on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so replicas never take each other's), sends them, and records each
//! attempt; a worker that dies mid-send leaves a lease that expires, and the row is sent again.
//! A failure the peer may get over is retried with exponential backoff and jitter; too many
//! tries or too much age make the row dead, and an admin may retry it.

mod mail;
mod webhooks;

use std::future::Future;
use std::time::Duration;

pub use mail::{MailRelay, MailRelayError};
pub use webhooks::signature;

use crate::domain::Timestamp;
use crate::store::{Attempt, AttemptNext, Backend, Outbox, Store, StoreError};

/// How the workers pace themselves.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryConfig {
    /// How often a worker looks for due rows.
    pub poll_every: Duration,
    /// The wait before the second try; doubled for each later one.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Tries before a row is dead.
    pub max_tries: i64,
    /// Age past which a failed row is dead.
    pub max_age: Duration,
    /// How long a claimed row is this worker's: after it, another may send it.
    pub lease: Duration,
    /// How long one request (or one SMTP session) may take.
    pub timeout: Duration,
    /// Rows claimed (and sent at once) per round.
    pub batch: i64,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            poll_every: Duration::from_millis(250),
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(600),
            max_tries: 10,
            max_age: Duration::from_secs(24 * 3600),
            lease: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
            batch: 16,
        }
    }
}

/// Starts this process's webhook delivery worker on the current tokio runtime.
pub fn start(store: Store, config: DeliveryConfig) -> tokio::task::JoinHandle<()> {
    let courier = webhooks::WebhookCourier::new(&config);
    tokio::spawn(work(store, config, courier))
}

/// Starts this process's agent notification worker, sending through `relay`.
pub fn start_mail(
    store: Store,
    config: DeliveryConfig,
    relay: MailRelay,
) -> tokio::task::JoinHandle<()> {
    let courier = mail::MailCourier::new(relay, &config);
    tokio::spawn(work(store, config, courier))
}

/// What sends the rows of one outbox.
trait Courier: Clone + Send + Sync + 'static {
    type Item: Send + 'static;
    const OUTBOX: Outbox;
    /// For log lines: "webhook deliveries".
    const WHAT: &'static str;

    fn claim(
        &self,
        store: &Store,
        config: &DeliveryConfig,
    ) -> impl Future<Output = Result<Vec<Self::Item>, StoreError>> + Send;

    fn id(item: &Self::Item) -> i64;

    /// One attempt, and what to do next.
    fn send(
        &self,
        item: &Self::Item,
        config: &DeliveryConfig,
    ) -> impl Future<Output = Attempt> + Send;
}

async fn work<C: Courier>(store: Store, config: DeliveryConfig, courier: C) {
    // A SQLite database has one process: leases left in it are a killed predecessor's, so its
    // rows need not wait for them to expire. (On PostgreSQL another replica may hold them.)
    if store.backend() == Backend::Sqlite {
        match store.release_leases(C::OUTBOX).await {
            Ok(0) => {}
            Ok(released) => {
                tracing::info!(
                    released,
                    "took over {} a stopped process had claimed",
                    C::WHAT
                )
            }
            Err(error) => tracing::warn!(%error, "could not release old leases of {}", C::WHAT),
        }
    }
    loop {
        let claimed = match courier.claim(&store, &config).await {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::warn!(%error, "could not claim {}", C::WHAT);
                Vec::new()
            }
        };
        if claimed.is_empty() {
            tokio::time::sleep(config.poll_every).await;
            continue;
        }
        // Sent at once; one ticket's webhook deliveries are never in the same round (see the
        // store).
        let mut sends = tokio::task::JoinSet::new();
        for item in claimed {
            let (courier, store) = (courier.clone(), store.clone());
            sends.spawn(async move {
                let attempt = courier.send(&item, &config).await;
                let id = C::id(&item);
                if let Err(error) = store.record_attempt(C::OUTBOX, id, attempt).await {
                    // The lease expires and the row is sent again: at least once.
                    tracing::warn!(%error, id, "could not record an attempt at {}", C::WHAT);
                }
            });
        }
        while sends.join_next().await.is_some() {}
    }
}

/// A failed attempt at a row tried `tries_before` times since `created_at`: retried after the
/// backoff (at least `at_least`), or dead when it has had its tries or its time.
fn failed_attempt(
    config: &DeliveryConfig,
    tries_before: i64,
    created_at: Timestamp,
    status: Option<u16>,
    error: String,
    at_least: Duration,
) -> Attempt {
    let tries = tries_before + 1;
    let age = Timestamp::now().0 - created_at.0;
    let next = if tries >= config.max_tries || age > config.max_age.as_millis() as i64 {
        AttemptNext::Dead
    } else {
        let wait = backoff(config, tries).max(at_least);
        AttemptNext::RetryAt(Timestamp(Timestamp::now().0 + wait.as_millis() as i64))
    };
    Attempt {
        status,
        error: Some(error),
        next,
    }
}

/// The wait after `tries` failed tries: `base · 2^(tries-1)`, capped, ±25% jitter so that
/// rows failing together do not retry together.
fn backoff(config: &DeliveryConfig, tries: i64) -> Duration {
    let exponent = (tries - 1).clamp(0, 20) as u32;
    let wait = config
        .base_backoff
        .saturating_mul(1 << exponent)
        .min(config.max_backoff);
    let mut byte = [0u8; 1];
    let _ = getrandom::fill(&mut byte);
    let factor = 0.75 + f64::from(byte[0]) / 255.0 * 0.5;
    wait.mul_f64(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter() {
        let config = DeliveryConfig {
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(60),
            ..DeliveryConfig::default()
        };
        for (tries, nominal) in [(1, 2.0), (2, 4.0), (3, 8.0), (10, 60.0)] {
            let wait = backoff(&config, tries).as_secs_f64();
            assert!(
                (nominal * 0.75..=nominal * 1.25).contains(&wait),
                "{tries}: {wait}"
            );
        }
    }
}
