-- The requirement backlog: ranked, tiered, phased, traced to goals.

CREATE TABLE requirements (
    id                  bigserial PRIMARY KEY,
    project_id          bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    number              integer     NOT NULL,
    title               text        NOT NULL,
    user_story          text        NOT NULL DEFAULT '',
    acceptance_criteria text[]      NOT NULL DEFAULT '{}',
    tier                text        NOT NULL CHECK (tier IN ('must', 'important', 'optional')),
    -- One total order per project. Ranks are spaced integers: a move takes the
    -- midpoint of its neighbours, and only when there is no room left is the
    -- backlog renumbered, in one statement.
    rank                bigint      NOT NULL,
    phase_id            bigint      REFERENCES phases (id) ON DELETE SET NULL,
    kind                text        NOT NULL CHECK (kind IN ('process', 'feature', 'report', 'integration', 'data_migration', 'training', 'change_management', 'other')),
    approach            text        NOT NULL CHECK (approach IN ('configuration', 'customization')),
    owner_id            bigint      REFERENCES users (id),
    status              text        NOT NULL CHECK (status IN ('proposed', 'approved', 'in_progress', 'done', 'rejected', 'deferred')),
    estimate_days       double precision CHECK (estimate_days >= 0),
    version             integer     NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT requirements_number_key UNIQUE (project_id, number),
    CONSTRAINT requirements_rank_key UNIQUE (project_id, rank) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX requirements_tier_idx ON requirements (project_id, tier, rank);
CREATE INDEX requirements_phase_idx ON requirements (project_id, phase_id, rank);
CREATE INDEX requirements_owner_idx ON requirements (owner_id);

CREATE TABLE requirement_goals (
    requirement_id bigint NOT NULL REFERENCES requirements (id) ON DELETE CASCADE,
    goal_id        bigint NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    PRIMARY KEY (requirement_id, goal_id)
);
CREATE INDEX requirement_goals_goal_idx ON requirement_goals (goal_id);

-- The churn chart counts requirement entries of the trail by week.
CREATE INDEX audit_project_entity_at_idx ON audit_entries (project_id, entity, at);
