//! Webhooks: where plugins' `notify-webhook` actions are delivered. An admin registers each
//! endpoint; a plugin names one (by name, or by an endpoint that must match an active webhook's),
//! never an arbitrary URL. Deliveries are signed with the webhook's secret and kept in an outbox
//! until the receiver takes them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Problems, Timestamp, named_enum};

/// Longest webhook name, in characters.
pub const MAX_WEBHOOK_NAME_CHARS: usize = 100;
/// Most custom headers a webhook sends.
pub const MAX_WEBHOOK_HEADERS: usize = 20;
/// Headers the desk sets itself, which a webhook's custom headers cannot replace.
pub const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "connection",
    "x-wasmdesk-webhook-signature",
    "x-wasmdesk-webhook-signature-timestamp",
    "x-wasmdesk-webhook-id",
    "x-wasmdesk-delivery-id",
];

/// An endpoint that receives deliveries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Webhook {
    pub id: i64,
    /// Unique; what a plugin's `notify-webhook` names.
    pub name: String,
    /// An absolute http(s) URL.
    pub endpoint: String,
    /// An inactive webhook is not delivered to: `notify-webhook` naming it is an invalid action.
    pub active: bool,
    /// Sent with every delivery (an API key the receiver expects, say).
    pub headers: BTreeMap<String, String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A webhook as a client sends it: name and endpoint to create one, any part to change one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookDraft {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub headers: Option<BTreeMap<String, String>>,
}

impl WebhookDraft {
    /// Trims and checks what is given.
    pub fn validate(mut self) -> Result<WebhookDraft, Problems> {
        let mut problems = Problems::default();
        if let Some(name) = &mut self.name {
            *name = name.trim().to_string();
            if name.is_empty() || name.chars().count() > MAX_WEBHOOK_NAME_CHARS {
                problems.add(
                    "name",
                    format!("must be 1 to {MAX_WEBHOOK_NAME_CHARS} characters"),
                );
            }
        }
        if let Some(endpoint) = &mut self.endpoint {
            *endpoint = endpoint.trim().to_string();
            let usable = url::Url::parse(endpoint)
                .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host());
            if !usable {
                problems.add(
                    "endpoint",
                    "must be an absolute http:// or https:// URL, like https://hooks.example.com/desk",
                );
            }
        }
        if let Some(headers) = &mut self.headers {
            if headers.len() > MAX_WEBHOOK_HEADERS {
                problems.add("headers", format!("at most {MAX_WEBHOOK_HEADERS} headers"));
            }
            let lowered: BTreeMap<String, String> = std::mem::take(headers)
                .into_iter()
                .map(|(name, value)| (name.trim().to_ascii_lowercase(), value))
                .collect();
            for (name, value) in &lowered {
                let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
                if name.is_empty() || !name.chars().all(token) {
                    problems.add(&format!("headers.{name}"), "is not a valid header name");
                } else if RESERVED_HEADERS.contains(&name.as_str()) {
                    problems.add(
                        &format!("headers.{name}"),
                        "is set by the desk itself and cannot be replaced",
                    );
                } else if !value.chars().all(|c| c == '\t' || (' '..='~').contains(&c)) {
                    problems.add(
                        &format!("headers.{name}"),
                        "must be visible ASCII text without line breaks",
                    );
                }
            }
            *headers = lowered;
        }
        problems.into_result(self)
    }
}

/// A webhook just created, with its signing secret, which is shown this once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedWebhook {
    pub webhook: Webhook,
    /// HMAC-SHA256 key of the signatures: store it with the receiver now.
    pub signing_secret: String,
}

named_enum! {
    /// Where a delivery stands.
    pub enum DeliveryStatus ("delivery status") {
        /// Waiting for its (next) attempt.
        Queued => "queued",
        /// The receiver answered 2xx.
        Delivered => "delivered",
        /// Given up: refused for good, too many tries or too old. An admin may retry it.
        Dead => "dead",
    }
}

/// One `notify-webhook` firing on its way to the receiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    pub ticket_id: i64,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub tries: i64,
    /// The receiver's last HTTP status, if it answered.
    pub last_status: Option<i64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it is tried next (queued deliveries).
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
    /// What is sent, as the plugin wrote it.
    pub body: String,
}
