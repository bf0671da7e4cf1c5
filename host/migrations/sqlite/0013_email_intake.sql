-- Email intake. `email_messages`: every Message-ID taken in, with its ticket, so that a reply
-- (In-Reply-To / References) threads onto its ticket and the same message twice is taken once.
-- `attachments`: what inbound mail carried, with its content (bounded in size) and SHA-256.
CREATE TABLE email_messages (
    message_id TEXT PRIMARY KEY,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX email_messages_by_ticket ON email_messages (ticket_id);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id    BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BLOB NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX attachments_by_ticket ON attachments (ticket_id, id);
