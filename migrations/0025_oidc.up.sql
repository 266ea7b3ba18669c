-- Company sign-in (OpenID Connect).
-- An account signed in through the company's provider remembers who the
-- provider says it is (issuer + subject), so a later change of e-mail at the
-- provider still finds the same account. Both are set or neither.
ALTER TABLE users
    ADD COLUMN oidc_issuer  text,
    ADD COLUMN oidc_subject text,
    ADD CONSTRAINT users_oidc_both CHECK ((oidc_issuer IS NULL) = (oidc_subject IS NULL)),
    ADD CONSTRAINT users_oidc_bounds CHECK (length(oidc_issuer) <= 500 AND length(oidc_subject) <= 255);
CREATE UNIQUE INDEX users_oidc_key ON users (oidc_issuer, oidc_subject) WHERE oidc_subject IS NOT NULL;

-- Sign-ins started at the provider and not yet come back: state (only its
-- SHA-256), nonce and PKCE verifier live here, not in the browser, so every
-- instance can finish a sign-in another one started, and a state is taken
-- (deleted) exactly once.
CREATE TABLE oidc_logins (
    state_hash bytea       PRIMARY KEY,
    nonce      text        NOT NULL CHECK (length(nonce) <= 100),
    verifier   text        NOT NULL CHECK (length(verifier) <= 200),
    next_path  text        NOT NULL CHECK (length(next_path) <= 2000),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX oidc_logins_expires_idx ON oidc_logins (expires_at);
