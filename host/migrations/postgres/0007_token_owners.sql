-- A token may belong to a user (an agent or admin): Zendesk clients authenticate with
-- Basic base64("{email}/token:{secret}"), and the email must be the owner's. Deleting the user
-- revokes their tokens. Tokens made before this migration have no owner and work as Bearer only.
ALTER TABLE api_tokens ADD COLUMN owner_id BIGINT REFERENCES users(id) ON DELETE CASCADE;
CREATE INDEX api_tokens_owner ON api_tokens (owner_id);
