-- Budget lines (planned amounts by category) and actual spend.

CREATE TABLE budget_lines (
    id         bigserial PRIMARY KEY,
    project_id bigint           NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    category   text             NOT NULL,
    planned    double precision NOT NULL CHECK (planned >= 0),
    currency   text             NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    version    integer          NOT NULL DEFAULT 1,
    created_at timestamptz      NOT NULL DEFAULT now(),
    UNIQUE (project_id, category)
);

CREATE TABLE spend_entries (
    id         bigserial PRIMARY KEY,
    project_id bigint           NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    line_id    bigint           NOT NULL REFERENCES budget_lines (id) ON DELETE CASCADE,
    spent_on   date             NOT NULL,
    amount     double precision NOT NULL,
    note       text             NOT NULL DEFAULT '',
    entered_by bigint           REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz      NOT NULL DEFAULT now()
);
CREATE INDEX spend_entries_project_idx ON spend_entries (project_id, spent_on);
CREATE INDEX spend_entries_line_idx ON spend_entries (line_id);
