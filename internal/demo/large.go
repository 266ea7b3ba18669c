package demo

import (
	"context"
	"fmt"
	"slices"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/project"
)

// LargeKey is the key of the large project, for load tests and benchmarks.
const LargeKey = "LARGE"

// Sizes of the large project.
const (
	LargeRequirements        = 5000
	LargeDeletedRequirements = 100 // created and deleted again: the trail remembers them
	LargeRisks               = 500
	LargeGoals               = 50
	LargeMeasurementsPerGoal = 100
	LargeMilestones          = 60
	LargeChanges             = 300
	largeExtraMembers        = 22
)

// LoadLarge creates the project LARGE unless it exists: a year into a big
// rollout, with 5,000 requirements, 500 risks with their reviews, 50 goals
// with 100 measurements each, 60 milestones (gates decided at the past ones),
// 300 change requests in every state, and the audit trail of all of it spread
// over twelve months, so churn and trend charts have data. The demo team
// (People) runs it, with 22 more team members.
//
// Unlike Load it does not call the domain functions row by row: every kind of
// item is one INSERT … SELECT over generate_series, all in one transaction,
// which takes a few seconds. The rows are made to satisfy the schema's checks
// and the domain's rules all the same: keys and numbers without gaps, ranks
// spaced by 65536, owners who are members (no viewers for risks), targets on
// the right side of baselines, current risk ratings equal to the latest
// review, closed milestones with their deliverables done and a go decision at
// their gate, approvals by two steering members who did not request the
// change, and a version on each row that matches the updates its trail shows.
func LoadLarge(ctx context.Context, db *bun.DB, today date.Date) (Result, error) {
	res := Result{People: People}
	exists, err := db.NewSelect().Table("projects").Where("key = ?", LargeKey).Exists(ctx)
	if err != nil {
		return res, database.MapError(err)
	}
	if exists {
		return res, nil
	}
	err = database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		return loadLarge(ctx, tx, today)
	})
	res.Created = err == nil
	return res, err
}

func loadLarge(ctx context.Context, tx bun.Tx, today date.Date) error {
	users := map[string]int64{}
	for _, p := range People {
		u, err := account.ByEmail(ctx, tx, p.Email)
		if apperr.Is(err, apperr.KindNotFound) {
			u, err = account.Create(ctx, tx, 0, account.NewUser{Email: p.Email, Name: p.Name, Password: Password, IsAdmin: p.Admin})
		}
		if err != nil {
			return fmt.Errorf("demo account %s: %w", p.Email, err)
		}
		users[p.Email] = u.ID
	}
	pm := users[People[0].Email]
	start := today.AddDays(-365)
	proj, err := project.Create(ctx, tx, pm, project.Input{
		Key: LargeKey, Name: "Group-wide CRM — large rollout", Template: "crm", Department: project.DeptOperations,
		Description: "A year into a CRM rollout for twelve business units: a large backlog, a long plan and a full trail, for load tests.",
		Sponsor:     "Chen Jing (VP Sales)", SponsorDepartment: project.DeptSales, StartOn: start, TargetOn: start.AddDays(600),
		ScopeIn:  "Leads, accounts, opportunities, quotes, service tickets, field service, partner channel, dashboards.",
		ScopeOut: "Orders, invoicing and stock stay in the ERP; HR and approvals stay in the OA system.",
	}, "en")
	if err != nil {
		return err
	}
	phases, err := project.Phases(ctx, tx, proj.ID)
	if err != nil {
		return err
	}
	phaseIDs := make([]int64, len(phases))
	for i, p := range phases {
		phaseIDs[i] = p.ID
	}
	// The demo team in the roles it has in DEMO, then more team members who
	// share the demo password (one hash, copied: hashing is the slow part).
	for _, p := range People[1:] {
		if _, err := project.AddMember(ctx, tx, pm, proj.ID, project.MemberInput{Email: p.Email, Role: p.Role, Department: p.Department}); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `
INSERT INTO users (email, name, password_hash, language)
SELECT format('member%s@large.example', lpad(g::text, 2, '0')), format('Team member %s', g), u.password_hash, 'en'
FROM generate_series(1, ?) g, users u WHERE u.id = ?
ON CONFLICT DO NOTHING`, largeExtraMembers, pm); err != nil {
		return database.MapError(err)
	}
	var workers, requesters, steering []int64
	for _, p := range People {
		switch p.Role {
		case project.RoleViewer:
			continue
		case project.RoleSteering:
			steering = append(steering, users[p.Email])
		default:
			requesters = append(requesters, users[p.Email])
		}
		workers = append(workers, users[p.Email])
	}
	var extra []int64
	if err := tx.NewSelect().Table("users").Column("id").Where("email LIKE 'member__@large.example'").
		OrderExpr("email").Scan(ctx, &extra); err != nil {
		return database.MapError(err)
	}
	workers, requesters = append(workers, extra...), append(requesters, extra...)
	slices.Sort(workers)

	// Every statement reads the project, its people and its dates from here.
	if _, err := tx.ExecContext(ctx, `
CREATE TEMP TABLE large_ctx ON COMMIT DROP AS
SELECT ?::bigint AS pid, ?::text AS key, ?::date AS start_on, ?::date AS today, ?::bigint AS pm,
       ?::bigint[] AS workers, ?::bigint[] AS requesters, ?::bigint[] AS steering, ?::bigint[] AS extra,
       ?::bigint[] AS phases`,
		proj.ID, LargeKey, start, today, pm, pgdialect.Array(workers), pgdialect.Array(requesters),
		pgdialect.Array(steering), pgdialect.Array(extra), pgdialect.Array(phaseIDs)); err != nil {
		return database.MapError(err)
	}
	// Without statistics the planner would guess the one-row table holds thousands.
	if _, err := tx.ExecContext(ctx, "ANALYZE large_ctx"); err != nil {
		return database.MapError(err)
	}
	for i, q := range largeStatements {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("large project, step %d: %w", i+1, database.MapError(err))
		}
	}
	// Fresh statistics, so the first pages after a load are planned for the
	// tables' real sizes (autovacuum would get there within a minute or so).
	_, err = tx.ExecContext(ctx, `ANALYZE users, members, goals, measurements, requirements, requirement_goals, risks,
		risk_reviews, milestones, deliverables, gate_reviews, review_actions, change_requests, change_votes, audit_entries`)
	return database.MapError(err)
}

