//! The built-in SMTP listener (`wasmdesk serve --smtp-listen`), for operators who point an MX or
//! a relay at the desk. The protocol is mailin's (a sans-IO SMTP state machine: it parses
//! commands and keeps the session's state, we do the I/O on tokio), so that the connection
//! loop, its limits and the reply to the end of DATA stay ours: `250` is sent only once the
//! message is committed, through the same path as `POST /api/v2/channels/email`.
//!
//! Mail is accepted only for the configured support addresses (others are refused at `RCPT
//! TO`, so the desk is no open relay) and up to a size limit (`552`). A message that cannot be
//! read gets a `554` and writes nothing; a database that failed a `451`, so the sender retries.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin::{Action, Handler, Response, SessionBuilder, response};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::{IntakeError, receive_email};
use crate::rules::Rules;
use crate::store::{Store, StoreError};

/// How long a client may stay silent before the connection is closed (RFC 5321 asks servers to
/// wait at least 5 minutes).
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// Longest line read: RFC 5321 allows 1,000 bytes; longer ones come from broken clients.
const MAX_LINE_BYTES: usize = 64 * 1024;

/// Largest message accepted unless configured (`smtp_max_message_bytes`).
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 25 * 1024 * 1024;

/// What the listener accepts.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// The name in the greeting.
    pub hostname: String,
    /// The support addresses mail is accepted for, in lower case.
    pub addresses: Vec<String>,
    /// Largest message accepted, in bytes.
    pub max_message_bytes: usize,
}

/// Serves SMTP on `listener` until the task is dropped, each connection on its own task.
pub async fn serve_smtp(listener: TcpListener, config: SmtpConfig, store: Store, rules: Rules) {
    let config = Arc::new(config);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "smtp: accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let (config, store, rules) = (config.clone(), store.clone(), rules.clone());
        tokio::spawn(async move {
            if let Err(error) = session(stream, peer, &config, &store, &rules).await {
                tracing::debug!(%error, %peer, "smtp: connection ended");
            }
        });
    }
}

/// The message of the current transaction, filled by the protocol handler.
#[derive(Default)]
struct Envelope {
    data: Vec<u8>,
    too_large: bool,
    /// The end of DATA was seen: the message is ready to take in.
    complete: bool,
}

struct Recipients {
    config: Arc<SmtpConfig>,
    envelope: Arc<Mutex<Envelope>>,
}

impl Handler for Recipients {
    fn rcpt(&mut self, to: &str) -> Response {
        let to = to
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_ascii_lowercase();
        if self.config.addresses.contains(&to) {
            response::OK
        } else {
            response::NO_MAILBOX
        }
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> Response {
        *self.envelope.lock().expect("not poisoned") = Envelope::default();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        let mut envelope = self.envelope.lock().expect("not poisoned");
        if envelope.data.len() + buf.len() > self.config.max_message_bytes {
            envelope.too_large = true;
        } else if !envelope.too_large {
            envelope.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.envelope.lock().expect("not poisoned").complete = true;
        // Not sent: the connection loop answers once the message is taken in.
        response::OK
    }
}

async fn session(
    stream: TcpStream,
    peer: SocketAddr,
    config: &Arc<SmtpConfig>,
    store: &Store,
    rules: &Rules,
) -> std::io::Result<()> {
    let envelope = Arc::new(Mutex::new(Envelope::default()));
    let handler = Recipients {
        config: config.clone(),
        envelope: envelope.clone(),
    };
    let mut session = SessionBuilder::new(config.hostname.clone()).build(peer.ip(), handler);
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    write(&mut writer, &session.greeting()).await?;
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = tokio::time::timeout(
            IDLE_TIMEOUT,
            (&mut reader)
                .take(MAX_LINE_BYTES as u64)
                .read_until(b'\n', &mut line),
        )
        .await;
        match read {
            Err(_) => {
                writer
                    .write_all(b"421 4.4.2 Idle too long, closing\r\n")
                    .await?;
                return Ok(());
            }
            Ok(Ok(0)) => return Ok(()),
            Ok(Ok(_)) if !line.ends_with(b"\n") => {
                writer.write_all(b"500 5.5.2 Line too long\r\n").await?;
                return Ok(());
            }
            Ok(Ok(_)) => {}
            Ok(Err(error)) => return Err(error),
        }
        let reply = session.process(&line);
        let finished = {
            let mut envelope = envelope.lock().expect("not poisoned");
            envelope.complete.then(|| std::mem::take(&mut *envelope))
        };
        if let Some(finished) = finished {
            let answer = take_in(finished, store, rules, peer.ip()).await;
            writer.write_all(answer.as_bytes()).await?;
            continue;
        }
        match reply.action {
            Action::NoReply => {}
            Action::Close => {
                write(&mut writer, &reply).await?;
                return Ok(());
            }
            Action::Reply | Action::UpgradeTls => write(&mut writer, &reply).await?,
        }
    }
}

async fn write(
    writer: &mut tokio::net::tcp::OwnedWriteHalf,
    reply: &Response,
) -> std::io::Result<()> {
    let mut bytes = Vec::new();
    reply.write_to(&mut bytes)?;
    writer.write_all(&bytes).await
}

/// The reply to a message's end of DATA, once it is taken in (or why not).
async fn take_in(envelope: Envelope, store: &Store, rules: &Rules, peer: IpAddr) -> String {
    if envelope.too_large {
        return "552 5.3.4 Message too big for this desk\r\n".to_string();
    }
    match receive_email(store, rules, &envelope.data).await {
        Ok(received) => {
            tracing::info!(%peer, outcome = %received.outcome, ticket = ?received.ticket_id, "smtp: message taken in");
            format!("250 2.0.0 OK: {}\r\n", received.outcome)
        }
        Err(IntakeError::Malformed(reason)) => format!("554 5.6.0 {}\r\n", one_line(&reason.0)),
        Err(IntakeError::Store(StoreError::Rejected(problems))) => {
            format!("554 5.6.0 {}\r\n", one_line(&problems.to_string()))
        }
        Err(IntakeError::Store(error)) => {
            tracing::error!(%error, %peer, "smtp: a message could not be stored; the sender will retry");
            "451 4.3.0 Temporary failure, try again later\r\n".to_string()
        }
    }
}

fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}
