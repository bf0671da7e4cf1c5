-- Installed plugins (SQLite). The component itself is stored, so a restart (or another node)
-- runs exactly what the admin uploaded; the content hash names that code in the audit.
CREATE TABLE plugins (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL UNIQUE,
    version         TEXT NOT NULL,
    content_hash    TEXT NOT NULL,
    component       BLOB NOT NULL,
    config          TEXT NOT NULL,
    granted_hosts   TEXT NOT NULL,
    enabled         BIGINT NOT NULL,
    disabled_reason TEXT,
    bundled         BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- Each trigger of each plugin: whether it runs and where in the desk-wide order.
CREATE TABLE plugin_triggers (
    plugin_id   BIGINT NOT NULL REFERENCES plugins (id) ON DELETE CASCADE,
    trigger_key TEXT NOT NULL,
    active      BIGINT NOT NULL,
    position    BIGINT NOT NULL,
    PRIMARY KEY (plugin_id, trigger_key)
);

-- A plugin's failure count reads its audit rows.
CREATE INDEX rule_runs_by_plugin ON rule_runs (plugin, outcome);
