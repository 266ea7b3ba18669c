DROP INDEX IF EXISTS audit_project_entity_at_idx; DROP TABLE IF EXISTS requirement_goals, requirements;