// largeStatements generate the project, in an order the foreign keys accept.
// Days are counted from the project's start (a year before today) and every
// generated time falls before today, so nothing lies in the future.
var largeStatements = []string{
	// The project a year back: dates, counters, approval rule, current phase,
	// and the trail of its creation moved to its first day.
	`UPDATE projects p SET requirement_seq = 5000 + 100, requirement_rank_tail = 5100::bigint * 65536, risk_seq = 500, change_seq = 300, change_approvals_needed = 2,
	        current_phase_id = c.phases[3], created_at = (c.start_on + time '08:00') AT TIME ZONE 'UTC',
	        updated_at = (c.start_on + 150 + time '08:00') AT TIME ZONE 'UTC', version = 2
	 FROM large_ctx c WHERE p.id = c.pid`,
	`UPDATE phases ph SET created_at = (c.start_on + time '08:00') AT TIME ZONE 'UTC', updated_at = (c.start_on + 1 + time '09:00') AT TIME ZONE 'UTC',
	        planned_start_on = c.start_on + (ph.position - 1) * 120, planned_end_on = c.start_on + ph.position * 120 - 1, version = 2
	 FROM large_ctx c WHERE ph.project_id = c.pid`,
	`UPDATE members m SET created_at = (c.start_on + 1 + time '08:00') AT TIME ZONE 'UTC', updated_at = (c.start_on + 1 + time '08:00') AT TIME ZONE 'UTC'
	 FROM large_ctx c WHERE m.project_id = c.pid`,
	`UPDATE audit_entries a SET at = (c.start_on + CASE WHEN a.entity = 'member' AND a.entity_id <> a.actor_id::text THEN 1 ELSE 0 END
	                                 + time '08:00') AT TIME ZONE 'UTC'
	 FROM large_ctx c WHERE a.project_id = c.pid`,
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, before, after)
	 SELECT c.pid, c.pm, (c.start_on + 1 + time '09:00') AT TIME ZONE 'UTC', 'phase', ph.id::text, 'update',
	        jsonb_build_object('planned_start_on', NULL, 'planned_end_on', NULL),
	        jsonb_build_object('planned_start_on', ph.planned_start_on, 'planned_end_on', ph.planned_end_on)
	 FROM phases ph, large_ctx c WHERE ph.project_id = c.pid`,
	`INSERT INTO members (project_id, user_id, role, department, created_at, updated_at)
	 SELECT c.pid, u.id, 'member', (ARRAY['sales','service','marketing','operations','finance','it'])[1 + i % 6],
	        (c.start_on + 2 + i + time '09:00') AT TIME ZONE 'UTC', (c.start_on + 2 + i + time '09:00') AT TIME ZONE 'UTC'
	 FROM large_ctx c, unnest(c.extra) WITH ORDINALITY AS u(id, n), LATERAL (SELECT n::int AS i) o`,
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, after)
	 SELECT c.pid, c.pm, m.created_at, 'member', m.user_id::text, 'create',
	        jsonb_build_object('user_id', m.user_id, 'role', m.role, 'department', m.department)
	 FROM members m, large_ctx c WHERE m.project_id = c.pid AND m.user_id = ANY(c.extra)`,
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, before, after)
	 SELECT c.pid, c.pm, (c.start_on + 150 + time '08:00') AT TIME ZONE 'UTC', 'project', c.key, 'update',
	        jsonb_build_object('current_phase_id', c.phases[1]), jsonb_build_object('current_phase_id', c.phases[3])
	 FROM large_ctx c`,

	// Goals: even ones raise a number, odd ones lower it; targets on the right side.
	`INSERT INTO goals (project_id, title, metric, unit, baseline, target, direction, category, start_on, due_on, owner_id, notes, created_at, updated_at)
	 SELECT c.pid,
	        format('%s (unit %s)', (ARRAY['Raise lead conversion','Cut duplicate records','Raise weekly active use','Shorten the quote cycle','Raise follow-up logging'])[1 + g % 5], g),
	        (ARRAY['converted leads ÷ leads','duplicates ÷ customer records','weekly active ÷ licensed users','days from request to quote','logged follow-ups ÷ visits'])[1 + g % 5],
	        '%',
	        CASE WHEN g % 2 = 0 THEN 20 + g % 7 ELSE 40 + g % 7 END,
	        CASE WHEN g % 2 = 0 THEN 35 + g % 7 ELSE 25 + g % 7 END,
	        CASE WHEN g % 2 = 0 THEN 'increase' ELSE 'decrease' END,
	        (ARRAY['business','adoption','data_quality','efficiency'])[1 + g % 4],
	        c.start_on, c.start_on + 300 + g * 3, c.workers[1 + g % cardinality(c.workers)], '',
	        (c.start_on + 3 + g % 20 + time '08:00') AT TIME ZONE 'UTC', (c.start_on + 3 + g % 20 + time '08:00') AT TIME ZONE 'UTC'
	 FROM generate_series(1, 50) g, large_ctx c`,
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, after)
	 SELECT c.pid, c.pm, g.created_at, 'goal', g.id::text, 'create', to_jsonb(g) - 'project_id' - 'version' - 'created_at' - 'updated_at'
	 FROM goals g, large_ctx c WHERE g.project_id = c.pid`,
	// A measurement every three days, easing towards the target (some goals
	// further along than others), with a little noise.
	`INSERT INTO measurements (goal_id, value, measured_on, note, source, entered_by, created_at)
	 SELECT g.id,
	        round((g.baseline + (g.target - g.baseline) * (k / 100.0) * (0.5 + (g.id % 6) / 10.0) + sin(g.id * 13 + k) * 0.6)::numeric, 1)::float8,
	        c.start_on + k * 3, '', CASE WHEN k % 10 = 0 THEN 'import' ELSE 'manual' END, g.owner_id,
	        (c.start_on + k * 3 + time '17:00') AT TIME ZONE 'UTC'
	 FROM goals g CROSS JOIN generate_series(1, 100) k CROSS JOIN large_ctx c WHERE g.project_id = c.pid`,
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, after, ref)
	 SELECT c.pid, m.entered_by, m.created_at, 'measurement', m.id::text, 'create', to_jsonb(m) - 'created_at',
	        CASE WHEN m.source = 'import' THEN 'import' ELSE '' END
	 FROM measurements m JOIN goals g ON g.id = m.goal_id, large_ctx c WHERE g.project_id = c.pid`,

	// The plan: 60 milestones over 20 months, every sixth a gate. Those whose
	// date is past are done, with their deliverables ticked.
	`INSERT INTO milestones (project_id, phase_id, name, type, owner_id, planned_on, forecast_on, actual_on, is_gate, notes, version, created_at, updated_at)
	 SELECT c.pid, c.phases[1 + ((m - 1) * 5) / 60],
	        format('%s %s', (ARRAY['Process map signed','Data profiling done','Mock migration','Integration test','Pilot go-live','Training wave','Report pack','Unit rollout','Usage review','Gate'])[1 + m % 10], m),
	        (ARRAY['other','other','rehearsal','other','go_live','training','other','other','value_review','other'])[1 + m % 10],
	        c.workers[1 + (m * 3) % cardinality(c.workers)], c.start_on + m * 10,
	        CASE WHEN c.start_on + m * 10 > c.today AND m % 5 = 0 THEN c.start_on + m * 10 + 7 + m % 10 END,
	        CASE WHEN c.start_on + m * 10 <= c.today - 3 THEN least(c.start_on + m * 10 + m % 7 - 3, c.today - 1) END,
	        m % 6 = 0, '', CASE WHEN c.start_on + m * 10 <= c.today - 3 THEN 2 ELSE 1 END,
	        (c.start_on + 2 + time '10:00') AT TIME ZONE 'UTC',
	        CASE WHEN c.start_on + m * 10 <= c.today - 3 THEN (least(c.start_on + m * 10 + m % 7 - 3, c.today - 1) + time '18:00') AT TIME ZONE 'UTC'
	             ELSE (c.start_on + 2 + time '10:00') AT TIME ZONE 'UTC' END
	 FROM generate_series(1, 60) m, large_ctx c`,
	`INSERT INTO deliverables (milestone_id, position, title, done, done_by, done_at)
	 SELECT m.id, d, (ARRAY['Sign-off by the business owner','Evidence filed','Lessons noted'])[d], m.actual_on IS NOT NULL,
	        CASE WHEN m.actual_on IS NOT NULL THEN m.owner_id END,
	        CASE WHEN m.actual_on IS NOT NULL THEN (m.actual_on + time '12:00') AT TIME ZONE 'UTC' END
	 FROM milestones m CROSS JOIN generate_series(1, 3) d CROSS JOIN large_ctx c WHERE m.project_id = c.pid`,
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, after, ref)
	 SELECT c.pid, c.pm, m.created_at, 'milestone', m.id::text, 'create',
	        to_jsonb(m) - 'project_id' - 'version' - 'created_at' - 'updated_at' - 'actual_on' || jsonb_build_object('actual_on', NULL), 'template'
	 FROM milestones m, large_ctx c WHERE m.project_id = c.pid`,
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, before, after)
	 SELECT c.pid, m.owner_id, m.updated_at, 'milestone', m.id::text, 'update',
	        jsonb_build_object('actual_on', NULL), jsonb_build_object('actual_on', m.actual_on)
	 FROM milestones m, large_ctx c WHERE m.project_id = c.pid AND m.actual_on IS NOT NULL`,

	// The register: 500 risks, rated when identified, then reviewed two or
	// three times; each review moves the rating (steps coprime with 5), and
	// the current rating is the latest review's.
	`INSERT INTO risks (project_id, number, title, description, category, probability, impact, initial_probability, initial_impact,
	                   residual_probability, residual_impact, owner_id, mitigation, contingency, "trigger", status,
	                   identified_on, next_review_on, milestone_id, version, created_at, updated_at)
	 SELECT c.pid, n,
	        format('%s (%s)', (ARRAY['Mock migration leaves records behind','ERP interface late','Reps keep spreadsheets','Vendor team thins out','Scope creeps into phase one','Go-live collides with year end','Licence budget overrun','Duplicate customers','Access rights too wide','Key user leaves'])[1 + n % 10], n),
	        'Generated for load tests.',
	        (ARRAY['data_migration','integration','adoption','vendor','scope','schedule','budget','data_quality','security','other'])[1 + n % 10],
	        1 + (n * 3) % 5, 1 + (n * 7 + 2) % 5, 1 + (n * 3) % 5, 1 + (n * 7 + 2) % 5,
	        CASE WHEN n % 3 = 0 THEN 1 + n % 2 END, CASE WHEN n % 3 = 0 THEN 1 + n % 3 END,
	        c.workers[1 + (n * 5) % cardinality(c.workers)], format('Mitigation plan %s', n), format('Fallback %s', n), format('Trigger %s', n),
	        CASE WHEN n % 20 IN (0, 1) THEN 'closed' WHEN n % 20 = 2 THEN 'occurred' WHEN n % 20 BETWEEN 3 AND 7 THEN 'mitigating' ELSE 'open' END,
	        c.start_on + ((n - 1) * 300) / 500,
	        CASE WHEN n % 20 > 2 THEN c.today + (n * 7) % 45 - 10 END,
	        CASE WHEN n % 4 = 0 THEN fm.ids[1 + n % 20] END,
	        1 + 2 + n % 2,
	        (c.start_on + ((n - 1) * 300) / 500 + time '11:00') AT TIME ZONE 'UTC',
	        (c.start_on + ((n - 1) * 300) / 500 + 20 * (2 + n % 2) + time '15:00') AT TIME ZONE 'UTC'
	 FROM generate_series(1, 500) n, large_ctx c,
	      (SELECT array_agg(m.id ORDER BY m.planned_on, m.id) AS ids FROM milestones m, large_ctx c
	       WHERE m.project_id = c.pid AND m.planned_on > c.today) fm`,
	`INSERT INTO risk_reviews (risk_id, reviewed_on, reviewer_id, note, probability, impact, created_at)
	 SELECT r.id, r.identified_on + k * 20, c.steering[1 + (r.number + k) % cardinality(c.steering)],
	        format('Review %s of %s-R-%s', k, c.key, r.number),
	        1 + (r.initial_probability - 1 + k * (1 + r.number % 3)) % 5, 1 + (r.initial_impact - 1 + k * (1 + r.number % 2)) % 5,
	        (r.identified_on + k * 20 + time '15:00') AT TIME ZONE 'UTC'
	 FROM risks r CROSS JOIN large_ctx c CROSS JOIN LATERAL generate_series(1, 2 + r.number % 2) k WHERE r.project_id = c.pid`,
	`UPDATE risks r SET probability = v.probability, impact = v.impact
	 FROM (SELECT DISTINCT ON (rv.risk_id) rv.risk_id, rv.probability, rv.impact FROM risk_reviews rv JOIN risks x ON x.id = rv.risk_id, large_ctx c
	       WHERE x.project_id = c.pid ORDER BY rv.risk_id, rv.reviewed_on DESC, rv.id DESC) v
	 WHERE r.id = v.risk_id`,
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, after)
	 SELECT c.pid, r.owner_id, r.created_at, 'risk', format('%s-R-%s', c.key, r.number), 'create',
	        to_jsonb(r) - 'project_id' - 'version' - 'created_at' - 'updated_at'
	        || jsonb_build_object('probability', r.initial_probability, 'impact', r.initial_impact, 'key', format('%s-R-%s', c.key, r.number))
	 FROM risks r, large_ctx c WHERE r.project_id = c.pid`,
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, after, ref)
	 SELECT c.pid, rv.reviewer_id, rv.created_at, 'risk_review', rv.id::text, 'create', to_jsonb(rv) - 'created_at',
	        format('%s-R-%s', c.key, r.number)
	 FROM risk_reviews rv JOIN risks r ON r.id = rv.risk_id, large_ctx c WHERE r.project_id = c.pid`,
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, before, after)
	 SELECT c.pid, rv.reviewer_id, rv.created_at, 'risk', format('%s-R-%s', c.key, r.number), 'review',
	        jsonb_build_object('probability', coalesce(lag(rv.probability) OVER w, r.initial_probability), 'impact', coalesce(lag(rv.impact) OVER w, r.initial_impact)),
	        jsonb_build_object('probability', rv.probability, 'impact', rv.impact)
	 FROM risk_reviews rv JOIN risks r ON r.id = rv.risk_id, large_ctx c WHERE r.project_id = c.pid
	 WINDOW w AS (PARTITION BY rv.risk_id ORDER BY rv.reviewed_on, rv.id)`,

	// Gate reviews: a go decision at every gate already passed (one after an
	// earlier no-go, some with conditions), each with its frozen pack; the
	// next two gates scheduled.
	`INSERT INTO gate_reviews (project_id, milestone_id, scheduled_on, invited, decision, attendees, notes, decided_by, decided_at, pack, version, created_at)
	 SELECT c.pid, m.id, d.on_day, c.steering, d.decision, c.steering, d.notes, c.steering[1], (d.on_day + time '10:00') AT TIME ZONE 'UTC',
	        jsonb_build_object(
	          'built_at', (d.on_day + time '10:00') AT TIME ZONE 'UTC', 'as_of', d.on_day,
	          'milestone', jsonb_build_object('id', m.id, 'name', m.name, 'phase_name', (SELECT name FROM phases WHERE id = m.phase_id),
	                                          'planned_on', m.planned_on, 'forecast_on', NULL, 'status', 'planned', 'slip_days', 0),
	          'sections', jsonb_build_array(
	            jsonb_build_object('kind', 'deliverables', 'deliverables',
	              (SELECT coalesce(jsonb_agg(jsonb_build_object('id', x.id, 'position', x.position, 'title', x.title, 'done', false, 'done_by', NULL, 'done_at', NULL) ORDER BY x.position), '[]')
	               FROM deliverables x WHERE x.milestone_id = m.id)),
	            -- The active risks as rated on the day (the latest review by
	            -- then, else the first rating), as milestone.BuildPack freezes them.
	            jsonb_build_object('kind', 'risks', 'risks',
	              (SELECT coalesce(jsonb_agg(t.line ORDER BY t.score DESC, t.number), '[]') FROM (
	                 SELECT r.number, a.p * a.i AS score,
	                        jsonb_build_object('id', r.id, 'key', format('%s-R-%s', c.key, r.number), 'title', r.title, 'category', r.category,
	                          'probability', a.p, 'impact', a.i, 'score', a.p * a.i,
	                          'level', CASE WHEN a.p * a.i <= 4 THEN 'low' WHEN a.p * a.i <= 9 THEN 'medium'
	                                        WHEN a.p * a.i <= 16 THEN 'high' ELSE 'critical' END,
	                          'status', r.status, 'owner_name', u.name, 'change', 0, 'new', true, 'overdue', false) AS line
	                 FROM risks r JOIN users u ON u.id = r.owner_id
	                 CROSS JOIN LATERAL (SELECT coalesce(lr.probability, r.initial_probability) AS p, coalesce(lr.impact, r.initial_impact) AS i
	                   FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT rv.probability, rv.impact FROM risk_reviews rv
	                     WHERE rv.risk_id = r.id AND rv.reviewed_on <= d.on_day ORDER BY rv.reviewed_on DESC, rv.id DESC LIMIT 1) lr ON true) a
	                 WHERE r.project_id = c.pid AND r.identified_on <= d.on_day AND r.status IN ('open', 'mitigating')
	                 ORDER BY a.p * a.i DESC, r.number LIMIT 8) t)))),
	        2, (d.on_day - 14 + time '09:00') AT TIME ZONE 'UTC'
	 FROM milestones m CROSS JOIN large_ctx c
	 CROSS JOIN LATERAL (VALUES
	   (m.planned_on - 4, CASE WHEN (m.planned_on - c.start_on) % 120 = 0 THEN 'go_with_conditions' ELSE 'go' END, 'Decided at the gate.', 2),
	   (m.planned_on - 30, 'no_go', 'Not ready: the rehearsal failed; decide again in four weeks.', 1)) AS d(on_day, decision, notes, seq)
	 WHERE m.project_id = c.pid AND m.is_gate AND m.actual_on IS NOT NULL AND (d.seq = 2 OR m.planned_on - c.start_on = 120)
	 ORDER BY m.planned_on, d.on_day`,
	`INSERT INTO gate_reviews (project_id, milestone_id, scheduled_on, invited, version, created_at)
	 SELECT c.pid, m.id, m.planned_on - 4, c.steering, 1, (c.today - 7 + time '09:00') AT TIME ZONE 'UTC'
	 FROM milestones m, large_ctx c
	 WHERE m.project_id = c.pid AND m.is_gate AND m.actual_on IS NULL
	   AND m.id IN (SELECT id FROM milestones x WHERE x.project_id = c.pid AND x.is_gate AND x.actual_on IS NULL ORDER BY x.planned_on LIMIT 2)`,
	`INSERT INTO review_actions (review_id, text, owner_id, due_on, status)
	 SELECT gr.id, (ARRAY['Run one more mock migration','Confirm the training dates'])[k], c.workers[1 + (gr.id::int + k) % cardinality(c.workers)],
	        gr.scheduled_on + 14 * k, CASE WHEN gr.scheduled_on + 14 * k < c.today THEN 'done' ELSE 'open' END
	 FROM gate_reviews gr CROSS JOIN generate_series(1, 2) k CROSS JOIN large_ctx c
	 WHERE gr.project_id = c.pid AND gr.decision IN ('go_with_conditions', 'no_go')`,
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, after)
	 SELECT c.pid, c.pm, gr.created_at, 'gate_review', gr.id::text, 'create',
	        jsonb_build_object('id', gr.id, 'milestone_id', gr.milestone_id, 'scheduled_on', gr.scheduled_on, 'invited', gr.invited)
	 FROM gate_reviews gr, large_ctx c WHERE gr.project_id = c.pid`,
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, after)
	 SELECT c.pid, gr.decided_by, gr.decided_at, 'gate_review', gr.id::text, 'decide',
	        jsonb_build_object('decision', gr.decision, 'attendees', gr.attendees, 'notes', gr.notes)
	 FROM gate_reviews gr, large_ctx c WHERE gr.project_id = c.pid AND gr.decision IS NOT NULL`,

	// The backlog: 5,000 requirements created over the year, ranked in
	// creation order, about one in ten unplanned, one in eight customised.
	// One in four changed tier later and one in nine changed phase: the
	// version counts those updates and the trail records them.
	`INSERT INTO requirements (project_id, number, title, user_story, acceptance_criteria, tier, rank, phase_id, kind, approach,
	                          owner_id, status, estimate_days, version, created_at, updated_at)
	 SELECT c.pid, n,
	        format('%s %s', (ARRAY['Capture leads from','Assign accounts by','Quote approval for','Ticket routing for','Visit report for','Dashboard of',
	                               'Import contacts from','Sync orders with','Train key users on','Announce changes to','Clean duplicates in','Report on'])[1 + n % 12],
	               (ARRAY['the web form','territory','large deals','key accounts','field sales','pipeline','trade shows','the ERP','mobile','service agents','partners','renewals'])[1 + (n / 12) % 12]),
	        format('As a %s I want this so that %s.', (ARRAY['sales rep','service agent','sales manager','marketing analyst'])[1 + n % 4],
	               (ARRAY['I stop re-typing data','follow-ups are not missed','the forecast is trusted','customers get one answer'])[1 + (n / 4) % 4]),
	        ARRAY[format('Given item %s, when it is saved, then it shows in the list', n), 'It works in the mobile app'],
	        (ARRAY['must','must','must','important','important','important','important','optional','optional','optional'])[1 + n % 10],
	        n::bigint * 65536,
	        CASE WHEN n % 10 = 7 THEN NULL ELSE c.phases[3 + n % 3] END,
	        (ARRAY['feature','feature','feature','process','process','report','integration','data_migration','training','change_management'])[1 + (n * 7) % 10],
	        CASE WHEN n % 8 = 0 THEN 'customization' ELSE 'configuration' END,
	        c.workers[1 + n % cardinality(c.workers)],
	        CASE WHEN n <= 1500 THEN (ARRAY['done','done','in_progress','approved','rejected'])[1 + n % 5]
	             WHEN n <= 3500 THEN (ARRAY['approved','in_progress','proposed','deferred'])[1 + n % 4]
	             ELSE (ARRAY['proposed','proposed','approved'])[1 + n % 3] END,
	        (1 + n % 10) / 2.0,
	        1 + (n % 4 = 0)::int + (n % 9 = 0)::int,
	        (c.start_on + ((n - 1) * 364) / 5000 + time '09:00' + (n % 480) * interval '1 minute') AT TIME ZONE 'UTC',
	        CASE WHEN n % 9 = 0 THEN (c.start_on + least(((n - 1) * 364) / 5000 + 1 + n % 50, 364) + time '11:00') AT TIME ZONE 'UTC'
	             WHEN n % 4 = 0 THEN (c.start_on + least(((n - 1) * 364) / 5000 + 1 + n % 50, 364) + time '10:00') AT TIME ZONE 'UTC'
	             ELSE (c.start_on + ((n - 1) * 364) / 5000 + time '09:00' + (n % 480) * interval '1 minute') AT TIME ZONE 'UTC' END
	 FROM generate_series(1, 5000) n, large_ctx c`,
	`INSERT INTO requirement_goals (requirement_id, goal_id)
	 SELECT r.id, gs.ids[1 + r.number % 50] FROM requirements r, large_ctx c,
	        (SELECT array_agg(g.id ORDER BY g.id) AS ids FROM goals g, large_ctx c WHERE g.project_id = c.pid) gs
	 WHERE r.project_id = c.pid AND r.number % 20 <> 0
	 UNION
	 SELECT r.id, gs.ids[1 + (r.number * 7 + 3) % 50] FROM requirements r, large_ctx c,
	        (SELECT array_agg(g.id ORDER BY g.id) AS ids FROM goals g, large_ctx c WHERE g.project_id = c.pid) gs
	 WHERE r.project_id = c.pid AND r.number % 3 = 0`,
	// Created as they were then: the tier and phase before any move.
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, after)
	 SELECT c.pid, r.owner_id, r.created_at, 'requirement', r.id::text, 'create',
	        to_jsonb(r) - 'project_id' - 'version' - 'created_at' - 'updated_at'
	        || jsonb_build_object(
	             'tier', CASE WHEN r.number % 4 <> 0 THEN r.tier WHEN r.tier = 'must' THEN 'important' WHEN r.tier = 'important' THEN 'optional' ELSE 'must' END,
	             'phase_id', CASE WHEN r.number % 9 <> 0 THEN to_jsonb(r.phase_id) ELSE to_jsonb(c.phases[2]) END,
	             'goal_ids', coalesce(rg.ids, '[]'))
	 FROM requirements r CROSS JOIN large_ctx c
	 LEFT JOIN (SELECT x.requirement_id, jsonb_agg(x.goal_id ORDER BY x.goal_id) AS ids FROM requirement_goals x
	            JOIN requirements y ON y.id = x.requirement_id, large_ctx c WHERE y.project_id = c.pid GROUP BY x.requirement_id) rg
	   ON rg.requirement_id = r.id
	 WHERE r.project_id = c.pid`,
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, before, after)
	 SELECT c.pid, r.owner_id, (c.start_on + least(((r.number - 1) * 364) / 5000 + 1 + r.number % 50, 364) + time '10:00') AT TIME ZONE 'UTC',
	        'requirement', r.id::text, 'update',
	        jsonb_build_object('tier', CASE WHEN r.tier = 'must' THEN 'important' WHEN r.tier = 'important' THEN 'optional' ELSE 'must' END),
	        jsonb_build_object('tier', r.tier)
	 FROM requirements r, large_ctx c WHERE r.project_id = c.pid AND r.number % 4 = 0`,
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, before, after)
	 SELECT c.pid, r.owner_id, (c.start_on + least(((r.number - 1) * 364) / 5000 + 1 + r.number % 50, 364) + time '11:00') AT TIME ZONE 'UTC',
	        'requirement', r.id::text, 'update',
	        jsonb_build_object('phase_id', c.phases[2]),
	        jsonb_build_object('phase_id', r.phase_id)
	 FROM requirements r, large_ctx c WHERE r.project_id = c.pid AND r.number % 9 = 0`,
	// Requirements 5001 … 5100 were added and dropped again; their ids are
	// taken from the sequence so no row will ever reuse them.
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, before, after)
	 SELECT c.pid, c.workers[1 + x.n % cardinality(c.workers)], e.at, 'requirement', x.id::text, e.action,
	        CASE WHEN e.action = 'delete' THEN x.body END, CASE WHEN e.action = 'create' THEN x.body END
	 FROM (SELECT n, nextval(pg_get_serial_sequence('requirements', 'id')) AS id,
	              jsonb_build_object('number', n, 'title', format('Dropped idea %s', n), 'tier', 'optional', 'kind', 'feature',
	                                 'approach', 'customization', 'status', 'proposed', 'goal_ids', '[]'::jsonb) AS body
	       FROM generate_series(5001, 5100) n) x
	 CROSS JOIN large_ctx c
	 CROSS JOIN LATERAL (VALUES
	   ('create', (c.start_on + ((x.n - 5001) * 340) / 100 + time '14:00') AT TIME ZONE 'UTC'),
	   ('delete', (c.start_on + ((x.n - 5001) * 340) / 100 + 1 + x.n % 20 + time '16:00') AT TIME ZONE 'UTC')) AS e(action, at)
	 ORDER BY e.at`,

	// Change requests, one every few days: drafts, submitted, rejected,
	// withdrawn, approved and implemented, asked by people outside the
	// steering committee, decided by its two members (two approvals needed).
	`INSERT INTO change_requests (project_id, number, title, reason, description, expected_effect, requested_by, goal_ids,
	                             schedule_days, cost, effort_days, affected_roles, affected_departments, affected_note, operations,
	                             status, submitted_at, decided_at, approved_versions, applied_at, applied_by, apply_result, version, created_at, updated_at)
	 SELECT c.pid, n, format('%s (%s)', (ARRAY['Add a field to the lead form','Move partner portal to phase two','Extra report for finance','Shift the pilot by a week','Drop a custom screen','New integration with the call centre'])[1 + n % 6], n),
	        'Asked by the business after the last sprint review.', format('What changes and why, request %s.', n), 'Less re-typing for reps.',
	        c.requesters[1 + n % cardinality(c.requesters)],
	        ARRAY[gs.ids[1 + n % 50]],
	        n % 15, (n % 10) * 1000.0, (n % 8) * 1.5, ARRAY['member'], ARRAY['sales'], '', '[]',
	        s.status,
	        CASE WHEN s.status <> 'draft' AND NOT (s.status = 'withdrawn' AND (n / 10) % 2 = 0) THEN t.created + interval '1 day' END,
	        CASE WHEN s.status IN ('approved', 'rejected', 'implemented') THEN t.created + interval '3 days' END,
	        CASE WHEN s.status IN ('approved', 'implemented') THEN '{}'::jsonb END,
	        CASE WHEN s.status = 'implemented' THEN t.created + interval '5 days' END,
	        CASE WHEN s.status = 'implemented' THEN c.pm END,
	        CASE WHEN s.status = 'implemented' THEN '[]'::jsonb END,
	        CASE s.status WHEN 'draft' THEN 1 WHEN 'submitted' THEN 2 WHEN 'rejected' THEN 3 WHEN 'approved' THEN 3 WHEN 'implemented' THEN 4
	                      ELSE CASE WHEN (n / 10) % 2 = 0 THEN 2 ELSE 3 END END,
	        t.created,
	        t.created + CASE s.status WHEN 'draft' THEN interval '0' WHEN 'submitted' THEN interval '1 day' WHEN 'implemented' THEN interval '5 days'
	                                  WHEN 'withdrawn' THEN interval '2 days' ELSE interval '3 days' END
	 FROM generate_series(1, 300) n CROSS JOIN large_ctx c
	 CROSS JOIN (SELECT array_agg(g.id ORDER BY g.id) AS ids FROM goals g, large_ctx c WHERE g.project_id = c.pid) gs
	 CROSS JOIN LATERAL (SELECT (c.start_on + ((n - 1) * 355) / 300 + time '09:30') AT TIME ZONE 'UTC' AS created) t
	 CROSS JOIN LATERAL (SELECT CASE WHEN n > 290 THEN (ARRAY['draft','submitted'])[1 + n % 2]
	                                 ELSE (ARRAY['draft','submitted','rejected','withdrawn','approved','approved','implemented','implemented','implemented','implemented'])[1 + n % 10] END AS status) s`,
	`INSERT INTO change_votes (change_id, voter_id, approve, comment, voted_at)
	 SELECT cr.id, v.voter, cr.status <> 'rejected', CASE WHEN cr.status = 'rejected' THEN 'Not in this phase.' ELSE '' END,
	        cr.decided_at - (3 - v.i) * interval '1 hour'
	 FROM change_requests cr CROSS JOIN large_ctx c CROSS JOIN LATERAL unnest(c.steering) WITH ORDINALITY AS v(voter, i)
	 WHERE cr.project_id = c.pid AND (cr.status IN ('approved', 'implemented') OR (cr.status = 'rejected' AND v.i = 1))`,
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, before, after)
	 SELECT c.pid, e.actor, e.at, 'change_request', cr.id::text, e.action, e.before, e.after
	 FROM change_requests cr CROSS JOIN large_ctx c
	 CROSS JOIN LATERAL (VALUES
	   ('create', cr.requested_by, cr.created_at, NULL::jsonb,
	    to_jsonb(cr) - 'project_id' - 'version' - 'created_at' - 'updated_at' - 'schedule_days' - 'cost' - 'effort_days'
	      - 'affected_roles' - 'affected_departments' - 'affected_note' - 'approved_versions'
	      || jsonb_build_object('status', 'draft', 'submitted_at', NULL, 'decided_at', NULL, 'applied_at', NULL, 'applied_by', NULL, 'apply_result', NULL)),
	   ('submit', c.pm, cr.submitted_at, jsonb_build_object('status', 'draft', 'submitted_at', NULL),
	    jsonb_build_object('status', 'submitted', 'submitted_at', cr.submitted_at)),
	   (CASE WHEN cr.status = 'rejected' THEN 'rejected' ELSE 'approved' END, c.steering[CASE WHEN cr.status = 'rejected' THEN 1 ELSE 2 END], cr.decided_at,
	    jsonb_build_object('status', 'submitted', 'decided_at', NULL),
	    jsonb_build_object('status', CASE WHEN cr.status = 'rejected' THEN 'rejected' ELSE 'approved' END, 'decided_at', cr.decided_at)),
	   ('withdraw', cr.requested_by, CASE WHEN cr.status = 'withdrawn' THEN cr.updated_at END,
	    jsonb_build_object('status', CASE WHEN cr.submitted_at IS NULL THEN 'draft' ELSE 'submitted' END), jsonb_build_object('status', 'withdrawn')),
	   ('apply', c.pm, cr.applied_at, jsonb_build_object('status', 'approved', 'applied_at', NULL, 'applied_by', NULL),
	    jsonb_build_object('status', 'implemented', 'applied_at', cr.applied_at, 'applied_by', c.pm, 'apply_result', '[]'::jsonb))
	 ) AS e(action, actor, at, before, after)
	 WHERE cr.project_id = c.pid AND e.at IS NOT NULL
	 ORDER BY e.at`,
	`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, after)
	 SELECT c.pid, v.voter_id, v.voted_at, 'change_vote', v.change_id::text, 'vote',
	        jsonb_build_object('voter_id', v.voter_id, 'approve', v.approve, 'comment', v.comment, 'voted_at', v.voted_at)
	 FROM change_votes v JOIN change_requests cr ON cr.id = v.change_id, large_ctx c WHERE cr.project_id = c.pid
	 ORDER BY v.voted_at`,
}
