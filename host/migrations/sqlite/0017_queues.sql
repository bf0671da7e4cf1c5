-- Call queues: a trigger routes a call to one by name (set-queue); the call is forwarded to its
-- SIP URI. At most one is the default, for calls no trigger routed.
CREATE TABLE queues (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL UNIQUE,
    sip_uri      TEXT NOT NULL,
    description  TEXT NOT NULL,
    active       BIGINT NOT NULL,
    is_default   BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX queues_one_default ON queues (is_default) WHERE is_default = 1;
