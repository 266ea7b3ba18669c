DROP TABLE IF EXISTS audit_entries, members, phases, projects, signin_failures, api_tokens, sessions, users CASCADE;
