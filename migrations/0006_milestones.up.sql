-- Milestones with deliverables, gate reviews with their frozen packs,
-- decisions and the action items (conditions) they set.

CREATE TABLE milestones (
    id          bigserial PRIMARY KEY,
    project_id  bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    phase_id    bigint      REFERENCES phases (id) ON DELETE SET NULL,
    name        text        NOT NULL,
    owner_id    bigint      REFERENCES users (id),
    planned_on  date        NOT NULL,
    forecast_on date,
    actual_on   date,
    is_gate     boolean     NOT NULL DEFAULT false,
    notes       text        NOT NULL DEFAULT '',
    version     integer     NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX milestones_project_idx ON milestones (project_id, planned_on, id);
CREATE INDEX milestones_phase_idx ON milestones (phase_id);

CREATE TABLE deliverables (
    id           bigserial PRIMARY KEY,
    milestone_id bigint      NOT NULL REFERENCES milestones (id) ON DELETE CASCADE,
    position     integer     NOT NULL,
    title        text        NOT NULL,
    done         boolean     NOT NULL DEFAULT false,
    done_by      bigint      REFERENCES users (id) ON DELETE SET NULL,
    done_at      timestamptz
);
CREATE INDEX deliverables_milestone_idx ON deliverables (milestone_id, position);

CREATE TABLE gate_reviews (
    id           bigserial PRIMARY KEY,
    project_id   bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    milestone_id bigint      NOT NULL REFERENCES milestones (id) ON DELETE CASCADE,
    scheduled_on date        NOT NULL,
    invited      bigint[]    NOT NULL DEFAULT '{}',
    decision     text CHECK (decision IN ('go', 'go_with_conditions', 'no_go', 'postponed')),
    attendees    bigint[]    NOT NULL DEFAULT '{}',
    notes        text        NOT NULL DEFAULT '',
    decided_by   bigint      REFERENCES users (id) ON DELETE SET NULL,
    decided_at   timestamptz,
    -- What the committee saw, frozen when the decision is recorded.
    pack         jsonb,
    version      integer     NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((decision IS NULL) = (pack IS NULL))
);
CREATE INDEX gate_reviews_project_idx ON gate_reviews (project_id, scheduled_on);
CREATE INDEX gate_reviews_milestone_idx ON gate_reviews (milestone_id);

CREATE TABLE review_actions (
    id        bigserial PRIMARY KEY,
    review_id bigint      NOT NULL REFERENCES gate_reviews (id) ON DELETE CASCADE,
    text      text        NOT NULL,
    owner_id  bigint      REFERENCES users (id) ON DELETE SET NULL,
    due_on    date,
    status    text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done'))
);
CREATE INDEX review_actions_review_idx ON review_actions (review_id, id);

-- The register left risks' milestone_id ready; now it can point somewhere.
ALTER TABLE risks ADD CONSTRAINT risks_milestone_fk
    FOREIGN KEY (milestone_id) REFERENCES milestones (id) ON DELETE SET NULL;
CREATE INDEX risks_milestone_idx ON risks (milestone_id);
