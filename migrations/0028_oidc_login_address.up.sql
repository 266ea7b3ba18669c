-- Company sign-ins not yet back from the provider are rows of oidc_logins
-- until they expire (ten minutes) or the hourly clean-up deletes them. Anyone
-- may start one, so each remembers the address it was started from, and an
-- address may have only a few pending at a time: a script cannot fill the
-- table.
ALTER TABLE oidc_logins ADD COLUMN client_ip text NOT NULL DEFAULT '' CHECK (length(client_ip) <= 64);
CREATE INDEX oidc_logins_client_ip_idx ON oidc_logins (client_ip, expires_at);
