DROP TABLE IF EXISTS oidc_logins;
DROP INDEX IF EXISTS users_oidc_key;
ALTER TABLE users
    DROP CONSTRAINT IF EXISTS users_oidc_bounds,
    DROP CONSTRAINT IF EXISTS users_oidc_both,
    DROP COLUMN IF EXISTS oidc_subject,
    DROP COLUMN IF EXISTS oidc_issuer;
