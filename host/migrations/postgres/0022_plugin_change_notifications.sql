-- Replicas hear of changes at once: any change to what the engine loads (an upload,
-- configuration, grant, enable/disable, trigger switch, reorder, delete, auto-disable) or to the
-- webhooks plugins name sends NOTIFY wasmdesk_changes with the schema's name, on commit.
-- Replicas LISTEN, reload their plugins and forget the webhooks they know; their periodic check
-- stays as the fallback for a notification missed while reconnecting.
-- (A failure streak's count is not a change: failing_writes is not among the columns.)
CREATE FUNCTION wasmdesk_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('wasmdesk_changes', current_schema());
    RETURN NULL;
END
$$;
CREATE TRIGGER plugins_added_or_deleted AFTER INSERT OR DELETE ON plugins
    FOR EACH STATEMENT EXECUTE FUNCTION wasmdesk_changed();
CREATE TRIGGER plugins_changed
    AFTER UPDATE OF content_hash, config, granted_hosts, enabled, disabled_reason, updated_at ON plugins
    FOR EACH STATEMENT EXECUTE FUNCTION wasmdesk_changed();
CREATE TRIGGER plugin_triggers_changed AFTER INSERT OR UPDATE OR DELETE ON plugin_triggers
    FOR EACH STATEMENT EXECUTE FUNCTION wasmdesk_changed();
CREATE TRIGGER webhooks_changed AFTER INSERT OR UPDATE OR DELETE ON webhooks
    FOR EACH STATEMENT EXECUTE FUNCTION wasmdesk_changed();
