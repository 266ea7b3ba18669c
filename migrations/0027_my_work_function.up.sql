-- My work (what waits for a person across all their projects) and the count
-- in every page's top bar come from one query, a UNION ALL of eight kinds of
-- work with their joins. Planning it took 10–15 ms, ten times its execution,
-- on every page view. As a PL/pgSQL function its plan is made once per
-- database connection and kept (a generic plan: the same for every person
-- and day, which suits a query whose parameters only narrow it down).
--
-- Its rules, one branch per kind of work: each branch joins the user's
-- membership (archived projects left out) and asks for the role that may do
-- the work, so a viewer never sees an action; items the user marked done or
-- read stay away while their due date is the one they had when marked.
-- A change to a rule is a new migration: CREATE OR REPLACE FUNCTION my_work.
CREATE FUNCTION my_work(p_uid bigint, p_today date, p_lead int)
RETURNS TABLE (kind text, item_id bigint, project_key text, project_name text, ref bigint, segment text,
               title text, due_on date, since timestamptz, person text, detail text, anchor_id bigint)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $fn$
#variable_conflict use_column
BEGIN
RETURN QUERY
SELECT w.kind::text, w.item_id::bigint, w.project_key::text, w.project_name::text, w.ref::bigint, w.segment::text,
       w.title::text, w.due_on::date, w.since::timestamptz, w.person::text, w.detail::text, w.anchor_id::bigint
FROM (
  WITH me AS (SELECT p_uid AS uid, p_today AS today),
  mine AS (
    SELECT m.project_id, m.role, p.key, p.name
    FROM members AS m JOIN projects AS p ON p.id = m.project_id, me
    WHERE m.user_id = me.uid AND NOT p.archived
  ),
  work AS (
    SELECT 'vote' AS kind, cr.id AS item_id, mine.key AS project_key, mine.name AS project_name, cr.number::bigint AS ref,
           'changes' AS segment, cr.title, NULL::date AS due_on, cr.submitted_at AS since,
           coalesce(u.name, '') AS person, '' AS detail, 0::bigint AS anchor_id
    FROM mine JOIN change_requests AS cr ON cr.project_id = mine.project_id AND cr.status = 'submitted'
         LEFT JOIN users AS u ON u.id = cr.requested_by, me
    WHERE mine.role = 'steering' AND cr.requested_by IS DISTINCT FROM me.uid
      AND NOT EXISTS (SELECT 1 FROM change_votes AS v WHERE v.change_id = cr.id AND v.voter_id = me.uid)
  UNION ALL
    SELECT 'gate_decision', gr.id, mine.key, mine.name, gr.id, 'reviews', ms.name, gr.scheduled_on, gr.created_at, '', '', 0
    FROM me, mine JOIN gate_reviews AS gr ON gr.project_id = mine.project_id
         JOIN milestones AS ms ON ms.id = gr.milestone_id
    WHERE mine.role = 'steering' AND gr.decision IS NULL AND gr.invited @> ARRAY[me.uid]
  UNION ALL
    SELECT 'apply', cr.id, mine.key, mine.name, cr.number, 'changes', cr.title, NULL, cr.decided_at,
           coalesce(u.name, ''), '', 0
    FROM mine JOIN change_requests AS cr ON cr.project_id = mine.project_id AND cr.status = 'approved'
         LEFT JOIN users AS u ON u.id = cr.requested_by
    WHERE mine.role = 'project_manager'
  UNION ALL
    SELECT 'condition', ra.id, mine.key, mine.name, gr.id, 'reviews', ra.text, ra.due_on, gr.decided_at, '', ms.name, 0
    FROM me, review_actions AS ra JOIN gate_reviews AS gr ON gr.id = ra.review_id
         JOIN mine ON mine.project_id = gr.project_id JOIN milestones AS ms ON ms.id = gr.milestone_id
    WHERE ra.owner_id = me.uid AND ra.status = 'open' AND mine.role <> 'viewer'
  UNION ALL
    SELECT 'risk_review', r.id, mine.key, mine.name, r.number, 'risks', r.title, r.next_review_on, NULL, '',
           (r.probability * r.impact)::text, 0
    FROM me, risks AS r JOIN mine ON mine.project_id = r.project_id
    WHERE r.owner_id = me.uid AND r.status IN ('open', 'mitigating') AND mine.role <> 'viewer'
      AND r.next_review_on <= me.today + p_lead
  UNION ALL
    SELECT 'measurement', g.id, mine.key, mine.name, g.id, 'goals', g.title, n.due_on, NULL, '',
           coalesce(to_char(lm.last, 'YYYY-MM-DD'), ''), 0
    FROM me, goals AS g JOIN mine ON mine.project_id = g.project_id
         CROSS JOIN LATERAL (SELECT max(x.measured_on) AS last FROM measurements AS x WHERE x.goal_id = g.id) AS lm
         CROSS JOIN LATERAL (SELECT (coalesce(lm.last, g.start_on) + CASE g.cadence WHEN 'weekly' THEN interval '7 days'
           WHEN 'quarterly' THEN interval '3 months' ELSE interval '1 month' END)::date AS due_on) AS n
    WHERE g.owner_id = me.uid AND mine.role <> 'viewer' AND g.start_on <= me.today AND n.due_on <= me.today
  UNION ALL
    SELECT 'requirement', q.id, mine.key, mine.name, q.number, 'requirements', q.title, NULL, q.created_at, '', q.status, 0
    FROM me, requirements AS q JOIN mine ON mine.project_id = q.project_id
    WHERE q.owner_id = me.uid AND q.status = 'proposed' AND mine.role IN ('project_manager', 'business_owner')
  UNION ALL
    SELECT 'mention', c.id, mine.key, mine.name, t.ref, t.segment, t.title, NULL, c.created_at, coalesce(a.name, ''),
           left(c.body, 140), c.id
    FROM me, comment_mentions AS cm JOIN comments AS c ON c.id = cm.comment_id
         JOIN mine ON mine.project_id = c.project_id
         LEFT JOIN users AS a ON a.id = c.author_id
         CROSS JOIN LATERAL (
           SELECT x.number::bigint AS ref, 'requirements' AS segment, x.title FROM requirements AS x WHERE c.entity = 'requirement' AND x.id = c.entity_id
           UNION ALL SELECT x.number, 'risks', x.title FROM risks AS x WHERE c.entity = 'risk' AND x.id = c.entity_id
           UNION ALL SELECT x.number, 'changes', x.title FROM change_requests AS x WHERE c.entity = 'change' AND x.id = c.entity_id
           UNION ALL SELECT x.id, 'goals', x.title FROM goals AS x WHERE c.entity = 'goal' AND x.id = c.entity_id
           UNION ALL SELECT x.id, 'milestones', x.name FROM milestones AS x WHERE c.entity = 'milestone' AND x.id = c.entity_id
           UNION ALL SELECT x.id, 'reviews', y.name FROM gate_reviews AS x JOIN milestones AS y ON y.id = x.milestone_id
             WHERE c.entity = 'review' AND x.id = c.entity_id
         ) AS t
    WHERE cm.user_id = me.uid
  )
  SELECT work.* FROM work, me
  WHERE NOT EXISTS (SELECT 1 FROM work_reads AS wr WHERE wr.user_id = me.uid AND wr.kind = work.kind
                    AND wr.item_id = work.item_id AND wr.due_on IS NOT DISTINCT FROM work.due_on)
) AS w;
END
$fn$;
