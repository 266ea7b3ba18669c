DROP INDEX milestones_project_type_idx;
ALTER TABLE phases DROP COLUMN wave;
ALTER TABLE milestones DROP COLUMN readiness;
ALTER TABLE milestones DROP COLUMN type;
