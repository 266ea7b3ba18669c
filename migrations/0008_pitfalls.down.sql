DROP TABLE IF EXISTS health_snapshots, pitfall_assessments;
ALTER TABLE projects DROP COLUMN IF EXISTS pitfall_thresholds;
