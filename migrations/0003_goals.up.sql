-- Measurable goals and their dated measurements.

CREATE TABLE goals (
    id         bigserial PRIMARY KEY,
    project_id bigint           NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title      text             NOT NULL,
    metric     text             NOT NULL,
    unit       text             NOT NULL DEFAULT '',
    baseline   double precision NOT NULL,
    target     double precision NOT NULL,
    direction  text             NOT NULL CHECK (direction IN ('increase', 'decrease')),
    category   text             NOT NULL CHECK (category IN ('business', 'adoption', 'data_quality', 'efficiency')),
    start_on   date             NOT NULL,
    due_on     date             NOT NULL,
    owner_id   bigint           NOT NULL REFERENCES users (id),
    notes      text             NOT NULL DEFAULT '',
    version    integer          NOT NULL DEFAULT 1,
    created_at timestamptz      NOT NULL DEFAULT now(),
    updated_at timestamptz      NOT NULL DEFAULT now(),
    CHECK (due_on >= start_on)
);
CREATE INDEX goals_project_idx ON goals (project_id, due_on, id);
CREATE INDEX goals_owner_idx ON goals (owner_id);

CREATE TABLE measurements (
    id          bigserial PRIMARY KEY,
    goal_id     bigint           NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    value       double precision NOT NULL,
    measured_on date             NOT NULL,
    note        text             NOT NULL DEFAULT '',
    source      text             NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'import', 'api')),
    entered_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz      NOT NULL DEFAULT now()
);
-- The latest measurement of a goal, and its recent ones, are read on every goal list.
CREATE INDEX measurements_goal_idx ON measurements (goal_id, measured_on DESC, id DESC);
