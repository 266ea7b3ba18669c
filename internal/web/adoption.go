package web

import (
	"bytes"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/adoption"
	"rollout/internal/apperr"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/i18n"
	"rollout/internal/report"
	"rollout/internal/sheet"
	"rollout/internal/web/chart"
)

// The adoption page (the CRM's usage figures, its chart against the
// adoption goal, the import) and the adoption API. Rules live in
// internal/adoption; this file only reads requests and shows answers.

// adoptionWeeks is how many weeks the chart shows.
const adoptionWeeks = 26

// adoptionChartSince is the Monday the chart starts from.
func adoptionChartSince(today date.Date) date.Date {
	return adoption.Monday(today).AddDays(-7 * (adoptionWeeks - 1))
}

// adoptionFigures is the chart and its table, or nothing to show yet.
type adoptionFigures struct {
	Chart  string
	Table  chart.AdoptionTable
	Target *float64
	Goal   *goal.View // the adoption goal whose target the chart marks
	Empty  bool
}

// adoptionChart reads the weekly figures (one query) and draws them against
// the adoption goal among goals.
func (s *Server) adoptionChart(c *fiber.Ctx, goals []goal.View) (*adoptionFigures, error) {
	ws, err := s.adoptionWeeks(c, adoptionChartSince(s.today()))
	if err != nil {
		return nil, err
	}
	out := &adoptionFigures{Empty: len(ws) == 0}
	if t, g, ok := adoption.Target(goals); ok {
		out.Target, out.Goal = &t, g
	}
	out.Chart, out.Table = chart.Adoption(s.translator(c), ws, out.Target)
	return out, nil
}

// adoptionGoalsOf turns the dashboard's adoption goals back into goals for
// adoption.Target (the dashboard has them already: no query).
func adoptionGoalsOf(lines []report.GoalLine) []goal.View {
	out := make([]goal.View, len(lines))
	for i, l := range lines {
		dir := goal.Increase
		if l.Target < l.Baseline {
			dir = goal.Decrease
		}
		out[i] = goal.View{Goal: goal.Goal{ID: l.ID, Title: l.Title, Category: l.Category, Unit: l.Unit,
			Baseline: l.Baseline, Target: l.Target, Direction: dir, DueOn: l.DueOn}}
	}
	return out
}

type adoptionView struct {
	projectPage
	Figures   []adoption.Figure
	Chart     *adoptionFigures
	CanRecord bool
}

func (s *Server) handleAdoption(c *fiber.Ctx) error {
	pp := newProjectPage(c, "goals")
	ctx := c.UserContext()
	goals, err := goal.List(ctx, s.db, pp.Project.ID, s.today())
	if err != nil {
		return err
	}
	ch, err := s.adoptionChart(c, goals)
	if err != nil {
		return err
	}
	fs, err := adoption.List(ctx, s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "adoption/index", s.translator(c).T("adoption.title"),
		adoptionView{projectPage: pp, Figures: fs, Chart: ch, CanRecord: adoption.CanRecord(callerOf(c))}, chart.Script)
}

// The import: the shared flow of imports.go with adoption.ReadRows and
// adoption.Check, writing through adoption.Record. A week already stored
// is replaced; the preview says which rows replace and which change nothing.

func (s *Server) adoptionImportFlow() *importFlow {
	return &importFlow{tab: "goals", path: "/adoption", backID: "adoption.back", titleID: "adoption.preview_title",
		sheetID: "adoption.sheet", emptyID: "adoption.empty_file", badRowsID: "import.bad_rows",
		upload: s.renderAdoptionImport, check: s.checkAdoptionImport, confirm: s.confirmAdoptionImport}
}

func (s *Server) handleAdoptionImportPage(c *fiber.Ctx) error {
	return s.renderAdoptionImport(c, fiber.StatusOK, form{})
}

func (s *Server) handleAdoptionImport(c *fiber.Ctx) error {
	return s.handleImport(c, s.adoptionImportFlow())
}

