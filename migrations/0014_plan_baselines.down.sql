DROP TABLE IF EXISTS baseline_dates;
DROP TABLE IF EXISTS plan_baselines;
