DROP INDEX requirements_owner_status_idx;
DROP INDEX risks_owner_review_idx;
DROP INDEX review_actions_open_owner_idx;
DROP INDEX gate_reviews_pending_invited_idx;
DROP INDEX change_requests_open_idx;
DROP TABLE work_reads;
ALTER TABLE goals DROP COLUMN cadence;
