-- Organizations, their email domains, customers and settings (SQLite).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE organizations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE organization_domains (
    domain          TEXT PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE INDEX organization_domains_by_organization ON organization_domains (organization_id);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    email           TEXT UNIQUE,
    email_domain    TEXT,
    phone           TEXT UNIQUE,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL,
    organization_id BIGINT REFERENCES organizations (id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX users_by_email_domain ON users (email_domain) WHERE organization_id IS NULL;
CREATE INDEX users_by_organization ON users (organization_id);
