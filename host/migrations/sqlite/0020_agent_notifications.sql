-- Agent notifications: the emails a notify-agents firing sends, queued in the ticket write's
-- transaction (the recipients resolved then) and sent after commit through the operator's SMTP
-- relay, with the webhook outbox's retries and leases. status: queued, delivered (the relay
-- accepted it) or dead; last_status is the relay's last SMTP reply code.
CREATE TABLE agent_notifications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id        BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    recipients       TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL,
    tries            BIGINT NOT NULL,
    last_error       TEXT,
    next_attempt_at  BIGINT,
    lease_until      BIGINT,
    created_at       BIGINT NOT NULL,
    last_status      BIGINT,
    delivered_at     BIGINT
);
CREATE INDEX agent_notifications_due ON agent_notifications (next_attempt_at) WHERE status = 'queued';
CREATE INDEX agent_notifications_by_ticket ON agent_notifications (ticket_id, id);
