-- The pitfall checklist per project, its thresholds, and daily health snapshots.

CREATE TABLE pitfall_assessments (
    project_id     bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    code           text        NOT NULL CHECK (code ~ '^(P(0[1-9]|10)|SYM)$'),
    status         text        NOT NULL DEFAULT 'not_assessed' CHECK (status IN ('not_assessed', 'clear', 'at_risk', 'fallen_in')),
    answers        jsonb       NOT NULL DEFAULT '[]',
    notes          text        NOT NULL DEFAULT '',
    owner_id       bigint      REFERENCES users (id) ON DELETE SET NULL,
    next_review_on date,
    version        integer     NOT NULL DEFAULT 1,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, code)
);

ALTER TABLE projects ADD COLUMN pitfall_thresholds jsonb NOT NULL DEFAULT '{}';

CREATE TABLE health_snapshots (
    project_id bigint  NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    day        date    NOT NULL,
    score      integer NOT NULL CHECK (score BETWEEN 0 AND 100),
    breakdown  jsonb   NOT NULL,
    PRIMARY KEY (project_id, day)
);
