package milestone

import (
	"context"

	"github.com/uptrace/bun"

	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/project"
)

// View is a milestone as the plan shows it.
type View struct {
	Milestone `bun:",extend"`

	PhaseName         string    `bun:"phase_name" json:"phase_name"`
	PhasePosition     int       `bun:"phase_position" json:"-"`
	OwnerName         string    `bun:"owner_name" json:"owner_name"`
	DeliverablesDone  int       `bun:"deliverables_done" json:"deliverables_done"`
	DeliverablesTotal int       `bun:"deliverables_total" json:"deliverables_total"`
	LastDecision      *Decision `bun:"last_decision" json:"last_decision"`
	PendingReviewID   *int64    `bun:"pending_review_id" json:"pending_review_id"`

	// BaselineOn is the milestone's planned date in the baseline slip is
	// measured against (zero: measured against its own plan).
	BaselineOn date.Date `bun:"baseline_on,type:date" json:"baseline_on"`

	Status Status `bun:"-" json:"status"`
	Slip   int    `bun:"-" json:"slip_days"`
}

// List returns the project's milestones by phase and planned date, with their
// figures and their slip against the latest baseline, in one query.
func List(ctx context.Context, db bun.IDB, projectID int64, today date.Date) ([]View, error) {
	return ListAgainst(ctx, db, projectID, LatestBaseline, today)
}

// ListAgainst is List with slip measured against the baseline against names
// (a baseline id, LatestBaseline or CurrentPlan).
func ListAgainst(ctx context.Context, db bun.IDB, projectID, against int64, today date.Date) ([]View, error) {
	var vs []View
	return scanEvaluated(ctx, selectViews(db, &vs, against).Where("m.project_id = ?", projectID).
		OrderExpr("coalesce(ph.position, 1000000), m.planned_on, m.id"), &vs, today)
}

// ListProjects is List for several projects at once, in one query: their
// milestones by project, then as List orders them, each with its slip
// against its own project's latest baseline (the portfolio).
func ListProjects(ctx context.Context, db bun.IDB, projectIDs []int64, today date.Date) ([]View, error) {
	var vs []View
	if len(projectIDs) == 0 {
		return vs, nil
	}
	return scanEvaluated(ctx, selectViews(db, &vs, LatestBaseline).Where("m.project_id IN (?)", bun.List(projectIDs)).
		OrderExpr("m.project_id, coalesce(ph.position, 1000000), m.planned_on, m.id"), &vs, today)
}

// scanEvaluated runs q, which scans into vs, and works out each milestone's
// status and slip as of today.
func scanEvaluated(ctx context.Context, q *bun.SelectQuery, vs *[]View, today date.Date) ([]View, error) {
	if err := q.Scan(ctx); err != nil {
		return nil, database.MapError(err)
	}
	for i := range *vs {
		(*vs)[i].evaluate(today)
	}
	return *vs, nil
}

// GetView returns one milestone of the project as the plan shows it, its
// slip against the latest baseline.
func GetView(ctx context.Context, db bun.IDB, projectID, id int64, today date.Date) (*View, error) {
	v := new(View)
	if err := selectViews(db, v, LatestBaseline).Where("m.project_id = ? AND m.id = ?", projectID, id).Scan(ctx); err != nil {
		return nil, database.MapError(err)
	}
	v.evaluate(today)
	return v, nil
}

func (v *View) evaluate(today date.Date) {
	v.Status = StatusOf(v.PlannedOn, v.ForecastOn, v.ActualOn, today)
	v.Slip = Lateness(v.BaselineOn, v.PlannedOn, v.ForecastOn, v.ActualOn, today)
}

