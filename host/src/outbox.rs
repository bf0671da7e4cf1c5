//! The webhook delivery worker: sends what the outbox holds after the ticket write that queued
//! it committed, so a receiver's slowness or failure never holds up a ticket write.
//!
//! At least once, in order per ticket: a delivery is claimed with a lease (see
//! [`Store::claim_deliveries`]), sent, and its attempt recorded; a worker that dies mid-delivery
//! leaves a lease that expires, and the delivery is sent again. Network errors, timeouts, 408,
//! 429 (honouring `Retry-After`) and 5xx are retried with exponential backoff and jitter; any
//! other answer, too many tries or too much age makes the delivery dead (an admin may retry it).
//!
//! Each request is signed the way Zendesk signs webhooks, under our header names:
//! `X-Wasmdesk-Webhook-Signature` is base64(HMAC-SHA256(secret, timestamp + body)), with the
//! timestamp (RFC 3339) in `X-Wasmdesk-Webhook-Signature-Timestamp`. `X-Wasmdesk-Delivery-Id`
//! lets a receiver drop a repeat.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::Timestamp;
use crate::store::{Attempt, AttemptNext, ClaimedDelivery, Store};

/// How the worker paces itself.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryConfig {
    /// How often it looks for due deliveries.
    pub poll_every: Duration,
    /// The wait before the second try; doubled for each later one.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Tries before a delivery is dead.
    pub max_tries: i64,
    /// Age past which a failed delivery is dead.
    pub max_age: Duration,
    /// How long a claimed delivery is this worker's: after it, another may send it.
    pub lease: Duration,
    /// How long one request may take.
    pub timeout: Duration,
    /// Deliveries claimed (and sent at once) per round.
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

/// Starts this process's delivery worker on the current tokio runtime.
pub fn start(store: Store, config: DeliveryConfig) -> tokio::task::JoinHandle<()> {
    tokio::spawn(work(store, config))
}

async fn work(store: Store, config: DeliveryConfig) {
    // A SQLite database has one process: leases left in it are a killed predecessor's, so its
    // deliveries need not wait for them to expire. (On PostgreSQL another replica may hold them.)
    if store.backend() == crate::store::Backend::Sqlite {
        match store.release_delivery_leases().await {
            Ok(0) => {}
            Ok(released) => tracing::info!(
                released,
                "took over webhook deliveries a stopped process had claimed"
            ),
            Err(error) => tracing::warn!(%error, "could not release old webhook delivery leases"),
        }
    }
    let client = reqwest::Client::builder()
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("wasmdesk/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("an HTTP client with rustls");
    loop {
        let claimed = match store.claim_deliveries(config.batch, config.lease).await {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::warn!(%error, "could not claim webhook deliveries");
                Vec::new()
            }
        };
        if claimed.is_empty() {
            tokio::time::sleep(config.poll_every).await;
            continue;
        }
        // Sent at once; one ticket's deliveries are never in the same round (see the store).
        let mut sends = tokio::task::JoinSet::new();
        for delivery in claimed {
            let (client, store) = (client.clone(), store.clone());
            sends.spawn(async move {
                let attempt = send(&client, &delivery, &config).await;
                if let Err(error) = store.record_attempt(delivery.id, attempt).await {
                    // The lease expires and the delivery is sent again: at least once.
                    tracing::warn!(%error, delivery = delivery.id, "could not record a webhook attempt");
                }
            });
        }
        while sends.join_next().await.is_some() {}
    }
}

/// The signature of `body` sent at `timestamp` with `secret`.
pub fn signature(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(timestamp.as_bytes());
    mac.update(body.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// One attempt: the request, and what to do next.
async fn send(
    client: &reqwest::Client,
    delivery: &ClaimedDelivery,
    config: &DeliveryConfig,
) -> Attempt {
    let timestamp = Timestamp::now().rfc3339();
    let mut request = client
        .post(&delivery.endpoint)
        .header("content-type", "application/json")
        .header("x-wasmdesk-webhook-id", delivery.webhook_id.to_string())
        .header("x-wasmdesk-delivery-id", delivery.id.to_string())
        .header("x-wasmdesk-webhook-signature-timestamp", &timestamp)
        .header(
            "x-wasmdesk-webhook-signature",
            signature(&delivery.secret, &timestamp, &delivery.body),
        )
        .body(delivery.body.clone());
    for (name, value) in &delivery.headers {
        request = request.header(name, value);
    }
    let retry = |status: Option<u16>, error: String, at_least: Duration| {
        let tries = delivery.tries + 1;
        let age = Timestamp::now().0 - delivery.created_at.0;
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
    };
    match request.send().await {
        Err(error) => {
            let why = if error.is_timeout() {
                format!("no answer within {} s", config.timeout.as_secs_f64())
            } else {
                format!("could not reach the endpoint: {error}")
            };
            retry(None, why, Duration::ZERO)
        }
        Ok(response) => {
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            match status {
                200..=299 => Attempt {
                    status: Some(status),
                    error: None,
                    next: AttemptNext::Delivered,
                },
                408 | 429 | 500..=599 => retry(
                    Some(status),
                    format!("the endpoint answered {status}"),
                    retry_after.unwrap_or_default().min(config.max_backoff),
                ),
                _ => Attempt {
                    status: Some(status),
                    error: Some(format!(
                        "the endpoint answered {status}, which is not retried; fix the receiver \
                         or the webhook, then retry the delivery"
                    )),
                    next: AttemptNext::Dead,
                },
            }
        }
    }
}

/// The wait after `tries` failed tries: `base · 2^(tries-1)`, capped, ±25% jitter so that
/// deliveries failing together do not retry together.
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
    fn the_signature_is_zendesks_scheme() {
        // HMAC-SHA256("secret", "2026-11-29T09:00:00Z" + "{}"), base64, computed independently
        // with: printf '2026-11-29T09:00:00Z{}' | openssl dgst -sha256 -hmac secret -binary | base64
        assert_eq!(signature("secret", "2026-11-29T09:00:00Z", "{}"), SIGNED);
    }

    const SIGNED: &str = "l8eI8p8SS/Lj9rELSUTEeiqQ6MQM7HBurqLOQRtksi0=";

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
