//! Agent notifications: each is one plain-text email to its recipients, handed to the operator's
//! SMTP relay (`smtp_relay` in `wasmdesk.toml`).
//!
//! A relay that cannot be reached, times out or answers 4xx (transient) is retried; a 5xx
//! (permanent: an unknown mailbox, a refused sender) makes the notification dead, with the
//! relay's code and text kept for the admin, who may retry it after fixing the cause.

use std::fmt;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{Courier, DeliveryConfig, failed_attempt};
use crate::store::{Attempt, AttemptNext, ClaimedNotification, Outbox, Store, StoreError};

/// Where agent notifications go: the relay's URL and the sender they carry.
#[derive(Clone)]
pub struct MailRelay {
    /// As configured, with any password masked: for logs and errors.
    shown: String,
    builder: lettre::transport::smtp::AsyncSmtpTransportBuilder,
    from: Mailbox,
}

/// Why a relay configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MailRelayError {
    #[error(
        "smtp_relay {0:?} is not a relay URL: use smtp://host:port (STARTTLS when offered), \
         smtp://host:port?tls=required, or smtps://host:465, with user:password@ if the relay \
         wants a login ({1})"
    )]
    Url(String, String),
    #[error("notification_from {0:?} is not an email address like desk@example.com ({1})")]
    From(String, String),
}

impl MailRelay {
    /// A relay from its URL (`smtp://user:pass@host:587?tls=required`, `smtps://host`) and the
    /// sender address notifications carry.
    pub fn new(url: &str, from: &str) -> Result<MailRelay, MailRelayError> {
        let shown = match url::Url::parse(url) {
            Ok(mut parsed) if parsed.password().is_some() => {
                let _ = parsed.set_password(Some("***"));
                parsed.to_string()
            }
            _ => url.to_string(),
        };
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|error| MailRelayError::Url(shown.clone(), error.to_string()))?;
        let from = from
            .parse::<Mailbox>()
            .map_err(|error| MailRelayError::From(from.to_string(), error.to_string()))?;
        Ok(MailRelay {
            shown,
            builder,
            from,
        })
    }
}

impl fmt::Debug for MailRelay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailRelay")
            .field("url", &self.shown)
            .field("from", &self.from.to_string())
            .finish()
    }
}

/// Sends agent notifications through the relay.
#[derive(Clone)]
pub(super) struct MailCourier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl MailCourier {
    pub(super) fn new(relay: MailRelay, config: &DeliveryConfig) -> MailCourier {
        tracing::info!(relay = %relay.shown, from = %relay.from, "agent notifications go through the SMTP relay");
        MailCourier {
            transport: relay.builder.timeout(Some(config.timeout)).build(),
            from: relay.from,
        }
    }
}

impl Courier for MailCourier {
    type Item = ClaimedNotification;
    const OUTBOX: Outbox = Outbox::AgentEmails;
    const WHAT: &'static str = "agent notifications";

    async fn claim(
        &self,
        store: &Store,
        config: &DeliveryConfig,
    ) -> Result<Vec<ClaimedNotification>, StoreError> {
        store.claim_notifications(config.batch, config.lease).await
    }

    fn id(notification: &ClaimedNotification) -> i64 {
        notification.id
    }

    async fn send(&self, notification: &ClaimedNotification, config: &DeliveryConfig) -> Attempt {
        let dead = |status: Option<u16>, error: String| Attempt {
            status,
            error: Some(error),
            next: AttemptNext::Dead,
        };
        let message = match message(&self.from, notification) {
            Ok(message) => message,
            // Only a recipient stored before its address became unreadable gets here.
            Err(error) => return dead(None, format!("could not write the email: {error}")),
        };
        match self.transport.send(message).await {
            Ok(response) => Attempt {
                status: Some(u16::from(response.code())),
                error: None,
                next: AttemptNext::Delivered,
            },
            Err(error) => {
                let status = error.status().map(u16::from);
                if error.is_permanent() {
                    dead(
                        status,
                        format!(
                            "the relay refused the email for good: {error}; fix the cause (the \
                             address, the relay's rules), then retry the notification"
                        ),
                    )
                } else {
                    let why = if error.is_timeout() {
                        format!(
                            "no answer from the relay within {} s",
                            config.timeout.as_secs_f64()
                        )
                    } else {
                        format!("the relay did not take the email: {error}")
                    };
                    failed_attempt(
                        config,
                        notification.tries,
                        notification.created_at,
                        status,
                        why,
                        Duration::ZERO,
                    )
                }
            }
        }
    }
}

/// The email: plain text, marked as sent by a machine so that auto-responders stay quiet. Its
/// `Message-ID` is the same on every try, so a mail system that got a repeat (at least once)
/// can tell.
fn message(from: &Mailbox, notification: &ClaimedNotification) -> Result<Message, String> {
    let message_id = format!(
        "<wasmdesk-notification-{}-{}@{}>",
        notification.id,
        notification.created_at.0,
        from.email.domain()
    );
    let mut builder = Message::builder()
        .from(from.clone())
        .message_id(Some(message_id))
        .subject(notification.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .header(AutoSubmitted)
        .header(TicketId(notification.ticket_id.to_string()));
    for recipient in &notification.recipients {
        let mailbox = recipient
            .parse::<Mailbox>()
            .map_err(|error| format!("{recipient:?}: {error}"))?;
        builder = builder.to(mailbox);
    }
    builder
        .body(notification.body.clone())
        .map_err(|error| error.to_string())
}

/// `Auto-Submitted: auto-generated` (RFC 3834).
#[derive(Clone)]
struct AutoSubmitted;

impl lettre::message::header::Header for AutoSubmitted {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

/// `X-Wasmdesk-Ticket-Id`: the ticket the notification is about, for agents' mail filters.
#[derive(Clone)]
struct TicketId(String);

impl lettre::message::header::Header for TicketId {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("X-Wasmdesk-Ticket-Id")
    }

    fn parse(value: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(TicketId(value.to_string()))
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.clone())
    }
}
