package web

import (
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/budget"
	"rollout/internal/date"
	"rollout/internal/project"
	"rollout/internal/report"
	"rollout/internal/web/chart"
)

// The budget: lines (a planned amount per category of cost) and the spend
// recorded against them, by hand, from a spreadsheet (preview, then all rows
// or none, as the goal import) or through the API. Project managers keep
// it; everyone in the project reads it.

// entriesShown is how many spend entries the budget page lists (newest
// first); the export has them all.
const entriesShown = 200

// budgetLineRow is a line with what is left of it.
type budgetLineRow struct {
	budget.Line
	Remaining, Used float64
	Tone            string
}

// entryForm is the add-spend form as typed.
type entryForm struct {
	LineID  int64
	SpentOn string
	Amount  string
	Note    string
}

// lineForm is the add- or edit-line form as typed.
type lineForm struct {
	Category string
	Planned  string
	Currency string
	Version  int
}

type budgetView struct {
	projectPage
	Lines       []budgetLineRow
	Totals      []budgetUse
	Monthly     []budget.MonthSpend
	Entries     []budget.Entry
	MoreEntries bool
	Charts      map[string]string
	OneCurrency bool
	CanManage   bool
	Line        lineForm
	Entry       entryForm
}

func (s *Server) handleBudget(c *fiber.Ctx) error {
	return s.renderBudget(c, fiber.StatusOK, lineForm{Currency: "CNY"}, entryForm{SpentOn: s.today().String()}, form{})
}

func (s *Server) renderBudget(c *fiber.Ctx, status int, lf lineForm, ef entryForm, f form) error {
	pp := newProjectPage(c, "budget")
	pp.Form = f
	ctx := c.UserContext()
	lines, err := budget.Lines(ctx, s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	monthly, err := budget.Monthly(ctx, s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	entries, err := budget.Entries(ctx, s.db, pp.Project.ID, entriesShown+1)
	if err != nil {
		return err
	}
	more := len(entries) > entriesShown
	if more {
		entries = entries[:entriesShown]
	}
	v := budgetView{projectPage: pp, Monthly: monthly, Entries: entries, MoreEntries: more,
		CanManage: pp.Access.Can(project.ManageBudget) && !pp.Project.Archived, Line: lf, Entry: ef}
	v.Lines = budgetLineRows(lines)
	var totals []report.BudgetTotal
	for _, t := range budget.Sum(lines) {
		totals = append(totals, report.BudgetTotal{Currency: t.Currency, Planned: t.Planned, Actual: t.Actual,
			Remaining: t.Planned - t.Actual, Used: t.Used()})
	}
	v.Totals = budgetUses(totals)
	v.OneCurrency = len(totals) <= 1
	tr := s.translator(c)
	v.Charts = map[string]string{"budget": chart.BudgetLines(tr, lines, !v.OneCurrency)}
	if v.OneCurrency {
		planned, currency := 0.0, ""
		if len(totals) == 1 {
			planned, currency = totals[0].Planned, totals[0].Currency
		}
		v.Charts["spend"] = chart.Spend(tr, monthly, planned, currency)
	}
	return s.render(c, status, "budget/show", tr.T("budget.title"), v, chart.Script)
}

// parseLineForm reads the line form; a planned amount that is no number is
// a field error, shown with the form.
func parseLineForm(c *fiber.Ctx) (lineForm, budget.LineInput, error) {
	lf := lineForm{Category: c.FormValue("category"), Planned: strings.TrimSpace(c.FormValue("planned")), Currency: c.FormValue("currency")}
	in := budget.LineInput{Category: lf.Category, Currency: lf.Currency}
	if v := c.FormValue("version"); v != "" {
		n, err := parseInt(v)
		if err != nil {
			return lf, in, apperr.InvalidField("version", "error.bad_input")
		}
		lf.Version, in.Version = n, n
	}
	switch v, err := budget.ParseAmount(lf.Planned); {
	case lf.Planned == "":
		return lf, in, apperr.InvalidField("planned", "budget.planned_required")
	case err != nil:
		return lf, in, apperr.InvalidField("planned", "validation.number")
	default:
		in.Planned = v
	}
	return lf, in, nil
}

func parseInt(s string) (int, error) { return strconv.Atoi(strings.TrimSpace(s)) }

func (s *Server) handleBudgetLineCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	lf, in, err := parseLineForm(c)
	if err == nil {
		_, err = budget.AddLine(c.UserContext(), s.db, mustUser(c).ID, p.ID, in)
	}
	if err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderBudget(c, formStatus(err), lf, entryForm{SpentOn: s.today().String()}, f)
	}
	return s.redirectWith(c, projectPath(p, "/budget"), "success", "flash.budget_line_added")
}

type budgetLineView struct {
	projectPage
	Line *budget.Line
	In   lineForm
}

// budgetLineParam reads :id and loads the line of the current project.
func (s *Server) budgetLineParam(c *fiber.Ctx) (*budget.Line, error) {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	ls, err := budget.Lines(c.UserContext(), s.db, p.ID)
	if err != nil {
		return nil, err
	}
	for i := range ls {
		if ls[i].ID == id {
			return &ls[i], nil
		}
	}
	return nil, apperr.NotFound()
}

