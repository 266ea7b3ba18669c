-- Baselines of the plan: every milestone's planned date at a moment, named
-- and dated. One is taken when a gate is decided and whenever a project
-- manager asks; slip is measured against the one the reader chooses. A
-- milestone created after a baseline simply has no date in it.

CREATE TABLE plan_baselines (
    id         bigserial PRIMARY KEY,
    project_id bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    label      text        NOT NULL DEFAULT '',
    source     text        NOT NULL CHECK (source IN ('gate', 'manual')),
    review_id  bigint      REFERENCES gate_reviews (id) ON DELETE SET NULL,
    taken_by   bigint      REFERENCES users (id) ON DELETE SET NULL,
    taken_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plan_baselines_project_idx ON plan_baselines (project_id, taken_at DESC, id DESC);

CREATE TABLE baseline_dates (
    baseline_id  bigint NOT NULL REFERENCES plan_baselines (id) ON DELETE CASCADE,
    milestone_id bigint NOT NULL REFERENCES milestones (id) ON DELETE CASCADE,
    planned_on   date   NOT NULL,
    PRIMARY KEY (baseline_id, milestone_id)
);
CREATE INDEX baseline_dates_milestone_idx ON baseline_dates (milestone_id);