func (s *Server) renderAdoptionImport(c *fiber.Ctx, status int, f form) error {
	return s.render(c, status, "adoption/import", s.translator(c).T("adoption.import_title"), newImportPage(c, "goals", "/adoption", f))
}

func (s *Server) checkAdoptionImport(c *fiber.Ctx, rows [][]string) (*importPreview, error) {
	irows, err := adoption.ReadRows(rows)
	if err != nil {
		return nil, err
	}
	return s.adoptionPreview(c, irows)
}

func (s *Server) confirmAdoptionImport(c *fiber.Ctx, payload []byte) (*importPreview, importDone, error) {
	var rows []adoption.Row
	if err := decodePayload(payload, &rows); err != nil || len(rows) == 0 {
		return nil, importDone{}, errBadPayload
	}
	ins, problems := adoption.Inputs(rows)
	for _, ps := range problems {
		if len(ps) > 0 {
			v, err := s.adoptionPreview(c, rows)
			if err != nil {
				return nil, importDone{}, err
			}
			return v, importDone{}, apperr.InvalidField("file", "import.rows_invalid")
		}
	}
	p, _ := currentProject(c)
	results, err := adoption.Record(c.UserContext(), s.db, callerOf(c), p.ID, ins, adoption.Import, s.today())
	if err != nil {
		if !apperr.Is(err, apperr.KindInvalid) {
			return nil, importDone{}, err
		}
		v, perr := s.adoptionPreview(c, rows)
		if perr != nil {
			return nil, importDone{}, perr
		}
		return v, importDone{}, err
	}
	for _, r := range results {
		if r.Outcome != adoption.Unchanged {
			return nil, importDone{"success", "flash.adoption_imported"}, nil
		}
	}
	return nil, importDone{"info", "flash.adoption_nothing_new"}, nil
}

var adoptionColumns = []string{"week", "department", "role", "licensed_users", "active_users", "leads_created",
	"opportunities_created", "followups_created", "required_filled"}

// adoptionPreview checks the rows (parsing, then against the stored weeks)
// and shows what each does.
func (s *Server) adoptionPreview(c *fiber.Ctx, rows []adoption.Row) (*importPreview, error) {
	tr := s.translator(c)
	p, _ := currentProject(c)
	ins, parseProblems := adoption.Inputs(rows)
	checked, _, err := adoption.Check(c.UserContext(), s.db, p.ID, ins, s.today())
	if err != nil {
		return nil, err
	}
	v := &importPreview{}
	for _, col := range adoptionColumns {
		class := "num"
		if col == "week" || col == "department" || col == "role" {
			class = ""
		}
		v.Columns = append(v.Columns, previewColumn{Name: tr.T("adoption.col." + col), Class: class})
	}
	column := func(name string) string { return tr.T("adoption.col." + name) }
	fresh, unchanged := 0, 0
	for i, r := range checked {
		var problems []columnMessage
		for _, col := range adoptionColumns {
			if m, ok := parseProblems[i][col]; ok {
				problems = append(problems, columnMessage{col, m})
			} else if m, ok := r.Problems[col]; ok {
				problems = append(problems, columnMessage{col, m})
			}
		}
		row := previewRow{Line: rows[i].Line, Problems: messages(tr, column, problems)}
		raw := rows[i]
		cells := []string{raw.Week, raw.Department, raw.Role, raw.LicensedUsers, raw.ActiveUsers, raw.LeadsCreated,
			raw.OpportunitiesCreated, raw.FollowUpsCreated, raw.RequiredFilled}
		if len(row.Problems) == 0 {
			f := r.Figure
			cells = []string{f.ISOWeek(), chart.DepartmentLabel(tr, f.Department), f.Role, itoa64(f.LicensedUsers),
				itoa64(f.ActiveUsers), itoa64(f.LeadsCreated), itoa64(f.OpportunitiesCreated), itoa64(f.FollowUpsCreated),
				filledText(f.RequiredFilled)}
			switch r.Outcome {
			case adoption.Unchanged:
				row.Badge, row.Tone = tr.T("adoption.status_unchanged"), "muted"
				unchanged++
			case adoption.Replaced:
				row.Badge, row.Tone = tr.T("adoption.status_replaces"), "warn"
				row.Detail = tr.T("adoption.replaces_detail", "Active", r.Previous.ActiveUsers, "Licensed", r.Previous.LicensedUsers)
				fresh++
			default:
				row.Badge, row.Tone = tr.T("import.status_ok"), "ok"
				fresh++
			}
		}
		for k, text := range cells {
			row.Cells = append(row.Cells, previewCell{Text: text, Class: v.Columns[k].Class + " nowrap"})
		}
		v.add(row)
	}
	if v.Bad > 0 {
		return v, nil
	}
	return v, v.offerNew(tr, rows, fresh, unchanged, "adoption.summary_ready", "adoption.confirm")
}

