-- A gate has at most one review waiting for its decision: the database holds
-- the rule, so two people scheduling at the same moment cannot both succeed.
CREATE UNIQUE INDEX gate_reviews_one_pending_key ON gate_reviews (milestone_id) WHERE decision IS NULL;
