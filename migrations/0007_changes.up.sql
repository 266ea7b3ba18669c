-- Change requests: what changes and why, its impact, the steering
-- committee's votes, and the structured operations it applies once approved.

ALTER TABLE projects
    ADD COLUMN change_approvals_needed integer NOT NULL DEFAULT 1 CHECK (change_approvals_needed BETWEEN 1 AND 20),
    ADD COLUMN change_rejection_rule   text    NOT NULL DEFAULT 'any' CHECK (change_rejection_rule IN ('any', 'majority'));

CREATE TABLE change_requests (
    id                   bigserial PRIMARY KEY,
    project_id           bigint           NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    number               integer          NOT NULL,
    title                text             NOT NULL,
    reason               text             NOT NULL DEFAULT '',
    description          text             NOT NULL DEFAULT '',
    expected_effect      text             NOT NULL DEFAULT '',
    requested_by         bigint           REFERENCES users (id) ON DELETE SET NULL,
    goal_ids             bigint[]         NOT NULL DEFAULT '{}',
    schedule_days        integer          NOT NULL DEFAULT 0,
    cost                 double precision NOT NULL DEFAULT 0,
    effort_days          double precision NOT NULL DEFAULT 0,
    affected_roles       text[]           NOT NULL DEFAULT '{}',
    affected_departments text[]           NOT NULL DEFAULT '{}',
    affected_note        text             NOT NULL DEFAULT '',
    operations           jsonb            NOT NULL DEFAULT '[]',
    status               text             NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'submitted', 'approved', 'rejected', 'withdrawn', 'implemented')),
    submitted_at         timestamptz,
    decided_at           timestamptz,
    -- Versions of the items the operations touch, as they were at approval:
    -- apply refuses when any of them moved on since.
    approved_versions    jsonb,
    applied_at           timestamptz,
    applied_by           bigint           REFERENCES users (id) ON DELETE SET NULL,
    apply_result         jsonb,
    version              integer          NOT NULL DEFAULT 1,
    created_at           timestamptz      NOT NULL DEFAULT now(),
    updated_at           timestamptz      NOT NULL DEFAULT now(),
    UNIQUE (project_id, number)
);
CREATE INDEX change_requests_project_idx ON change_requests (project_id, status, created_at DESC);
CREATE INDEX change_requests_requester_idx ON change_requests (requested_by);

CREATE TABLE change_votes (
    change_id bigint      NOT NULL REFERENCES change_requests (id) ON DELETE CASCADE,
    voter_id  bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    approve   boolean     NOT NULL,
    comment   text        NOT NULL DEFAULT '',
    voted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (change_id, voter_id)
);
