package web

import (
	"bytes"
	"math"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/goal"
	"rollout/internal/sheet"
)

// Goal measurements in and out as spreadsheets. The import is the shared
// flow of imports.go with goal.CheckMeasurementRows and
// goal.ImportMeasurements; rows already recorded are skipped. The export is
// the same columns, so a downloaded workbook, with rows added to its
// Measurements sheet, uploads again.

func (s *Server) goalImportFlow() *importFlow {
	return &importFlow{tab: "goals", path: "/goals", backID: "import.back_to_goals", titleID: "import.preview_title",
		sheetID: "import.sheet_measurements", emptyID: "import.empty_file", badRowsID: "import.bad_rows",
		upload: s.renderGoalImport, check: s.checkGoalImport, confirm: s.confirmGoalImport}
}

type goalImportView struct {
	importPage
	Goals []goal.View // the project's goals with their numbers, for the goal_id column
}

func (s *Server) handleGoalImportPage(c *fiber.Ctx) error {
	return s.renderGoalImport(c, fiber.StatusOK, form{})
}

func (s *Server) handleGoalImport(c *fiber.Ctx) error { return s.handleImport(c, s.goalImportFlow()) }

func (s *Server) renderGoalImport(c *fiber.Ctx, status int, f form) error {
	ip := newImportPage(c, "goals", "/goals", f)
	gs, err := goal.List(c.UserContext(), s.db, ip.Project.ID, s.today())
	if err != nil {
		return err
	}
	return s.render(c, status, "goals/import", s.translator(c).T("import.title"), goalImportView{importPage: ip, Goals: gs})
}

func (s *Server) checkGoalImport(c *fiber.Ctx, rows [][]string) (*importPreview, error) {
	irows, err := goal.ReadMeasurementRows(rows)
	if err != nil {
		return nil, err
	}
	p, _ := currentProject(c)
	results, _, err := goal.CheckMeasurementRows(c.UserContext(), s.db, p.ID, irows, s.today())
	if err != nil {
		return nil, err
	}
	return s.goalPreview(c, results)
}

func (s *Server) confirmGoalImport(c *fiber.Ctx, payload []byte) (*importPreview, importDone, error) {
	var rows []goal.ImportRow
	if err := decodePayload(payload, &rows); err != nil || len(rows) == 0 {
		return nil, importDone{}, errBadPayload
	}
	p, _ := currentProject(c)
	results, err := goal.ImportMeasurements(c.UserContext(), s.db, mustUser(c).ID, p.ID, rows, s.today())
	if err != nil {
		return refused(c, err, results, s.goalPreview)
	}
	for _, r := range results {
		if !r.Duplicate {
			return nil, importDone{"success", "flash.measurements_imported"}, nil
		}
	}
	return nil, importDone{"info", "flash.measurements_nothing_new"}, nil
}

// goalPreview shows each row as it will be recorded: "1,234" as 1234,
// "2026/3/1" as 2026-03-01, the goal by its title with a link.
func (s *Server) goalPreview(c *fiber.Ctx, results []goal.RowResult) (*importPreview, error) {
	tr := s.translator(c)
	p, _ := currentProject(c)
	v := &importPreview{Columns: []previewColumn{{Name: tr.T("import.col.goal")}, {Name: tr.T("import.col.date")},
		{Name: tr.T("import.col.value"), Class: "num"}, {Name: tr.T("import.col.note")}}}
	raw := make([]goal.ImportRow, len(results))
	fresh, recorded := 0, 0
	for i, r := range results {
		raw[i] = r.ImportRow
		row := goodRow(tr, r.Line, r.Duplicate)
		row.Problems = translated(tr, r.Errors)
		title, day, value := r.Goal, r.Date, r.Value
		if title == "" {
			title = r.GoalID
		}
		id, on, parsed := r.Parsed()
		switch {
		case len(row.Problems) > 0:
			if id != 0 {
				title = r.GoalTitle
			}
		case r.Duplicate:
			recorded++
		default:
			fresh++
		}
		if len(row.Problems) == 0 {
			title, day, value = r.GoalTitle, on.String(), fmtNum(parsed)
		}
		link := ""
		if id != 0 {
			link = projectPath(p, "/goals/"+itoa64(id))
		}
		row.Cells = []previewCell{{Text: title, Href: link, Class: "wrap"}, {Text: day, Class: "nowrap"},
			{Text: value, Class: "num nowrap"}, {Text: r.Note, Class: "wrap"}}
		v.add(row)
	}
	return v, v.offerNew(tr, raw, fresh, recorded, "import.summary_ready", "import.confirm")
}

// handleGoalExport sends the project's goals and every measurement as one
// workbook: a Goals sheet to read, and a Measurements sheet whose columns the
// import reads.
func (s *Server) handleGoalExport(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	ctx, tr, today := c.UserContext(), s.translator(c), s.today()
	goals, err := goal.List(ctx, s.db, p.ID, today)
	if err != nil {
		return err
	}
	ms, err := goal.AllMeasurements(ctx, s.db, p.ID)
	if err != nil {
		return err
	}
	w := sheet.NewWorkbook()
	goalHeader := columnNames(tr, "export.col.id", "export.col.title", "export.col.metric", "export.col.unit",
		"export.col.category", "export.col.direction", "export.col.baseline", "export.col.target", "export.col.current",
		"export.col.current_on", "export.col.progress", "export.col.status", "export.col.start_on", "export.col.due_on",
		"export.col.owner")
	goalRows := make([][]any, len(goals))
	for i, g := range goals {
		goalRows[i] = []any{g.ID, g.Title, g.Metric, g.Unit,
			tr.T("enum.goal_category." + string(g.Category)), tr.T("enum.direction." + string(g.Direction)),
			g.Baseline, g.Target, g.Current, g.CurrentOn.String(), math.Round(g.Progress*1000) / 10,
			tr.T("enum.goal_status." + string(g.Status)), g.StartOn.String(), g.DueOn.String(), g.OwnerName}
	}
	if err := w.AddSheet(tr.T("import.sheet_goals"), goalHeader, goalRows); err != nil {
		return err
	}
	// These headers must stay names goal.ReadMeasurementRows knows (tested in both languages).
	mHeader := columnNames(tr, "import.col.goal_id", "import.col.goal", "import.col.date", "import.col.value",
		"import.col.note", "export.col.source", "export.col.entered_by")
	mRows := make([][]any, len(ms))
	for i, m := range ms {
		mRows[i] = []any{m.GoalID, m.GoalTitle, m.MeasuredOn.String(), m.Value, m.Note,
			tr.T("export.source." + string(m.Source)), m.EnteredByName}
	}
	if err := w.AddSheet(tr.T("import.sheet_measurements"), mHeader, mRows); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := w.Write(&buf); err != nil {
		return err
	}
	return sendDownload(c, xlsxType, p.Key+"-goals-"+today.String()+".xlsx", buf.Bytes())
}