func selectViews(db bun.IDB, model any, against int64) *bun.SelectQuery {
	q := db.NewSelect().Model(model).ColumnExpr("m.*")
	switch against {
	case CurrentPlan:
		q = q.ColumnExpr("NULL::date AS baseline_on")
	case LatestBaseline:
		q = q.ColumnExpr(`(SELECT bd.planned_on FROM baseline_dates AS bd WHERE bd.milestone_id = m.id AND bd.baseline_id =
			(SELECT pb.id FROM plan_baselines AS pb WHERE pb.project_id = m.project_id ORDER BY pb.taken_at DESC, pb.id DESC LIMIT 1)) AS baseline_on`)
	default:
		q = q.ColumnExpr("(SELECT bd.planned_on FROM baseline_dates AS bd WHERE bd.milestone_id = m.id AND bd.baseline_id = ?) AS baseline_on", against)
	}
	return q.
		ColumnExpr("coalesce(ph.name, '') AS phase_name, coalesce(ph.position, 1000000) AS phase_position").
		ColumnExpr("coalesce(u.name, '') AS owner_name").
		ColumnExpr("dl.deliverables_done, dl.deliverables_total, gv.last_decision, gv.pending_review_id").
		Join("LEFT JOIN phases AS ph ON ph.id = m.phase_id").
		Join("LEFT JOIN users AS u ON u.id = m.owner_id").
		// One pass over a milestone's deliverables and one over its reviews
		// (four correlated sub-plans per milestone before). A milestone has
		// at most one pending review (gate_reviews_one_pending_key).
		Join(`CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE d.done) AS deliverables_done, count(*) AS deliverables_total
			FROM deliverables AS d WHERE d.milestone_id = m.id) AS dl`).
		Join(`CROSS JOIN LATERAL (SELECT (array_agg(gr.decision ORDER BY gr.decided_at DESC) FILTER (WHERE gr.decision IS NOT NULL))[1] AS last_decision,
			min(gr.id) FILTER (WHERE gr.decision IS NULL) AS pending_review_id
			FROM gate_reviews AS gr WHERE gr.milestone_id = m.id) AS gv`)
}

// PhaseBoard is one phase of the board: milestones done of total,
// deliverables done of total, and the next gate.
type PhaseBoard struct {
	Phase             project.Phase
	Milestones        []View
	Done, Total       int
	DeliverablesDone  int
	DeliverablesTotal int
	NextGate          *View
}

// Board groups milestones by phase (in phase order; milestones without a
// phase come last under an empty phase).
func Board(phases []project.Phase, vs []View) []PhaseBoard {
	boards := make([]PhaseBoard, 0, len(phases)+1)
	index := map[int64]int{}
	for _, ph := range phases {
		index[ph.ID] = len(boards)
		boards = append(boards, PhaseBoard{Phase: ph})
	}
	none := -1
	for i := range vs {
		v := &vs[i]
		bi := none
		if v.PhaseID != nil {
			if j, ok := index[*v.PhaseID]; ok {
				bi = j
			}
		}
		if bi < 0 {
			if none < 0 {
				none = len(boards)
				boards = append(boards, PhaseBoard{})
			}
			bi = none
		}
		b := &boards[bi]
		b.Milestones = append(b.Milestones, *v)
		b.Total++
		if v.Status == Done {
			b.Done++
		}
		b.DeliverablesDone += v.DeliverablesDone
		b.DeliverablesTotal += v.DeliverablesTotal
	}
	for i := range boards {
		for j := range boards[i].Milestones {
			m := &boards[i].Milestones[j]
			if m.IsGate && m.Status != Done {
				boards[i].NextGate = m
				break
			}
		}
	}
	return boards
}

// templateMilestone is a default milestone of a CRM rollout.
type templateMilestone struct {
	phase        int     // index of the CRM template's phases
	at           float64 // where it falls between start and target, 0..1
	gate         bool
	typ          Type
	name         map[string]string
	deliverables map[string][]string
}

