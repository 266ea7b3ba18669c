-- Settings of this Rollout installation that are edited at run time
-- (instance name, defaults for new projects …), one JSON value per key.
CREATE TABLE app_settings (
    key        text PRIMARY KEY,
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
