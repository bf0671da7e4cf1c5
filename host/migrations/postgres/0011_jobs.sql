-- Bulk requests (create_many and its family) run as jobs. `items` is the JSON array as the client
-- sent it; `author` (JSON) who asked. Each item's result row is committed in the same
-- transaction as the item's write, so a job resumes after a restart at the first item without a
-- result, and the primary key keeps two workers from writing one item twice.
CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    items       TEXT NOT NULL,
    total       BIGINT NOT NULL,
    author      TEXT NOT NULL,
    status      TEXT NOT NULL,
    message     TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX jobs_unfinished ON jobs (created_at) WHERE status IN ('queued', 'working');
CREATE INDEX jobs_by_creation ON jobs (created_at);

CREATE TABLE job_results (
    job_id   TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    result   TEXT NOT NULL,
    PRIMARY KEY (job_id, position)
);
