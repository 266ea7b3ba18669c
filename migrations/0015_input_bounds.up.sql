-- The bounds of every stored quantity (internal/validate/bounds.go explains
-- them and why no sum over them can overflow), held by the database too.
-- Rows stored before the bounds existed are clamped to the nearest bound
-- first (a value that is not a number becomes 0), so pages that sum or
-- average them answer again; the clamp is not audited, it repairs input that
-- should never have been accepted.

UPDATE goals SET baseline = CASE WHEN baseline = 'NaN' THEN 0 ELSE greatest(least(baseline, 1e12), -1e12) END
 WHERE baseline = 'NaN' OR abs(baseline) > 1e12;
UPDATE goals SET target = CASE WHEN target = 'NaN' THEN 0 ELSE greatest(least(target, 1e12), -1e12) END
 WHERE target = 'NaN' OR abs(target) > 1e12;
UPDATE measurements SET value = CASE WHEN value = 'NaN' THEN 0 ELSE greatest(least(value, 1e12), -1e12) END
 WHERE value = 'NaN' OR abs(value) > 1e12;
UPDATE requirements SET estimate_days = CASE WHEN estimate_days = 'NaN' THEN 0 ELSE least(estimate_days, 36499) END
 WHERE estimate_days = 'NaN' OR estimate_days >= 36500;
UPDATE change_requests SET schedule_days = greatest(least(schedule_days, 36499), -36499)
 WHERE abs(schedule_days::bigint) >= 36500;
UPDATE change_requests SET cost = CASE WHEN cost = 'NaN' THEN 0 ELSE greatest(least(cost, 9999999999999), -9999999999999) END
 WHERE cost = 'NaN' OR abs(cost) >= 1e13;
UPDATE change_requests SET effort_days = CASE WHEN effort_days = 'NaN' THEN 0 ELSE greatest(least(effort_days, 36499), -36499) END
 WHERE effort_days = 'NaN' OR abs(effort_days) >= 36500;
UPDATE budget_lines SET planned = CASE WHEN planned = 'NaN' THEN 0 ELSE least(planned, 9999999999999) END
 WHERE planned = 'NaN' OR planned >= 1e13;
UPDATE spend_entries SET amount = CASE WHEN amount = 'NaN' THEN 0 ELSE greatest(least(amount, 9999999999999), -9999999999999) END
 WHERE amount = 'NaN' OR abs(amount) >= 1e13;

-- NaN compares greater than every number in PostgreSQL, so "abs(x) <= bound"
-- refuses it as well as the infinities.
ALTER TABLE goals
    ADD CONSTRAINT goals_baseline_bounds CHECK (abs(baseline) <= 1e12),
    ADD CONSTRAINT goals_target_bounds CHECK (abs(target) <= 1e12);
ALTER TABLE measurements
    ADD CONSTRAINT measurements_value_bounds CHECK (abs(value) <= 1e12);
ALTER TABLE requirements
    ADD CONSTRAINT requirements_estimate_bounds CHECK (estimate_days < 36500);
ALTER TABLE change_requests
    ADD CONSTRAINT change_requests_schedule_bounds CHECK (schedule_days > -36500 AND schedule_days < 36500),
    ADD CONSTRAINT change_requests_cost_bounds CHECK (abs(cost) < 1e13),
    ADD CONSTRAINT change_requests_effort_bounds CHECK (abs(effort_days) < 36500);
ALTER TABLE budget_lines
    ADD CONSTRAINT budget_lines_planned_bounds CHECK (planned < 1e13);
ALTER TABLE spend_entries
    ADD CONSTRAINT spend_entries_amount_bounds CHECK (abs(amount) < 1e13);
