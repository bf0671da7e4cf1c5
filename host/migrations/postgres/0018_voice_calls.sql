-- Voice intake: each call's ticket. The call id makes a retried notification of the same call
-- answer with the same ticket instead of opening another.
CREATE TABLE voice_calls (
    call_id    TEXT PRIMARY KEY,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    ended_at   BIGINT
);
