package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/comment"
	"rollout/internal/date"
	"rollout/internal/milestone"
	"rollout/internal/project"
	"rollout/internal/risk"
	"rollout/internal/web/chart"
)

// The risk register's pages: the register with its heat maps and filters, a
// risk with its reviews and score history, the form to add, propose or edit
// one. The import and export are in risk_import.go, the API in api_risks.go.

// ratingScale is 1…5, for the probability and impact selects.
var ratingScale = func() []int {
	s := make([]int, risk.Scale)
	for i := range s {
		s[i] = i + 1
	}
	return s
}()

// filterQuery is a filter as query parameters, without its heat-map cell.
func filterQuery(f risk.Filter) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("category", string(f.Category))
	set("level", string(f.Level))
	set("status", f.Status)
	if f.OwnerID != 0 {
		q.Set("owner_id", itoa64(f.OwnerID))
	}
	if f.Overdue {
		q.Set("overdue", "1")
	}
	set("sort", f.Sort)
	return q
}

type risksView struct {
	projectPage
	Risks              []risk.View   // this page's
	Rows               template.HTML // Risks rendered (risks/row), once per state of the project
	Pager              pager
	Filter             risk.Filter
	Filtered           bool
	Heat               risk.HeatMap
	Inherent, Residual template.HTML
	CellMap            string // the map of the picked cell, translated
	ClearCell          string // the register without the cell
	SortLinks          map[string]string
	Sort               string
	Overdue            int
	Members            []project.Member
	Categories         []risk.Category
	Statuses           []risk.Status
	Levels             []risk.Severity
	Scale              []int
	CanPropose         bool
	CanManage          bool
	CanImport          bool
	Bands              map[string]int
}

// riskRow is a risk as a row of the register (template risks/row).
type riskRow struct {
	risk.View
	ProjectKey string
}

func (s *Server) handleRisks(c *fiber.Ctx) error {
	if kept, err := s.servedKept(c, "risks"); kept || err != nil {
		return err
	}
	pp := newProjectPage(c, "risks")
	ctx, tr := c.UserContext(), s.translator(c)
	f, err := riskFilter(c)
	if err != nil {
		return err
	}
	q := newQueryReader(c)
	page := pageNumber(q)
	if err := q.err(); err != nil {
		return err
	}
	// One read of the register gives the list and its heat maps.
	vs, heat, err := s.risks(c, f)
	if err != nil {
		return err
	}
	ms, err := project.Members(ctx, s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	path := projectPath(pp.Project, "/risks")
	base := filterQuery(f)
	sel := chart.HeatCell{P: f.Probability, I: f.Impact, Map: f.Map}
	if sel.Map == "" {
		sel.Map = risk.Inherent
	}
	v := risksView{projectPage: pp, Filter: f, Heat: heat, Members: ms,
		Inherent:   chart.RiskHeatMap(tr, heat.Inherent, risk.Inherent, path, base, sel),
		Residual:   chart.RiskHeatMap(tr, heat.Residual, risk.Residual, path, base, sel),
		CellMap:    tr.T("enum.risk_map." + string(sel.Map)),
		ClearCell:  path + "?" + base.Encode() + "#risk-list",
		SortLinks:  map[string]string{},
		Sort:       f.Sort,
		Categories: risk.Categories, Statuses: risk.Statuses, Levels: risk.Levels, Scale: ratingScale,
		CanPropose: pp.Access.Can(project.ProposeRisk) && !pp.Project.Archived,
		CanManage:  pp.Access.Can(project.ManageRisks) && !pp.Project.Archived,
		Bands: map[string]int{"LowMax": risk.LowMax, "MediumMin": risk.LowMax + 1, "MediumMax": risk.MediumMax,
			"HighMin": risk.MediumMax + 1, "HighMax": risk.HighMax, "Scale": risk.Scale},
	}
	v.CanImport = v.CanManage
	if v.Sort == "" {
		v.Sort = risk.SortScore
	}
	v.Filtered = len(base) > 0 && !(len(base) == 1 && base.Has("sort")) || f.Cell()
	for _, key := range []string{risk.SortScore, risk.SortKey, risk.SortReview} {
		q := filterQuery(f)
		q.Set("sort", key)
		if f.Cell() {
			q.Set("p", strconv.Itoa(f.Probability))
			q.Set("i", strconv.Itoa(f.Impact))
			q.Set("map", string(sel.Map))
		}
		v.SortLinks[key] = path + "?" + q.Encode() + "#risk-list"
	}
	for _, r := range vs {
		if r.Overdue {
			v.Overdue++
		}
	}
	// A page of the register: the heat maps and the counts cover it all.
	here := filterQuery(f)
	if f.Cell() {
		here.Set("p", strconv.Itoa(f.Probability))
		here.Set("i", strconv.Itoa(f.Impact))
		here.Set("map", string(sel.Map))
	}
	var lo, hi int
	v.Pager, lo, hi = pageOf(page, riskPageSize, len(vs), func(n int) string { return withPage(path, here, n, "#risk-list") })
	v.Risks = vs[lo:hi]
	if v.Rows, err = fragment(s, c, fmt.Sprintf("risk-rows:%+v:%d", f, page), "risks/row", func() []riskRow {
		rows := make([]riskRow, len(v.Risks))
		for i, r := range v.Risks {
			rows[i] = riskRow{View: r, ProjectKey: pp.Project.Key}
		}
		return rows
	}); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "risks/list", tr.T("risks.title"), v)
}

