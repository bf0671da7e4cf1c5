-- One audit per ticket write, in Zendesk's shape: what the request set or changed, its comment,
-- and what each trigger changed (events with a via naming plugin and trigger), committed with
-- the write. `via` and `events` are JSON.
CREATE TABLE ticket_audits (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id   BIGINT,
    via         TEXT NOT NULL,
    events      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX ticket_audits_by_ticket ON ticket_audits (ticket_id, id);
