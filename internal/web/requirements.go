package web

import (
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/goal"
	"rollout/internal/i18n"
	"rollout/internal/project"
	"rollout/internal/requirement"
	"rollout/internal/web/chart"
)

// The backlog pages: the ranked list (grouped by tier or phase, filtered,
// paged, ranked by drag and drop or by buttons, bulk-changed), the weekly
// churn and the phase summary, and one requirement with its history.

// backlogPageSize is how many requirements one page of the backlog shows
// (and the API lists when not told): what a view renders does not grow with
// the backlog.
const backlogPageSize = 50

// churnWeeks is how many weeks the churn chart covers.
const churnWeeks = 26

// backlogRow is one requirement in a group, with its neighbours as shown, so
// the up and down buttons move it past the item the reader sees next to it.
// Its fields are copied out of requirement.View rather than embedded: the
// template reads a dozen per row, and a field reached through embedded
// structs costs text/template a search of every level on each read.
type backlogRow struct {
	Number       int
	Key, Title   string
	Tier         requirement.Tier
	Kind         requirement.Kind
	Approach     requirement.Approach
	Status       requirement.Status
	PhaseName    string
	OwnerName    string
	EstimateDays *float64
	Goals        int
	Prev, Next   int // numbers of the neighbours in the group, 0 at its ends
}

func newBacklogRow(v requirement.View) backlogRow {
	return backlogRow{Number: v.Number, Key: v.Key, Title: v.Title, Tier: v.Tier, Kind: v.Kind, Approach: v.Approach,
		Status: v.Status, PhaseName: v.PhaseName, OwnerName: v.OwnerName, EstimateDays: v.EstimateDays, Goals: len(v.GoalIDs)}
}

// backlogGroup is one tier or one phase of the backlog.
type backlogGroup struct {
	ID    string // for the heading's anchor and the drag-and-drop list
	Label string
	Rows  []backlogRow
}

// summaryRow is one line of the phase summary.
type summaryRow struct {
	Label string
	requirement.PhaseSummary
}

type backlogView struct {
	projectPage
	Groups     []backlogGroup
	Filter     requirement.Filter
	Group      string // "tier" or "phase"
	Filtered   bool
	Total      int // matching the filter, on every page
	Shown      int
	FirstPage  string // link to the first page, "" on it
	NextPage   string // link to the next page, "" on the last
	Here       string // this page's address, where moves and bulk changes return
	TierView   string // this page grouped by tier, and by phase
	PhaseView  string
	Notice     string
	CanManage  bool // create, bulk-change, delete
	CanRank    bool // drag handles and move buttons
	Selected   map[int]bool
	Bulk       url.Values // the bulk bar's last input, after an error
	Phases     []project.Phase
	Members    []project.Member
	Goals      []goal.View
	Tiers      []requirement.Tier
	Kinds      []requirement.Kind
	Approaches []requirement.Approach
	Statuses   []requirement.Status
	Churn      []requirement.Week
	ChurnChart template.HTML
	ChurnTotal requirement.Week
	Summary    []summaryRow
	SummaryAll requirement.PhaseSummary
}

func (s *Server) handleRequirements(c *fiber.Ctx) error {
	if kept, err := s.servedKept(c, "backlog"); kept || err != nil {
		return err
	}
	f, err := requirementFilter(c)
	if err != nil {
		return err
	}
	v := backlogView{Group: c.Query("group")}
	if n, err := strconv.Atoi(c.Query("changed")); err == nil && n >= 0 {
		v.Notice = s.translator(c).T("requirements.bulk_done", "Count", n)
	}
	return s.renderBacklog(c, fiber.StatusOK, f, v)
}

