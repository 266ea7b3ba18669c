-- An upper bound of each project's requirement ranks, kept on the project
-- row next to requirement_seq. A create takes its number and its rank in one
-- statement that updates this row: the UPDATE re-reads the row after waiting
-- for its lock, so the tail it reads is the latest, whereas a max(rank) in
-- the same statement sees the snapshot taken before the wait and may miss the
-- rank the previous create just committed. Every other writer of ranks (moves
-- and their renumbering, imports) holds the row lock and raises the tail to
-- the largest rank it wrote before it commits. The unique (project_id, rank)
-- constraint stays the last guard.
ALTER TABLE projects ADD COLUMN requirement_rank_tail bigint NOT NULL DEFAULT 0;

UPDATE projects AS p SET requirement_rank_tail = r.top
FROM (SELECT project_id, max(rank) AS top FROM requirements GROUP BY project_id) AS r
WHERE r.project_id = p.id;