type riskFormView struct {
	projectPage
	In                   risk.Input
	Risk                 *risk.Risk // nil when creating
	Owners               []project.Member
	Milestones           []milestone.View
	MilestoneID          int64
	Categories           []risk.Category
	Statuses             []risk.Status
	Scale                []int
	ResidualP, ResidualI int
	Proposal             bool // created by someone who does not manage the register: starts open
	CanDelete            bool
}

// renderRiskForm shows the form to add, propose or edit a risk.
func (s *Server) renderRiskForm(c *fiber.Ctx, status int, in risk.Input, r *risk.Risk, f form) error {
	pp := newProjectPage(c, "risks")
	pp.Form = f
	ms, err := project.Members(c.UserContext(), s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	owners := make([]project.Member, 0, len(ms))
	for _, m := range ms {
		if m.Role != project.RoleViewer {
			owners = append(owners, m)
		}
	}
	mss, err := milestone.List(c.UserContext(), s.db, pp.Project.ID, s.today())
	if err != nil {
		return err
	}
	v := riskFormView{projectPage: pp, In: in, Risk: r, Owners: owners, Milestones: mss, Categories: risk.Categories,
		Statuses: risk.Statuses, Scale: ratingScale, Proposal: r == nil && !pp.Access.Can(project.ManageRisks),
		CanDelete: pp.Access.Can(project.ManageRisks) && !pp.Project.Archived}
	if in.MilestoneID != nil {
		v.MilestoneID = *in.MilestoneID
	}
	if in.ResidualProbability != nil {
		v.ResidualP = *in.ResidualProbability
	}
	if in.ResidualImpact != nil {
		v.ResidualI = *in.ResidualImpact
	}
	tr := s.translator(c)
	title := tr.T("risk.new")
	switch {
	case r != nil:
		title = tr.T("risk.edit")
	case v.Proposal:
		title = tr.T("risk.propose")
	}
	return s.render(c, status, "risks/form", title, v)
}

func (s *Server) handleRiskNew(c *fiber.Ctx) error {
	today := s.today()
	return s.renderRiskForm(c, fiber.StatusOK, risk.Input{OwnerID: mustUser(c).ID, Status: risk.Open,
		IdentifiedOn: today, NextReviewOn: today.AddDays(14)}, nil, form{})
}

// createRisk adds the risk, or proposes it when the caller does not manage the register.
func (s *Server) createRisk(c *fiber.Ctx, in risk.Input) (*risk.Risk, bool, error) {
	p, acc := currentProject(c)
	if acc.Can(project.ManageRisks) {
		r, err := risk.Create(c.UserContext(), s.db, mustUser(c).ID, p.ID, in, s.today())
		return r, false, err
	}
	r, err := risk.Propose(c.UserContext(), s.db, mustUser(c).ID, p.ID, in, s.today())
	return r, true, err
}

func (s *Server) handleRiskCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var in risk.Input
	if err := bindForm(c, &in); err != nil {
		return err
	}
	r, proposed, err := s.createRisk(c, in)
	if err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderRiskForm(c, formStatus(err), in, nil, f)
	}
	msg := "flash.risk_created"
	if proposed {
		msg = "flash.risk_proposed"
	}
	return s.redirectWith(c, riskPath(p, r.Number), "success", msg)
}

func riskPath(p *project.Project, number int) string {
	return projectPath(p, "/risks/"+strconv.Itoa(number))
}

// riskParam reads :number and loads that risk of the current project.
func (s *Server) riskParam(c *fiber.Ctx) (*risk.Risk, error) {
	p, _ := currentProject(c)
	n, err := paramID(c, "number")
	if err != nil || n > 1<<30 {
		return nil, apperr.NotFound()
	}
	return risk.Get(c.UserContext(), s.db, p.ID, int(n))
}

