-- The weekly report (周报): one per project and ISO week (week_start is its
-- Monday), its content frozen as JSON when it is built, so a report reads
-- as it was sent whatever happens to the data later. A draft may be built
-- again and its summary edited; once sent it stays as it is.
CREATE TABLE weekly_reports (
    id         bigserial PRIMARY KEY,
    project_id bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    week_start date        NOT NULL CHECK (extract(isodow FROM week_start) = 1),
    status     text        NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent')),
    content    jsonb       NOT NULL,
    summary    text        NOT NULL DEFAULT '',
    built_at   timestamptz NOT NULL,
    built_by   bigint      REFERENCES users (id) ON DELETE SET NULL,
    sent_at    timestamptz,
    sent_by    bigint      REFERENCES users (id) ON DELETE SET NULL,
    -- The roles whose members it was mailed to.
    sent_roles text[]      NOT NULL DEFAULT '{}',
    version    integer     NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT weekly_reports_one_per_week UNIQUE (project_id, week_start),
    CONSTRAINT weekly_reports_sent_at CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);

-- When a project's report goes out by itself: on weekday (ISO: 1 Monday …
-- 7 Sunday) at hour (the server's local time), to the members of roles.
CREATE TABLE weekly_report_settings (
    project_id bigint   PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    auto_send  boolean  NOT NULL DEFAULT false,
    weekday    smallint NOT NULL DEFAULT 5 CHECK (weekday BETWEEN 1 AND 7),
    hour       smallint NOT NULL DEFAULT 16 CHECK (hour BETWEEN 0 AND 23),
    roles      text[]   NOT NULL DEFAULT '{project_manager,steering}',
    version    integer  NOT NULL DEFAULT 1
);
