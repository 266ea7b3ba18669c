-- The risk register: risks scored probability × impact (1–5 each), with an
-- optional residual assessment after mitigation, and dated reviews that move
-- the current score. Keys (CRM-R-7) come from projects.risk_seq.

CREATE TABLE risks (
    id                   bigserial PRIMARY KEY,
    project_id           bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    number               integer     NOT NULL,
    title                text        NOT NULL,
    description          text        NOT NULL DEFAULT '',
    category             text        NOT NULL CHECK (category IN ('data_migration', 'integration', 'adoption', 'vendor',
                                         'scope', 'schedule', 'budget', 'data_quality', 'security', 'other')),
    probability          smallint    NOT NULL CHECK (probability BETWEEN 1 AND 5),
    impact               smallint    NOT NULL CHECK (impact BETWEEN 1 AND 5),
    -- The assessment when the risk was identified: the first point of its score history.
    initial_probability  smallint    NOT NULL CHECK (initial_probability BETWEEN 1 AND 5),
    initial_impact       smallint    NOT NULL CHECK (initial_impact BETWEEN 1 AND 5),
    residual_probability smallint CHECK (residual_probability BETWEEN 1 AND 5),
    residual_impact      smallint CHECK (residual_impact BETWEEN 1 AND 5),
    owner_id             bigint      NOT NULL REFERENCES users (id),
    mitigation           text        NOT NULL DEFAULT '',
    contingency          text        NOT NULL DEFAULT '',
    "trigger"            text        NOT NULL DEFAULT '',
    status               text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'mitigating', 'closed', 'occurred')),
    identified_on        date        NOT NULL,
    next_review_on       date,
    -- The milestone the risk threatens; the milestones migration adds the foreign key.
    milestone_id         bigint,
    version              integer     NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, number),
    CHECK ((residual_probability IS NULL) = (residual_impact IS NULL))
);
CREATE INDEX risks_owner_idx ON risks (owner_id);
CREATE INDEX risks_review_idx ON risks (project_id, next_review_on);

CREATE TABLE risk_reviews (
    id          bigserial PRIMARY KEY,
    risk_id     bigint      NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    reviewed_on date        NOT NULL,
    reviewer_id bigint REFERENCES users (id) ON DELETE SET NULL,
    note        text        NOT NULL DEFAULT '',
    probability smallint    NOT NULL CHECK (probability BETWEEN 1 AND 5),
    impact      smallint    NOT NULL CHECK (impact BETWEEN 1 AND 5),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX risk_reviews_risk_idx ON risk_reviews (risk_id, reviewed_on, id);