// crmMilestones are the default milestones of the CRM template.
var crmMilestones = []templateMilestone{
	{0, 0.05, true, Other, map[string]string{"en": "Goals signed off", "zh-CN": "目标签署"},
		map[string][]string{"en": {"Measurable goals with owners", "Scope boundary with ERP, finance and OA", "Business sponsor named"},
			"zh-CN": {"有负责人的可量化目标", "与 ERP、财务、OA 的范围边界", "确定业务发起人"}}},
	{1, 0.15, true, Other, map[string]string{"en": "Vendor chosen", "zh-CN": "确定供应商"},
		map[string][]string{"en": {"Demo scripts scored by the business", "Reference visits", "Contract signed"},
			"zh-CN": {"业务按演示脚本打分", "参观参考客户", "签订合同"}}},
	{2, 0.3, true, Other, map[string]string{"en": "Solution design approved", "zh-CN": "方案设计通过"},
		map[string][]string{"en": {"Customer lifecycle process map", "Phase 1 backlog ranked", "Data owners and cleansing rules"},
			"zh-CN": {"客户全生命周期流程图", "第一期需求排好优先级", "数据负责人与清洗规则"}}},
	{2, 0.45, false, Rehearsal, map[string]string{"en": "First mock migration", "zh-CN": "第一次模拟迁移"},
		map[string][]string{"en": {"Migration run on a copy", "Error report reviewed by data owners"}, "zh-CN": {"在副本上完成迁移", "数据负责人审阅错误报告"}}},
	{2, 0.55, false, Rehearsal, map[string]string{"en": "Second mock migration", "zh-CN": "第二次模拟迁移"},
		map[string][]string{"en": {"Migration run on a copy", "Counts reconciled with the old systems"}, "zh-CN": {"在副本上完成迁移", "与旧系统核对数量"}}},
	{2, 0.65, true, UAT, map[string]string{"en": "User acceptance", "zh-CN": "用户验收"},
		map[string][]string{"en": {"Acceptance tests by key users", "Open defects triaged"}, "zh-CN": {"关键用户完成验收测试", "遗留缺陷已分级"}}},
	{3, 0.75, true, GoLive, map[string]string{"en": "Go-live", "zh-CN": "上线"},
		map[string][]string{"en": {"Role-based training done", "Cut-over rehearsed", "Support rota in place"}, "zh-CN": {"按岗位完成培训", "切换演练完成", "支持值班安排就绪"}}},
	{4, 1.0, true, ValueReview, map[string]string{"en": "90-day value review", "zh-CN": "上线 90 天价值复盘"},
		map[string][]string{"en": {"Goals re-measured against baselines", "Usage reviewed (lead entry, follow-ups, stage changes)", "Next iteration planned"},
			"zh-CN": {"对照基线重新测量目标", "复盘使用情况（线索录入、跟进、阶段变化）", "规划下一次迭代"}}},
}

// TemplateMilestones adds the CRM template's default milestones to a new
// project (an Extension of project.Create). Dates spread between the
// project's start and target (or over a year from today).
func TemplateMilestones(today date.Date) project.Extension {
	return func(ctx context.Context, tx bun.Tx, p *project.Project, lang string) error {
		phases, err := project.Phases(ctx, tx, p.ID)
		if err != nil || len(phases) < 5 {
			return err
		}
		start, end := p.StartOn, p.TargetOn
		if start.IsZero() {
			start = today
		}
		if end.IsZero() || !end.After(start) {
			end = start.AddDays(365)
		}
		days := start.DaysUntil(end)
		if lang != "zh-CN" {
			lang = "en"
		}
		var ms []Milestone
		var ds [][]string
		for _, t := range crmMilestones {
			phase := phases[t.phase].ID
			ms = append(ms, Milestone{ProjectID: p.ID, PhaseID: &phase, Name: t.name[lang], IsGate: t.gate, Type: t.typ, Readiness: Readiness{},
				PlannedOn: start.AddDays(int(float64(days) * t.at)), Version: 1})
			ds = append(ds, t.deliverables[lang])
		}
		if _, err := tx.NewInsert().Model(&ms).Returning("*").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		// The creator is the project's only member while it is being created.
		var creator int64
		if err := tx.NewSelect().Table("members").Column("user_id").Where("project_id = ?", p.ID).Limit(1).Scan(ctx, &creator); err != nil {
			return database.MapError(err)
		}
		var dels []Deliverable
		var writes []audit.Write
		for i := range ms {
			for j, title := range ds[i] {
				dels = append(dels, Deliverable{MilestoneID: ms[i].ID, Position: j + 1, Title: title})
			}
			writes = append(writes, audit.Write{ProjectID: p.ID, ActorID: creator, Entity: "milestone", EntityID: ms[i].ID,
				Action: audit.Create, After: &ms[i], Ref: "template"})
		}
		if _, err := tx.NewInsert().Model(&dels).Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.RecordMany(ctx, tx, writes)
	}
}
