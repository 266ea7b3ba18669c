-- A per-project change counter, projects.revision (change_seq is the key
-- counter of change requests): the read models (dashboard figures, health,
-- phase summary, churn, milestone and risk roll-ups) are cached in each
-- Rollout process under (project, revision, day), so every write of a
-- project's data must move it on in the write's own transaction, whatever
-- instance made it.
--
-- Every write records an audit entry in its transaction (package audit), so
-- the counter moves with the entry: a trigger on audit_entries, which also
-- covers trail rows written by set-based loaders (demo LoadLarge). It is a
-- deferred constraint trigger, so the bump runs at commit, after the
-- transaction's other statements: a transaction that waits for it to lock
-- the row waits for no other row in turn (writes that lock the project row
-- themselves, the key counters and project-wide rules, hold it already).
-- A transaction-local setting makes it one UPDATE
-- per project per transaction, however many entries (an import of 5,000
-- requirements bumps once).
--
-- A person's name shows in the aggregates of every project they belong to
-- (risk owners, milestone owners): an edit of a user (an instance-wide entry)
-- bumps those projects.
--
-- Health snapshots are kept without an audit entry (the hourly job); the
-- trends show the kept scores of the days before today, so a snapshot that
-- is new or changes a score bumps the revision too (a job that keeps the
-- same score again changes nothing and bumps nothing).
ALTER TABLE projects ADD COLUMN revision bigint NOT NULL DEFAULT 1;

CREATE FUNCTION bump_project_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.project_id IS NOT NULL THEN
        IF coalesce(current_setting('rollout.changed_' || NEW.project_id, true), '') <> '1' THEN
            PERFORM set_config('rollout.changed_' || NEW.project_id, '1', true);
            UPDATE projects SET revision = revision + 1 WHERE id = NEW.project_id;
        END IF;
    ELSIF NEW.entity = 'user' AND NEW.action <> 'create' AND NEW.entity_id ~ '^[0-9]+$' THEN
        UPDATE projects SET revision = revision + 1
        WHERE id IN (SELECT m.project_id FROM members AS m WHERE m.user_id = NEW.entity_id::bigint);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER audit_entries_revision AFTER INSERT ON audit_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_project_revision();

CREATE FUNCTION bump_project_revision_on_snapshot() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR OLD.score IS DISTINCT FROM NEW.score THEN
        UPDATE projects SET revision = revision + 1 WHERE id = NEW.project_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER health_snapshots_revision AFTER INSERT OR UPDATE ON health_snapshots
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_project_revision_on_snapshot();
