DROP TRIGGER IF EXISTS health_snapshots_revision ON health_snapshots;
DROP FUNCTION IF EXISTS bump_project_revision_on_snapshot();
DROP TRIGGER IF EXISTS audit_entries_revision ON audit_entries;
DROP FUNCTION IF EXISTS bump_project_revision();
ALTER TABLE projects DROP COLUMN IF EXISTS revision;
