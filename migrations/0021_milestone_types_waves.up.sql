-- Facts the pitfall checks read instead of names: what a milestone is (its
-- type), which delivery wave a phase carries, and a go-live readiness
-- review's checklist answers.

ALTER TABLE milestones ADD COLUMN type text NOT NULL DEFAULT 'other'
    CHECK (type IN ('go_live', 'cutover', 'rehearsal', 'uat', 'training', 'readiness_review', 'value_review', 'other'));
ALTER TABLE milestones ADD COLUMN readiness jsonb NOT NULL DEFAULT '{}'::jsonb;

-- 0: not a delivery phase (initiation, selection); 1: the first wave to go live…
ALTER TABLE phases ADD COLUMN wave integer NOT NULL DEFAULT 0 CHECK (wave BETWEEN 0 AND 20);

CREATE INDEX milestones_project_type_idx ON milestones (project_id, type);

-- Projects made before types and waves: read them once from the names the
-- CRM template gave (and the words the old checks looked for); from now on
-- the form and the API set them.
UPDATE milestones SET type = 'go_live'
    WHERE lower(name) LIKE '%go-live%' OR lower(name) LIKE '%go live%' OR name LIKE '%上线%';
UPDATE milestones SET type = 'value_review'
    WHERE type = 'go_live' AND (lower(name) LIKE '%value review%' OR name LIKE '%价值复盘%');
UPDATE milestones SET type = 'rehearsal'
    WHERE lower(name) LIKE '%mock%' OR lower(name) LIKE '%rehears%' OR name LIKE '%模拟%' OR name LIKE '%演练%';
UPDATE milestones SET type = 'uat' WHERE type = 'other' AND (lower(name) = 'user acceptance' OR name = '用户验收');
UPDATE phases SET wave = 1 WHERE name IN ('Implementation', '实施');
UPDATE phases SET wave = 2 WHERE name IN ('Rollout', '推广');
