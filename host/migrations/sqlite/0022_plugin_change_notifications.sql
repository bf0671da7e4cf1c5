-- On PostgreSQL this migration makes plugin changes NOTIFY the replicas. A SQLite database has
-- one server, which makes every change itself: nothing to do.
SELECT 1;