func (s *Server) renderBudgetLine(c *fiber.Ctx, status int, l *budget.Line, in lineForm, f form) error {
	pp := newProjectPage(c, "budget")
	pp.Form = f
	return s.render(c, status, "budget/line", s.translator(c).T("budget.edit_line"), budgetLineView{projectPage: pp, Line: l, In: in})
}

func (s *Server) handleBudgetLineEdit(c *fiber.Ctx) error {
	l, err := s.budgetLineParam(c)
	if err != nil {
		return err
	}
	return s.renderBudgetLine(c, fiber.StatusOK, l, lineForm{Category: l.Category, Planned: fmtNum(l.Planned), Currency: l.Currency,
		Version: l.Version}, form{})
}

func (s *Server) handleBudgetLineUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	l, err := s.budgetLineParam(c)
	if err != nil {
		return err
	}
	lf, in, err := parseLineForm(c)
	if err == nil {
		_, err = budget.UpdateLine(c.UserContext(), s.db, mustUser(c).ID, p.ID, l.ID, in)
	}
	if err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderBudgetLine(c, formStatus(err), l, lf, f)
	}
	return s.redirectWith(c, projectPath(p, "/budget"), "success", "flash.saved")
}

// parseEntryForm reads the spend form; every problem is a field error.
func parseEntryForm(c *fiber.Ctx) (entryForm, budget.EntryInput, error) {
	ef := entryForm{SpentOn: strings.TrimSpace(c.FormValue("spent_on")), Amount: strings.TrimSpace(c.FormValue("amount")), Note: c.FormValue("note")}
	in := budget.EntryInput{Note: ef.Note}
	fields := map[string]apperr.Message{}
	if id, err := parseInt(c.FormValue("line_id")); err == nil && id > 0 {
		ef.LineID, in.LineID = int64(id), int64(id)
	} else {
		fields["line_id"] = apperr.Msg("budget.line_required")
	}
	if d, err := date.Parse(ef.SpentOn); err == nil && !d.IsZero() {
		in.SpentOn = d
	} else {
		fields["spent_on"] = apperr.Msg("budget.date_required")
	}
	switch v, err := budget.ParseAmount(ef.Amount); {
	case err != nil || v == 0:
		fields["amount"] = apperr.Msg("budget.amount_required")
	default:
		in.Amount = &v
	}
	if len(fields) > 0 {
		return ef, in, apperr.Invalid(fields)
	}
	return ef, in, nil
}

func (s *Server) handleSpendCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	ef, in, err := parseEntryForm(c)
	if err == nil {
		_, err = budget.AddEntries(c.UserContext(), s.db, mustUser(c).ID, p.ID, []budget.EntryInput{in}, "")
	}
	if err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderBudget(c, formStatus(err), lineForm{Currency: "CNY"}, ef, f)
	}
	return s.redirectWith(c, projectPath(p, "/budget"), "success", "flash.spend_added")
}

// ---------- API ----------

// budgetJSON is the budget as the API answers it.
type budgetJSON struct {
	Lines   []budget.Line        `json:"lines"`
	Totals  []report.BudgetTotal `json:"totals"`
	Monthly []budget.MonthSpend  `json:"monthly"`
	Entries []budget.Entry       `json:"entries"`
}

func (s *Server) apiBudget(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	ctx := c.UserContext()
	lines, err := budget.Lines(ctx, s.db, p.ID)
	if err != nil {
		return err
	}
	monthly, err := budget.Monthly(ctx, s.db, p.ID)
	if err != nil {
		return err
	}
	entries, err := budget.Entries(ctx, s.db, p.ID, 5000)
	if err != nil {
		return err
	}
	out := budgetJSON{Lines: lines, Monthly: monthly, Entries: entries, Totals: []report.BudgetTotal{}}
	for _, t := range budget.Sum(lines) {
		out.Totals = append(out.Totals, report.BudgetTotal{Currency: t.Currency, Planned: t.Planned, Actual: t.Actual,
			Remaining: t.Planned - t.Actual, Used: t.Used()})
	}
	if out.Lines == nil {
		out.Lines = []budget.Line{}
	}
	if out.Monthly == nil {
		out.Monthly = []budget.MonthSpend{}
	}
	if out.Entries == nil {
		out.Entries = []budget.Entry{}
	}
	return c.JSON(out)
}

// apiBudgetPost adds lines and spend, all or nothing:
// {"lines": [{category, planned, currency}], "entries": [{line_id | category, spent_on, amount, note}]}.
func (s *Server) apiBudgetPost(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var b budget.Batch
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	res, err := budget.Apply(c.UserContext(), s.db, mustUser(c).ID, p.ID, b)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(res)
}

// fmtMoney writes an amount with thousands separators and at most two
// decimals: 1,234,567.5.
func fmtMoney(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) >= 1e15 {
		return fmtNum(f)
	}
	s := fmtNum(math.Round(f*100) / 100)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}