func filledText(f *float64) string {
	if f == nil {
		return ""
	}
	return fmtNum(*f) + " %"
}

// handleAdoptionExport sends every figure as a workbook whose columns the
// import reads.
func (s *Server) handleAdoptionExport(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	tr := s.translator(c)
	fs, err := adoption.List(c.UserContext(), s.db, p.ID)
	if err != nil {
		return err
	}
	header := make([]string, len(adoptionColumns))
	for i, col := range adoptionColumns {
		header[i] = tr.T("adoption.col." + col)
	}
	rows := make([][]any, len(fs))
	for i, f := range fs {
		var filled any
		if f.RequiredFilled != nil {
			filled = *f.RequiredFilled
		}
		rows[i] = []any{f.ISOWeek(), adoptionDepartmentCell(tr, f.Department), f.Role, f.LicensedUsers, f.ActiveUsers,
			f.LeadsCreated, f.OpportunitiesCreated, f.FollowUpsCreated, filled}
	}
	w := sheet.NewWorkbook()
	if err := w.AddSheet(tr.T("adoption.sheet"), header, rows); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := w.Write(&buf); err != nil {
		return err
	}
	return sendDownload(c, xlsxType, p.Key+"-adoption-"+s.today().String()+".xlsx", buf.Bytes())
}

// adoptionDepartmentCell is a department as the export writes it: its code
// for "every department" left empty, else its name (the import reads both).
func adoptionDepartmentCell(tr *i18n.Translator, d string) string {
	if d == "" {
		return ""
	}
	return tr.T("enum.department." + d)
}

// The API.

// figureJSON is a stored figure with its ISO week and active share.
type figureJSON struct {
	adoption.Figure
	ISOWeek     string  `json:"week"`
	ActiveShare float64 `json:"active_share"`
}

func figuresJSON(fs []adoption.Figure) []figureJSON {
	out := make([]figureJSON, len(fs))
	for i, f := range fs {
		out[i] = figureJSON{Figure: f, ISOWeek: f.ISOWeek(), ActiveShare: chart.Round1(f.ActiveShare())}
	}
	return out
}

func (s *Server) apiAdoption(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	fs, err := adoption.List(c.UserContext(), s.db, p.ID)
	if err != nil {
		return err
	}
	return c.JSON(listOf(figuresJSON(fs), ""))
}

// adoptionBatch is what the API posts: rows written all together or not at all.
type adoptionBatch struct {
	Rows []adoption.Input `json:"rows"`
}

func (s *Server) apiAdoptionPost(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var b adoptionBatch
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	results, err := adoption.Record(c.UserContext(), s.db, callerOf(c), p.ID, b.Rows, adoption.API, s.today())
	if err != nil {
		return err
	}
	counts := map[adoption.Outcome]int{}
	fs := make([]adoption.Figure, len(results))
	for i, r := range results {
		counts[r.Outcome]++
		fs[i] = r.Figure
	}
	status := fiber.StatusOK
	if counts[adoption.Created] > 0 {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(fiber.Map{"created": counts[adoption.Created], "replaced": counts[adoption.Replaced],
		"unchanged": counts[adoption.Unchanged], "items": figuresJSON(fs)})
}
