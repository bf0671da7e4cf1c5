//! An inbound email read into what the desk needs: the sender, the subject, the text (HTML
//! turned into text when there is no text part), the thread it belongs to, whether a machine
//! sent it, and its attachments. Parsed by mail-parser (MIME, encodings, RFC 2047 headers,
//! legacy charsets), never by hand.

use mail_parser::{HeaderValue, MessageParser, MimeHeaders};

use crate::domain::ticket::MAX_COMMENT_BYTES;
use crate::store::NewAttachment;

/// Largest attachment kept, in bytes; larger ones are recorded in the text as left out.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// An inbound email, read.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundEmail {
    /// Without angle brackets.
    pub message_id: Option<String>,
    pub from_address: String,
    pub from_name: Option<String>,
    /// The first address it was sent to (the support address).
    pub to_address: Option<String>,
    pub subject: String,
    /// The text for the ticket: the text part, else the HTML part as text.
    pub text: String,
    /// Message-IDs this one answers (In-Reply-To, then References, newest first).
    pub replies_to: Vec<String>,
    /// Why a machine sent it (auto-reply, bounce, bulk), when one did.
    pub automatic: Option<String>,
    pub attachments: Vec<NewAttachment>,
}

/// Why a message could not be taken in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MalformedEmail(pub String);

fn malformed(reason: impl Into<String>) -> MalformedEmail {
    MalformedEmail(reason.into())
}

/// Reads a raw RFC 5322 message.
pub fn read(raw: &[u8]) -> Result<InboundEmail, MalformedEmail> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(malformed(
            "the message is empty: send the raw RFC 5322 message",
        ));
    }
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| malformed("this is not an RFC 5322 message"))?;
    if message.headers().is_empty() {
        return Err(malformed(
            "the message has no headers: send the raw RFC 5322 message",
        ));
    }
    let sender = message
        .from()
        .and_then(|from| from.first())
        .ok_or_else(|| malformed("the message has no sender: it needs a From header"))?;
    let from_address = sender
        .address()
        .map(str::trim)
        .filter(|address| address.contains('@'))
        .ok_or_else(|| malformed("the From header holds no email address"))?
        .to_string();
    let from_name = sender
        .name()
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_string);
    let to_address = message
        .to()
        .and_then(|to| to.first())
        .and_then(|to| to.address())
        .map(|address| address.trim().to_ascii_lowercase());
    let subject = message.subject().unwrap_or_default().trim().to_string();
    let mut text = message
        .body_text(0)
        .map(|text| text.replace("\r\n", "\n").trim().to_string())
        .unwrap_or_default();
    let mut attachments = Vec::new();
    for part in message.attachments() {
        let file_name = part.attachment_name().unwrap_or("attachment").to_string();
        let content_type = part
            .content_type()
            .map(|kind| match kind.subtype() {
                Some(subtype) => format!("{}/{subtype}", kind.ctype()),
                None => kind.ctype().to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".to_string());
        let content = part.contents();
        if content.len() > MAX_ATTACHMENT_BYTES {
            text.push_str(&format!(
                "\n\n[attachment {file_name} ({} bytes) left out: larger than {} MiB]",
                content.len(),
                MAX_ATTACHMENT_BYTES >> 20
            ));
            continue;
        }
        attachments.push(NewAttachment {
            file_name,
            content_type,
            content: content.to_vec(),
        });
    }
    if text.is_empty() && subject.is_empty() && attachments.is_empty() {
        return Err(malformed(
            "the message has neither a subject nor a text nor an attachment",
        ));
    }
    let mut replies_to = ids(message.in_reply_to());
    let mut references = ids(message.references());
    references.reverse();
    replies_to.extend(references);
    let automatic = automatic(&message, &from_address);
    Ok(InboundEmail {
        message_id: message.message_id().map(str::to_string),
        from_address,
        from_name,
        to_address,
        subject,
        text: truncated(text),
        replies_to,
        automatic,
        attachments,
    })
}

fn ids(value: &HeaderValue) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => vec![id.to_string()],
        HeaderValue::TextList(ids) => ids.iter().map(|id| id.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Why a machine sent the message (RFC 3834 `Auto-Submitted`, `Precedence`, the common
/// auto-responder headers, a delivery report or a mailer daemon), if one did. Such mail never
/// opens a ticket or creates a customer: answering it is how mail loops start.
fn automatic(message: &mail_parser::Message, from: &str) -> Option<String> {
    let header = |name: &str| {
        message
            .header_raw(name)
            .map(|value| value.trim().to_ascii_lowercase())
    };
    if let Some(value) = header("Auto-Submitted")
        && value != "no"
    {
        return Some(format!("Auto-Submitted: {value}"));
    }
    if let Some(value) = header("Precedence")
        && ["bulk", "junk", "list", "auto_reply"].contains(&value.as_str())
    {
        return Some(format!("Precedence: {value}"));
    }
    for name in ["X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"] {
        if header(name).is_some_and(|value| !value.is_empty() && value != "no") {
            return Some(format!("{name} is set"));
        }
    }
    let local = from
        .split('@')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if local == "mailer-daemon" || local == "postmaster" {
        return Some(format!("sent by {from}"));
    }
    if message.content_type().is_some_and(|kind| {
        kind.ctype().eq_ignore_ascii_case("multipart")
            && kind
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    }) {
        return Some("a delivery report (multipart/report)".to_string());
    }
    None
}

/// The text cut to what a comment holds, at a character boundary, saying so.
fn truncated(mut text: String) -> String {
    const NOTE: &str = "\n\n[the rest of the message was cut: it is longer than a comment holds]";
    if text.len() <= MAX_COMMENT_BYTES {
        return text;
    }
    let mut end = MAX_COMMENT_BYTES - NOTE.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str(NOTE);
    text
}

/// The ticket number a subject names as `[#123]`, as the desk's own replies carry it.
pub fn ticket_in_subject(subject: &str) -> Option<i64> {
    let start = subject.find("[#")? + 2;
    let rest = &subject[start..];
    let end = rest.find(']')?;
    rest[..end].trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_names_its_ticket() {
        assert_eq!(ticket_in_subject("Re: Late order [#42]"), Some(42));
        assert_eq!(ticket_in_subject("[#7] Re: x"), Some(7));
        assert_eq!(ticket_in_subject("Order #42"), None);
        assert_eq!(ticket_in_subject("[#abc]"), None);
    }

    #[test]
    fn a_long_text_is_cut_at_a_character_boundary() {
        let text = "é".repeat(MAX_COMMENT_BYTES);
        let cut = truncated(text);
        assert!(cut.len() <= MAX_COMMENT_BYTES);
        assert!(cut.ends_with("than a comment holds]"));
    }
}
