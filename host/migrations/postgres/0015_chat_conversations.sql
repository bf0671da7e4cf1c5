-- Chat intake: each conversation's ticket. The first message of a conversation opens the ticket;
-- the primary key makes two first messages arriving at once open one.
CREATE TABLE chat_conversations (
    conversation_id TEXT PRIMARY KEY,
    ticket_id       BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at      BIGINT NOT NULL
);
