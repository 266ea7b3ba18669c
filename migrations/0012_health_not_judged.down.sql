DELETE FROM health_snapshots WHERE score IS NULL;
ALTER TABLE health_snapshots ALTER COLUMN score SET NOT NULL;
