ALTER TABLE spend_entries DROP CONSTRAINT IF EXISTS spend_entries_amount_bounds;
ALTER TABLE budget_lines DROP CONSTRAINT IF EXISTS budget_lines_planned_bounds;
ALTER TABLE change_requests
    DROP CONSTRAINT IF EXISTS change_requests_schedule_bounds,
    DROP CONSTRAINT IF EXISTS change_requests_cost_bounds,
    DROP CONSTRAINT IF EXISTS change_requests_effort_bounds;
ALTER TABLE requirements DROP CONSTRAINT IF EXISTS requirements_estimate_bounds;
ALTER TABLE measurements DROP CONSTRAINT IF EXISTS measurements_value_bounds;
ALTER TABLE goals
    DROP CONSTRAINT IF EXISTS goals_baseline_bounds,
    DROP CONSTRAINT IF EXISTS goals_target_bounds;
