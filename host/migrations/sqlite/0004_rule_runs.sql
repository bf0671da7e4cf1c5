-- The trigger engine's audit (SQLite): one row per trigger that fired or failed on a ticket
-- write, committed with the write. Plugins are referenced by name and content hash, not by a
-- foreign key, so the rows outlive a deleted plugin.
CREATE TABLE rule_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id    BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    plugin       TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    trigger_key  TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    actions      TEXT NOT NULL,
    changes      TEXT NOT NULL,
    error        TEXT,
    fuel_used    BIGINT NOT NULL,
    elapsed_us   BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX rule_runs_by_ticket ON rule_runs (ticket_id, id);