// editableRisk loads the risk of :number for its edit page and for API
// writes whose body comes after the question "may you?" (403 before 422): it
// asks the domain's rule (risk.CanEdit), which the writes enforce themselves.
func (s *Server) editableRisk(c *fiber.Ctx) (*risk.Risk, error) {
	r, err := s.riskParam(c)
	if err != nil {
		return nil, err
	}
	if !risk.CanEdit(callerOf(c), r) {
		return nil, apperr.Forbidden()
	}
	return r, nil
}

type riskView struct {
	projectPage
	Risk      *risk.View
	History   []risk.Point
	Trail     []historyEntry
	Chart     template.HTML
	CanEdit   bool
	CanDelete bool
	New       risk.ReviewInput
	Scale     []int
	Today     date.Date
	Comments  *commentsView
}

func (s *Server) renderRisk(c *fiber.Ctx, status int, number int, in risk.ReviewInput, f form) error {
	pp := newProjectPage(c, "risks")
	pp.Form = f
	ctx, today, tr := c.UserContext(), s.today(), s.translator(c)
	v, err := risk.GetView(ctx, s.db, pp.Project.ID, number, today)
	if err != nil {
		return err
	}
	rvs, err := risk.Reviews(ctx, s.db, v.ID)
	if err != nil {
		return err
	}
	history := risk.History(&v.Risk, rvs)
	if in.Probability == 0 && in.Impact == 0 {
		in.Probability, in.Impact = v.Probability, v.Impact
	}
	if in.ReviewedOn.IsZero() {
		in.ReviewedOn = today
	}
	trail, err := s.itemHistory(c, pp.Project.ID, "risk", v.Key)
	if err != nil {
		return err
	}
	comments, err := s.loadComments(c, &comment.Target{Kind: comment.Risk, ID: v.ID, Ref: int64(v.Number)})
	if err != nil {
		return err
	}
	writable := !pp.Project.Archived
	return s.render(c, status, "risks/show", v.Key+" "+v.Title, riskView{projectPage: pp, Risk: v, History: history, Trail: trail, Comments: comments,
		Chart:     chart.RiskHistory(history, today, tr.T("risk.chart_title", "Key", v.Key)),
		CanEdit:   writable && risk.CanEdit(callerOf(c), &v.Risk),
		CanDelete: writable && pp.Access.Can(project.ManageRisks),
		New:       in, Scale: ratingScale, Today: today})
}

func (s *Server) handleRisk(c *fiber.Ctx) error {
	r, err := s.riskParam(c)
	if err != nil {
		return err
	}
	return s.renderRisk(c, fiber.StatusOK, r.Number, risk.ReviewInput{}, form{})
}

func (s *Server) handleRiskEdit(c *fiber.Ctx) error {
	r, err := s.editableRisk(c)
	if err != nil {
		return err
	}
	return s.renderRiskForm(c, fiber.StatusOK, risk.InputOf(r), r, form{})
}

func (s *Server) handleRiskUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.riskParam(c)
	if err != nil {
		return err
	}
	var in risk.Input
	if err := bindForm(c, &in); err != nil {
		return err
	}
	if _, err := risk.Update(c.UserContext(), s.db, callerOf(c), p.ID, r.Number, in, s.today()); err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderRiskForm(c, formStatus(err), in, r, f)
	}
	return s.redirectWith(c, riskPath(p, r.Number), "success", "flash.saved")
}

func (s *Server) handleRiskDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.riskParam(c)
	if err != nil {
		return err
	}
	if err := risk.Delete(c.UserContext(), s.db, mustUser(c).ID, p.ID, r.Number); err != nil {
		return err
	}
	return s.redirectWith(c, projectPath(p, "/risks"), "success", "flash.risk_deleted")
}

func (s *Server) handleRiskReviewCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.riskParam(c)
	if err != nil {
		return err
	}
	var in risk.ReviewInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	if _, err := risk.AddReview(c.UserContext(), s.db, callerOf(c), p.ID, r.Number, in, s.today()); err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderRisk(c, formStatus(err), r.Number, in, f)
	}
	return s.redirectWith(c, riskPath(p, r.Number), "success", "flash.risk_review_added")
}

// starterOption is a starter risk as the new-project form offers it.
type starterOption struct {
	risk.Starter
	Checked bool
}

// starterOptions returns the starter risks in the caller's language, with
// the chosen ones checked.
func starterOptions(c *fiber.Ctx, chosen []string) []starterOption {
	ss := risk.Starters(lang(c))
	out := make([]starterOption, len(ss))
	for i, st := range ss {
		out[i] = starterOption{Starter: st}
		for _, code := range chosen {
			if code == st.Code {
				out[i].Checked = true
			}
		}
	}
	return out
}
