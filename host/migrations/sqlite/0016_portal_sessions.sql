-- Portal sessions: a customer registered on the portal holds a session token (shown once, kept
-- only as its SHA-256 hash) that lets them open requests as themselves. Deleting the customer
-- ends their sessions.
CREATE TABLE portal_sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    secret_hash  TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL
);
CREATE INDEX portal_sessions_by_user ON portal_sessions (user_id);
