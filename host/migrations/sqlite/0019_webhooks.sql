-- Webhooks and their outbox. A notify-webhook firing writes its delivery row in the ticket
-- write's transaction; the delivery worker sends it after commit and records each attempt.
-- The secret signs deliveries, so it is kept as is (it is shown to admins once, at creation).
CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    endpoint    TEXT NOT NULL,
    secret      TEXT NOT NULL,
    active      BIGINT NOT NULL,
    headers     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- status: queued, delivered or dead. A worker claims a due queued delivery by setting
-- lease_until; a worker that dies leaves a lease that expires, and the delivery is claimed again.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id       BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    ticket_id        BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL,
    tries            BIGINT NOT NULL,
    last_status      BIGINT,
    last_error       TEXT,
    next_attempt_at  BIGINT,
    lease_until      BIGINT,
    created_at       BIGINT NOT NULL,
    delivered_at     BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'queued';
CREATE INDEX webhook_deliveries_by_ticket ON webhook_deliveries (ticket_id, id);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
