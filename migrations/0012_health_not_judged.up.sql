-- A day's health may be "not enough data to judge": no score that day.
ALTER TABLE health_snapshots ALTER COLUMN score DROP NOT NULL;
