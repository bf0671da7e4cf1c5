-- Full records: phone, tags, external ids, notes; admin-defined custom fields and their values
-- (one row per value, indexed by field for "field = V" and "field > N" searches); groups and
-- their agents; tickets and comments. (SQLite)
-- Booleans are 0/1 integers: one encoding that both databases read the same way.
-- Value tables are WITHOUT ROWID: the primary key is the table, one b-tree less per value.
ALTER TABLE users ADD COLUMN external_id TEXT;
ALTER TABLE users ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
CREATE UNIQUE INDEX users_by_external_id ON users (external_id);

ALTER TABLE organizations ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';

CREATE TABLE user_fields (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    key                   TEXT NOT NULL UNIQUE,
    type                  TEXT NOT NULL,
    title                 TEXT NOT NULL,
    description           TEXT NOT NULL,
    active                BIGINT NOT NULL CHECK (active IN (0, 1)),
    position              BIGINT NOT NULL,
    options               TEXT NOT NULL,
    regexp_for_validation TEXT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);

CREATE TABLE organization_fields (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    key                   TEXT NOT NULL UNIQUE,
    type                  TEXT NOT NULL,
    title                 TEXT NOT NULL,
    description           TEXT NOT NULL,
    active                BIGINT NOT NULL CHECK (active IN (0, 1)),
    position              BIGINT NOT NULL,
    options               TEXT NOT NULL,
    regexp_for_validation TEXT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);

-- `value` is the tagged JSON of the value (the truth); `text_value` / `number_value` are what
-- searches compare: dropdown tags, text, dates (YYYY-MM-DD sorts as text), checkboxes as
-- 'true'/'false'; integers and decimals as numbers. Each value is in one of the two (partial)
-- search indexes, not both.
CREATE TABLE user_field_values (
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    field_id     BIGINT NOT NULL REFERENCES user_fields (id) ON DELETE CASCADE,
    value        TEXT NOT NULL,
    text_value   TEXT,
    number_value REAL,
    PRIMARY KEY (user_id, field_id)
) WITHOUT ROWID;
CREATE INDEX user_field_values_by_text ON user_field_values (field_id, text_value, user_id) WHERE text_value IS NOT NULL;
CREATE INDEX user_field_values_by_number ON user_field_values (field_id, number_value, user_id) WHERE number_value IS NOT NULL;

CREATE TABLE organization_field_values (
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    field_id        BIGINT NOT NULL REFERENCES organization_fields (id) ON DELETE CASCADE,
    value           TEXT NOT NULL,
    text_value      TEXT,
    number_value    REAL,
    PRIMARY KEY (organization_id, field_id)
) WITHOUT ROWID;
CREATE INDEX organization_field_values_by_text ON organization_field_values (field_id, text_value, organization_id) WHERE text_value IS NOT NULL;
CREATE INDEX organization_field_values_by_number ON organization_field_values (field_id, number_value, organization_id) WHERE number_value IS NOT NULL;

CREATE TABLE agent_groups (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE group_memberships (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id   BIGINT NOT NULL REFERENCES agent_groups (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    UNIQUE (group_id, user_id)
);
CREATE INDEX group_memberships_by_user ON group_memberships (user_id);

CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    subject         TEXT NOT NULL,
    description     TEXT NOT NULL,
    status          TEXT NOT NULL,
    priority        TEXT,
    type            TEXT,
    channel         TEXT NOT NULL,
    requester_id    BIGINT NOT NULL REFERENCES users (id),
    organization_id BIGINT REFERENCES organizations (id) ON DELETE SET NULL,
    assignee_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    group_id        BIGINT REFERENCES agent_groups (id) ON DELETE SET NULL,
    queue           TEXT,
    tags            TEXT NOT NULL,
    custom_fields   TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX tickets_by_requester ON tickets (requester_id, id);
CREATE INDEX tickets_by_organization ON tickets (organization_id, id);
CREATE INDEX tickets_by_status ON tickets (status, id);
CREATE INDEX tickets_by_assignee ON tickets (assignee_id, id);
CREATE INDEX tickets_by_group ON tickets (group_id, id);

CREATE TABLE ticket_comments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    body       TEXT NOT NULL,
    public     BIGINT NOT NULL CHECK (public IN (0, 1)),
    created_at BIGINT NOT NULL
);
CREATE INDEX ticket_comments_by_ticket ON ticket_comments (ticket_id, id);
