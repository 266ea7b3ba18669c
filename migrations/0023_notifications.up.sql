-- Notifications: each project's group bots and webhooks, each user's e-mail
-- preferences, the digest waiting for its daily send, and every delivery with
-- its idempotency key. River's own tables (river_job …) are created by
-- rivermigrate at the same start (internal/database.Migrate), not here.

CREATE TABLE project_webhooks (
    id         bigserial PRIMARY KEY,
    project_id bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    kind       text        NOT NULL CHECK (kind IN ('generic', 'wecom', 'dingtalk', 'feishu')),
    url        text        NOT NULL,
    -- Signs what is sent; written once, never shown again.
    secret     text        NOT NULL DEFAULT '',
    -- The events it receives; empty: all.
    events     text[]      NOT NULL DEFAULT '{}',
    created_by bigint      REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_webhooks_project_idx ON project_webhooks (project_id, id);

-- A user's e-mail: the events they want (NULL: all), and whether they come
-- as they happen or once a day as a digest.
CREATE TABLE notification_prefs (
    user_id bigint  PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    events  text[],
    digest  boolean NOT NULL DEFAULT false,
    version integer NOT NULL DEFAULT 1
);

-- Messages held for a user's daily digest.
CREATE TABLE notification_digest (
    id         bigserial PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key        text        NOT NULL UNIQUE,
    message    jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz
);
CREATE INDEX notification_digest_waiting_idx ON notification_digest (user_id, id) WHERE sent_at IS NULL;

-- One row per message to one recipient on one channel: the key
-- (event × recipient × channel) is checked before sending and the row marked
-- sent after, so a retried job never delivers twice.
CREATE TABLE deliveries (
    id         bigserial PRIMARY KEY,
    key        text        NOT NULL UNIQUE,
    project_id bigint      REFERENCES projects (id) ON DELETE CASCADE,
    event      text        NOT NULL,
    channel    text        NOT NULL CHECK (channel IN ('email', 'generic', 'wecom', 'dingtalk', 'feishu')),
    -- The e-mail address, or the webhook's id.
    target     text        NOT NULL,
    webhook_id bigint      REFERENCES project_webhooks (id) ON DELETE CASCADE,
    status     text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts   integer     NOT NULL DEFAULT 0,
    last_error text        NOT NULL DEFAULT '',
    -- What to send, kept so an admin's retry sends the same message.
    message    jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz
);
CREATE INDEX deliveries_failed_idx ON deliveries (created_at DESC) WHERE status = 'failed';