// renderBacklog shows the backlog page; after a refused move or bulk change
// it comes with the form's errors.
func (s *Server) renderBacklog(c *fiber.Ctx, status int, f requirement.Filter, v backlogView) error {
	ctx := c.UserContext()
	pp := newProjectPage(c, "backlog")
	pp.Form = v.Form
	p := pp.Project
	tr := s.translator(c)
	v.projectPage = pp
	if v.Group != "phase" {
		v.Group = "tier"
	}
	f.Limit = backlogPageSize
	f.Number = 0
	if f.Phase != "" && f.Phase != "none" {
		if _, err := strconv.ParseInt(f.Phase, 10, 64); err != nil {
			f.Phase = ""
		}
	}
	v.Filter = f
	v.Filtered = f.Tier != "" || f.Phase != "" || f.Status != "" || f.Kind != "" || f.Approach != "" ||
		f.OwnerID != 0 || f.GoalID != 0 || strings.TrimSpace(f.Text) != ""
	v.CanManage = pp.Access.Can(project.ManageRequirements) && !p.Archived
	v.CanRank = v.CanManage

	items, next, err := requirement.List(ctx, s.db, p.ID, f)
	if err != nil {
		return err
	}
	if v.Total, err = s.backlogCount(c, f); err != nil {
		return err
	}
	if v.Phases, err = project.Phases(ctx, s.db, p.ID); err != nil {
		return err
	}
	if v.Members, err = project.Members(ctx, s.db, p.ID); err != nil {
		return err
	}
	if v.Goals, err = s.goals(c); err != nil {
		return err
	}
	v.Shown = len(items)
	v.Groups = groupBacklog(tr, items, v.Group, v.Phases)
	base := projectPath(p, "/requirements")
	v.Here = base + backlogQuery(f, v.Group, f.After)
	v.TierView, v.PhaseView = base+backlogQuery(f, "tier", 0), base+backlogQuery(f, "phase", 0)
	if f.After != 0 {
		v.FirstPage = base + backlogQuery(f, v.Group, 0)
	}
	if next != "" {
		after, _ := strconv.ParseInt(next, 10, 64)
		v.NextPage = base + backlogQuery(f, v.Group, after)
	}
	v.Tiers, v.Kinds, v.Approaches, v.Statuses = requirement.Tiers, requirement.Kinds, requirement.Approaches, requirement.Statuses

	if v.Churn, err = s.churn(c, churnWeeks); err != nil {
		return err
	}
	v.ChurnTotal = requirement.Week{ByTier: map[requirement.Tier]requirement.Counts{}}
	for _, w := range v.Churn {
		addCounts(&v.ChurnTotal.Total, w.Total)
		for t, n := range w.ByTier {
			sum := v.ChurnTotal.ByTier[t]
			addCounts(&sum, n)
			v.ChurnTotal.ByTier[t] = sum
		}
	}
	v.ChurnChart = chart.Churn(v.Churn, tr.T("backlog.churn_chart_title", "Weeks", churnWeeks),
		[4]string{tr.T("backlog.churn_added"), tr.T("backlog.churn_removed"), tr.T("backlog.churn_tier_moves"), tr.T("backlog.churn_phase_moves")})

	sums, err := s.summaries(c)
	if err != nil {
		return err
	}
	v.Summary, v.SummaryAll = phaseSummary(tr, sums, v.Phases)

	return s.render(c, status, "requirements/list", tr.T("requirements.title"), v, "backlog.js")
}

func addCounts(sum *requirement.Counts, c requirement.Counts) {
	sum.Added += c.Added
	sum.Removed += c.Removed
	sum.TierMoves += c.TierMoves
	sum.PhaseMoves += c.PhaseMoves
}

