DROP INDEX IF EXISTS oidc_logins_client_ip_idx;
ALTER TABLE oidc_logins DROP COLUMN IF EXISTS client_ip;
