-- Incremental exports read tickets and users in the order they last changed.
CREATE INDEX tickets_by_update ON tickets (updated_at, id);
CREATE INDEX users_by_update ON users (updated_at, id);
