DROP TABLE IF EXISTS change_votes, change_requests;
ALTER TABLE projects DROP COLUMN IF EXISTS change_approvals_needed, DROP COLUMN IF EXISTS change_rejection_rule;
