-- Customer types: a desk-defined list (e.g. vip, partner, trial) a customer has at most one of.
-- Deleting a type clears it from its customers (done by the store, in the delete's transaction).
CREATE TABLE customer_types (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL UNIQUE,
    description  TEXT NOT NULL,
    position     BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

ALTER TABLE users ADD COLUMN customer_type_id BIGINT REFERENCES customer_types (id);
CREATE INDEX users_by_customer_type ON users (customer_type_id);

-- The details panels' configuration: for each panel (customer, organization) the ordered list
-- of properties with whether each is shown, as JSON. No row: the default panel.
CREATE TABLE panels (
    name        TEXT PRIMARY KEY,
    properties  TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
