package web

import (
	"errors"
	"html/template"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/budget"
	"rollout/internal/change"
	"rollout/internal/date"
	"rollout/internal/project"
	"rollout/internal/web/chart"
)

// The change request pages, one file per part: this one has the list
// (filters, the monthly chart by outcome, the approval settings) and what
// every part shares; change_form.go drafts and edits a request and its
// operations; change_workflow.go submits, withdraws, votes and applies;
// change_show.go is the request's own page. Everything works without
// JavaScript. The API (api_changes.go) calls the same domain functions.

// changeMonths is how many months the monthly chart covers.
const changeMonths = 12

// changeStatusColours are the monthly chart's colours, in the order of change.Statuses.
var changeStatusColours = []string{"#94a3b8", "#d97706", "#2563eb", "#dc2626", "#64748b", "#16a34a"}

// changeParam loads the request named by :number in the current project.
func (s *Server) changeParam(c *fiber.Ctx) (*change.Request, error) {
	p, _ := currentProject(c)
	n, err := strconv.Atoi(c.Params("number"))
	if err != nil || n <= 0 {
		return nil, apperr.NotFound()
	}
	return change.Get(c.UserContext(), s.db, p.ID, n)
}

// managedChange loads :number for a caller who submits, edits or withdraws it.
func (s *Server) managedChange(c *fiber.Ctx) (*change.Request, error) {
	r, err := s.changeParam(c)
	if err != nil {
		return nil, err
	}
	if !change.CanManage(callerOf(c), r) {
		return nil, apperr.Forbidden()
	}
	return r, nil
}

// changeErr puts words into the codes a change request's error carries (a
// status, a field name), so its message reads naturally in either language.
func (s *Server) changeErr(c *fiber.Ctx, err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err
	}
	tr := s.translator(c)
	word := func(m apperr.Message, key, prefix string) {
		if code, ok := m.Data[key].(string); ok {
			if w := tr.T(prefix + code); w != prefix+code {
				m.Data[key] = w
			}
		}
	}
	fix := func(m apperr.Message) {
		switch m.ID {
		case "change.wrong_state":
			word(m, "Status", "enum.change_status.")
		case "change.op_requirement_invalid":
			word(m, "Field", "requirement.field.")
		}
	}
	fix(ae.Message)
	for _, m := range ae.Fields {
		fix(m)
	}
	return err
}

// changeChoice is one checkbox of a set.
type changeChoice struct {
	Value   string
	Checked bool
}

func changeChoices[T ~string](all []T, checked []string) []changeChoice {
	out := make([]changeChoice, len(all))
	for i, v := range all {
		out[i] = changeChoice{Value: string(v), Checked: slices.Contains(checked, string(v))}
	}
	return out
}

type changeListView struct {
	projectPage
	Changes     []change.View
	Filter      change.Filter
	Filtered    bool
	Statuses    []change.Status
	Members     []project.Member
	Chart       template.HTML
	Months      []change.Month
	Settings    change.Settings
	Rules       []change.Rule
	CanDraft    bool
	CanSettings bool
	Currency    string // of the costs (budget.MainCurrency)
}

func (s *Server) handleChanges(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	st, err := change.ProjectSettings(c.UserContext(), s.db, p.ID)
	if err != nil {
		return err
	}
	return s.renderChanges(c, fiber.StatusOK, st, form{})
}

func (s *Server) renderChanges(c *fiber.Ctx, status int, settings change.Settings, f form) error {
	ctx := c.UserContext()
	pp := newProjectPage(c, "changes")
	pp.Form = f
	p := pp.Project
	tr := s.translator(c)
	filter, err := changeFilter(c, "requester")
	if err != nil {
		return err
	}
	vs, err := change.List(ctx, s.db, p.ID, filter)
	if err != nil {
		return err
	}
	members, err := project.Members(ctx, s.db, p.ID)
	if err != nil {
		return err
	}
	today := s.today()
	t := today.Time()
	months, err := change.Monthly(ctx, s.db, p.ID, date.New(t.Year(), t.Month()-(changeMonths-1), 1), today)
	if err != nil {
		return err
	}
	periods := make([]string, len(months))
	series := make([][]int, len(change.Statuses))
	names := make([]string, len(change.Statuses))
	for k, st := range change.Statuses {
		names[k] = tr.T("enum.change_status." + string(st))
		series[k] = make([]int, len(months))
		for i, m := range months {
			series[k][i] = m.ByStatus[st]
		}
	}
	for i, m := range months {
		periods[i] = m.Month
	}
	currency, err := budget.MainCurrency(ctx, s.db, p.ID)
	if err != nil {
		return err
	}
	writable := !p.Archived
	return s.render(c, status, "changes/list", tr.T("changes.title"), changeListView{Currency: currency,
		projectPage: pp, Changes: vs, Filter: filter,
		Filtered: filter.Status != "" || filter.RequesterID != 0 || filter.Month != "",
		Statuses: change.Statuses, Members: members,
		Chart:  chart.StackedBars(periods, series, names, changeStatusColours, tr.T("changes.chart_title", "Months", changeMonths)),
		Months: months, Settings: settings, Rules: []change.Rule{change.AnyRejects, change.MajorityRejects},
		CanDraft:    writable && pp.Access.Can(project.DraftChange),
		CanSettings: writable && pp.Access.Can(project.ManageChanges)})
}

func (s *Server) handleChangeSettings(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var st change.Settings
	if err := bindForm(c, &st); err != nil {
		return err
	}
	if err := change.SetProjectSettings(c.UserContext(), s.db, mustUser(c).ID, p.ID, st); err != nil {
		f, ferr := s.formErrors(c, s.changeErr(c, err))
		if ferr != nil {
			return ferr
		}
		return s.renderChanges(c, formStatus(err), st, f)
	}
	return s.redirectWith(c, projectPath(p, "/changes"), "success", "flash.change_settings_saved")
}
