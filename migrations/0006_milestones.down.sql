ALTER TABLE risks DROP CONSTRAINT IF EXISTS risks_milestone_fk;
DROP INDEX IF EXISTS risks_milestone_idx;
DROP TABLE IF EXISTS review_actions, gate_reviews, deliverables, milestones;
