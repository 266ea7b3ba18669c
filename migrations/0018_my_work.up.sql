-- My work: a goal's measurement cadence, what each user marked done or read,
-- and the indexes behind each kind of work item (one query per page).

ALTER TABLE goals ADD COLUMN cadence text NOT NULL DEFAULT 'monthly'
    CHECK (cadence IN ('weekly', 'monthly', 'quarterly'));

-- An item marked done or read stays hidden while its due date is the one it
-- had when marked (a risk reviewed since, with a new review date, comes back).
CREATE TABLE work_reads (
    user_id   bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind      text        NOT NULL CHECK (kind IN ('vote', 'gate_decision', 'apply', 'risk_review', 'measurement',
                                                   'condition', 'requirement', 'mention')),
    item_id   bigint      NOT NULL,
    due_on    date,
    marked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind, item_id)
);

-- Votes waiting and requests to apply: by state across the caller's projects.
CREATE INDEX change_requests_open_idx ON change_requests (project_id, status) WHERE status IN ('submitted', 'approved');
-- Gate reviews waiting for a decision, by who is invited.
CREATE INDEX gate_reviews_pending_invited_idx ON gate_reviews USING gin (invited) WHERE decision IS NULL;
-- Open action items by owner.
CREATE INDEX review_actions_open_owner_idx ON review_actions (owner_id, due_on) WHERE status = 'open';
-- Active risks by owner and review date.
CREATE INDEX risks_owner_review_idx ON risks (owner_id, next_review_on) WHERE status IN ('open', 'mitigating');
-- Proposed requirements by owner.
CREATE INDEX requirements_owner_status_idx ON requirements (owner_id, status);
