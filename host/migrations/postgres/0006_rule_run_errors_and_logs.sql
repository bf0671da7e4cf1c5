-- The audit keeps what a program needs beside what a person reads: the plugin error's kind in
-- a column of its own, and the lines the plugin logged during the evaluation (JSON list,
-- bounded per call by the runtime). Desk-wide listings filter by plugin and trigger, or by
-- outcome, newest id last.
ALTER TABLE rule_runs ADD COLUMN error_kind TEXT;
ALTER TABLE rule_runs ADD COLUMN logs TEXT NOT NULL DEFAULT '[]';
CREATE INDEX rule_runs_by_plugin_trigger ON rule_runs (plugin, trigger_key, id);
CREATE INDEX rule_runs_by_outcome ON rule_runs (outcome, id);
