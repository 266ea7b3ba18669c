-- Accounts, sessions, API tokens, projects, phases, members and the audit trail.

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    email         text        NOT NULL,
    name          text        NOT NULL,
    password_hash text        NOT NULL,
    language      text        NOT NULL DEFAULT 'en',
    is_admin      boolean     NOT NULL DEFAULT false,
    disabled      boolean     NOT NULL DEFAULT false,
    version       integer     NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- Emails are unique whatever their case.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_name_idx ON users (lower(name), id);

-- Server-side sessions; only the SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    token_hash   bytea       PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Personal API tokens; only the SHA-256 of the token is stored.
CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    token_hash   bytea       NOT NULL UNIQUE,
    prefix       text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, id);

-- Failed sign-ins per account and per address, for throttling.
CREATE TABLE signin_failures (
    key          text        PRIMARY KEY,
    failures     integer     NOT NULL,
    last_at      timestamptz NOT NULL,
    locked_until timestamptz
);

CREATE TABLE projects (
    id                 bigserial PRIMARY KEY,
    key                text        NOT NULL UNIQUE CHECK (key ~ '^[A-Z]{2,10}$'),
    name               text        NOT NULL,
    description        text        NOT NULL DEFAULT '',
    sponsor            text        NOT NULL DEFAULT '',
    sponsor_department text        NOT NULL DEFAULT '',
    start_on           date,
    target_on          date,
    scope_in           text        NOT NULL DEFAULT '',
    scope_out          text        NOT NULL DEFAULT '',
    current_phase_id   bigint,
    archived           boolean     NOT NULL DEFAULT false,
    -- Counters for per-project human keys (CRM-42, CRM-R-3, CRM-CR-7).
    requirement_seq    integer     NOT NULL DEFAULT 0,
    risk_seq           integer     NOT NULL DEFAULT 0,
    change_seq         integer     NOT NULL DEFAULT 0,
    version            integer     NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE phases (
    id               bigserial PRIMARY KEY,
    project_id       bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position         integer     NOT NULL,
    name             text        NOT NULL,
    planned_start_on date,
    planned_end_on   date,
    version          integer     NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX phases_project_idx ON phases (project_id, position);

ALTER TABLE projects ADD CONSTRAINT projects_current_phase_fk
    FOREIGN KEY (current_phase_id) REFERENCES phases (id) ON DELETE SET NULL;

CREATE TABLE members (
    project_id bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text        NOT NULL CHECK (role IN ('project_manager', 'business_owner', 'steering', 'member', 'viewer')),
    department text        NOT NULL CHECK (department IN ('sales', 'service', 'marketing', 'operations', 'finance', 'it', 'vendor', 'other')),
    version    integer     NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, user_id)
);
-- "Which projects may this user see" is asked on every page.
CREATE INDEX members_user_idx ON members (user_id, project_id);

-- Every write, with who, when, what and the values before and after.
CREATE TABLE audit_entries (
    id         bigserial PRIMARY KEY,
    project_id bigint REFERENCES projects (id) ON DELETE CASCADE,
    actor_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    entity     text        NOT NULL,
    entity_id  text        NOT NULL,
    action     text        NOT NULL,
    before     jsonb,
    after      jsonb,
    ref        text        NOT NULL DEFAULT ''
);
CREATE INDEX audit_project_idx ON audit_entries (project_id, id DESC);
CREATE INDEX audit_project_entity_idx ON audit_entries (project_id, entity, entity_id, id DESC);
CREATE INDEX audit_actor_idx ON audit_entries (actor_id, id DESC);
