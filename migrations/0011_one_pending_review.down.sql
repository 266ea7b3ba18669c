DROP INDEX IF EXISTS gate_reviews_one_pending_key;
