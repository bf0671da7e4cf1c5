//! Webhook deliveries: each is a signed HTTP POST to the webhook's endpoint.
//!
//! Network errors, timeouts, 408, 429 (honouring `Retry-After`) and 5xx are retried; any other
//! answer makes the delivery dead (an admin may retry it). Each request is signed the way Zendesk
//! signs webhooks, under our header names: `X-Wasmdesk-Webhook-Signature` is
//! base64(HMAC-SHA256(secret, timestamp + body)), with the timestamp (RFC 3339) in
//! `X-Wasmdesk-Webhook-Signature-Timestamp`. `X-Wasmdesk-Delivery-Id` lets a receiver drop a
//! repeat.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{Courier, DeliveryConfig, failed_attempt};
use crate::domain::Timestamp;
use crate::store::{Attempt, AttemptNext, ClaimedDelivery, Outbox, Store, StoreError};

/// Sends webhook deliveries over HTTP.
#[derive(Clone)]
pub(super) struct WebhookCourier {
    client: reqwest::Client,
}

impl WebhookCourier {
    pub(super) fn new(config: &DeliveryConfig) -> WebhookCourier {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("wasmdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client with rustls");
        WebhookCourier { client }
    }
}

impl Courier for WebhookCourier {
    type Item = ClaimedDelivery;
    const OUTBOX: Outbox = Outbox::Webhooks;
    const WHAT: &'static str = "webhook deliveries";

    async fn claim(
        &self,
        store: &Store,
        config: &DeliveryConfig,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        store.claim_deliveries(config.batch, config.lease).await
    }

    fn id(delivery: &ClaimedDelivery) -> i64 {
        delivery.id
    }

    async fn send(&self, delivery: &ClaimedDelivery, config: &DeliveryConfig) -> Attempt {
        send(&self.client, delivery, config).await
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
        failed_attempt(
            config,
            delivery.tries,
            delivery.created_at,
            status,
            error,
            at_least,
        )
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
}
