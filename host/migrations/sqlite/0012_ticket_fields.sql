-- Ticket field definitions (Zendesk's ticket_fields), so that ticket custom values are read and
-- checked like user and organization values. The values stay in the ticket row's
-- `custom_fields` (JSON by field key), which the trigger cycle reads and writes whole.
CREATE TABLE ticket_fields (
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
