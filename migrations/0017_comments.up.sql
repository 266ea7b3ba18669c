-- Comments on the project's items (requirements, risks, goals, milestones,
-- gate reviews, change requests) and the members they mention.

CREATE TABLE comments (
    id         bigserial PRIMARY KEY,
    project_id bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- The item: its kind and its id in that kind's table (not its number).
    entity     text        NOT NULL CHECK (entity IN ('requirement', 'risk', 'goal', 'milestone', 'review', 'change')),
    entity_id  bigint      NOT NULL,
    author_id  bigint      NOT NULL REFERENCES users (id),
    body       text        NOT NULL,
    version    integer     NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- An item's page lists its comments in time order.
CREATE INDEX comments_item_idx ON comments (project_id, entity, entity_id, created_at, id);

CREATE TABLE comment_mentions (
    comment_id bigint NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (comment_id, user_id)
);
-- My work finds a user's mentions.
CREATE INDEX comment_mentions_user_idx ON comment_mentions (user_id, comment_id);
