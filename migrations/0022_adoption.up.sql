-- Adoption data: the CRM's own usage figures per ISO week (kept as the week's
-- Monday) and per department and/or role. One row per project, week,
-- department and role ('' for all): a re-import of the same week replaces it.

CREATE TABLE adoption_figures (
    id                    bigserial PRIMARY KEY,
    project_id            bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    week                  date        NOT NULL CHECK (extract(isodow FROM week) = 1),
    department            text        NOT NULL DEFAULT '' CHECK (department IN ('', 'sales', 'service', 'marketing',
                                                                      'operations', 'finance', 'it', 'vendor', 'other')),
    role                  text        NOT NULL DEFAULT '' CHECK (length(role) <= 80),
    licensed_users        integer     NOT NULL CHECK (licensed_users BETWEEN 0 AND 1000000000),
    active_users          integer     NOT NULL CHECK (active_users BETWEEN 0 AND 1000000000),
    leads_created         integer     NOT NULL DEFAULT 0 CHECK (leads_created BETWEEN 0 AND 1000000000),
    opportunities_created integer     NOT NULL DEFAULT 0 CHECK (opportunities_created BETWEEN 0 AND 1000000000),
    followups_created     integer     NOT NULL DEFAULT 0 CHECK (followups_created BETWEEN 0 AND 1000000000),
    required_filled       double precision CHECK (required_filled BETWEEN 0 AND 100),
    source                text        NOT NULL CHECK (source IN ('import', 'api')),
    entered_by            bigint REFERENCES users (id) ON DELETE SET NULL,
    version               integer     NOT NULL DEFAULT 1,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CHECK (active_users <= licensed_users),
    UNIQUE (project_id, week, department, role)
);
