ALTER TABLE projects DROP COLUMN IF EXISTS requirement_rank_tail;