// backlogQuery is the query string of a backlog page: its filters, grouping
// and page.
func backlogQuery(f requirement.Filter, group string, after int64) string {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	if group == "phase" {
		q.Set("group", group)
	}
	set("tier", string(f.Tier))
	set("phase", f.Phase)
	set("status", string(f.Status))
	set("kind", string(f.Kind))
	set("approach", string(f.Approach))
	if f.OwnerID != 0 {
		q.Set("owner", itoa64(f.OwnerID))
	}
	if f.GoalID != 0 {
		q.Set("goal", itoa64(f.GoalID))
	}
	set("q", strings.TrimSpace(f.Text))
	if after != 0 {
		q.Set("cursor", itoa64(after))
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// groupBacklog splits a page of the backlog (in rank order) into tiers, or
// into phases in phase order with the items not planned last. Empty groups
// are left out.
func groupBacklog(tr *i18n.Translator, items []requirement.View, by string, phases []project.Phase) []backlogGroup {
	var groups []backlogGroup
	index := map[string]int{}
	add := func(id, label string) {
		index[id] = len(groups)
		groups = append(groups, backlogGroup{ID: id, Label: label})
	}
	key := func(r requirement.View) string { return "tier-" + string(r.Tier) }
	if by == "phase" {
		for _, ph := range phases {
			add("phase-"+itoa64(ph.ID), ph.Name)
		}
		add("phase-none", tr.T("requirements.not_planned"))
		key = func(r requirement.View) string {
			if r.PhaseID == nil {
				return "phase-none"
			}
			return "phase-" + itoa64(*r.PhaseID)
		}
	} else {
		for _, t := range requirement.Tiers {
			add("tier-"+string(t), tr.T("enum.tier."+string(t)))
		}
	}
	for _, r := range items {
		i, ok := index[key(r)]
		if !ok {
			continue // a phase deleted since the page was read
		}
		rows := groups[i].Rows
		row := newBacklogRow(r)
		if n := len(rows); n > 0 {
			row.Prev = rows[n-1].Number
			rows[n-1].Next = r.Number
		}
		groups[i].Rows = append(rows, row)
	}
	return slices.DeleteFunc(groups, func(g backlogGroup) bool { return len(g.Rows) == 0 })
}

// phaseSummary puts the per-phase figures in phase order, "not planned" last,
// with a zero line for a phase that has no requirements, and their sum.
func phaseSummary(tr *i18n.Translator, sums []requirement.PhaseSummary, phases []project.Phase) ([]summaryRow, requirement.PhaseSummary) {
	var rows []summaryRow
	var all requirement.PhaseSummary
	find := func(id *int64) requirement.PhaseSummary {
		for _, s := range sums {
			if (id == nil && s.PhaseID == nil) || (id != nil && s.PhaseID != nil && *s.PhaseID == *id) {
				return s
			}
		}
		return requirement.PhaseSummary{PhaseID: id}
	}
	for _, ph := range phases {
		rows = append(rows, summaryRow{Label: ph.Name, PhaseSummary: find(&ph.ID)})
	}
	if none := find(nil); none.Total > 0 || len(phases) == 0 {
		rows = append(rows, summaryRow{Label: tr.T("requirements.not_planned"), PhaseSummary: none})
	}
	for _, r := range rows {
		all.Total += r.Total
		all.Must += r.Must
		all.Important += r.Important
		all.Optional += r.Optional
		all.Custom += r.Custom
		all.Integrations += r.Integrations
		all.EstimateDays += r.EstimateDays
		all.NoGoal += r.NoGoal
	}
	return rows, all
}

// backlogReturn is where a move or a bulk change sends the browser back to:
// the backlog page it came from, with its filters, or the plain backlog.
func backlogReturn(c *fiber.Ctx, p *project.Project) string {
	back, base := c.FormValue("back"), projectPath(p, "/requirements")
	if back == base || (strings.HasPrefix(back, base+"?") && localPath(back) == back) {
		return back
	}
	return base
}

// formNumbers reads a repeated numeric form field (checkboxes).
func formNumbers(c *fiber.Ctx, name string) ([]int, bool) {
	var out []int
	for _, raw := range c.Request().PostArgs().PeekMulti(name) {
		n, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil || n <= 0 {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

func (s *Server) handleRequirementBulk(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	ch := requirement.Change{Tier: requirement.Tier(c.FormValue("tier")), Status: requirement.Status(c.FormValue("status"))}
	numbers, ok := formNumbers(c, "numbers")
	if !ok {
		return s.bulkRefused(c, apperr.InvalidField("numbers", "requirement.bulk_unknown"), nil)
	}
	if len(numbers) == 0 {
		return s.bulkRefused(c, apperr.InvalidField("numbers", "backlog.bulk_none_selected"), nil)
	}
	ch.Numbers = numbers
	switch phase := c.FormValue("phase"); phase {
	case "":
	case "none":
		ch.SetPhase = true
	default:
		id, err := strconv.ParseInt(phase, 10, 64)
		if err != nil || id <= 0 {
			return s.bulkRefused(c, apperr.InvalidField("phase_id", "requirement.no_such_phase"), numbers)
		}
		ch.SetPhase, ch.PhaseID = true, &id
	}
	n, err := requirement.Bulk(c.UserContext(), s.db, mustUser(c).ID, p.ID, ch)
	if err != nil {
		return s.bulkRefused(c, err, numbers)
	}
	to, _ := url.Parse(backlogReturn(c, p))
	q := to.Query()
	q.Set("changed", strconv.Itoa(n))
	to.RawQuery = q.Encode()
	return c.Redirect(to.String(), fiber.StatusSeeOther)
}

// bulkRefused shows the backlog again with the reason, the selection kept.
func (s *Server) bulkRefused(c *fiber.Ctx, err error, numbers []int) error {
	f, ferr := s.formErrors(c, err)
	if ferr != nil {
		return ferr
	}
	v := backlogView{Selected: map[int]bool{}, Bulk: url.Values{}}
	v.Form = f
	for _, n := range numbers {
		v.Selected[n] = true
	}
	for _, k := range []string{"tier", "phase", "status"} {
		v.Bulk.Set(k, c.FormValue(k))
	}
	return s.renderBacklog(c, formStatus(err), requirement.Filter{}, v)
}
