-- Zendesk's submitter_id: who submitted a ticket (the comment's author, the token's owner or
-- the requester). Tickets from before it were submitted by their requesters.
ALTER TABLE tickets ADD COLUMN submitter_id BIGINT REFERENCES users (id) ON DELETE SET NULL;
UPDATE tickets SET submitter_id = requester_id;
