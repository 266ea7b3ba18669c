package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"mime/multipart"
	"path/filepath"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/goal"
	"rollout/internal/i18n"
	"rollout/internal/sheet"
)

// Goal measurements in and out as spreadsheets. The import has two steps on
// one address: an upload is read and checked and shown as a preview that
// writes nothing; only a good preview offers the confirmation, which posts
// the rows back and records all of them or none (goal.ImportMeasurements
// checks them again). The export is the same columns, so a downloaded
// workbook, with rows added to its Measurements sheet, uploads again.

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

type goalImportView struct {
	projectPage
	Goals   []goal.View // the project's goals with their numbers, for the goal_id column
	MaxRows int
}

func (s *Server) handleGoalImportPage(c *fiber.Ctx) error {
	return s.renderGoalImport(c, fiber.StatusOK, form{})
}

func (s *Server) renderGoalImport(c *fiber.Ctx, status int, f form) error {
	pp := newProjectPage(c, "goals")
	pp.Form = f
	gs, err := goal.List(c.UserContext(), s.db, pp.Project.ID, s.today())
	if err != nil {
		return err
	}
	return s.render(c, status, "goals/import", s.translator(c).T("import.title"),
		goalImportView{projectPage: pp, Goals: gs, MaxRows: sheet.MaxRows})
}

// renderImportProblem shows the upload page again with what is wrong with the file.
func (s *Server) renderImportProblem(c *fiber.Ctx, msgID string, kv ...any) error {
	return s.renderGoalImport(c, fiber.StatusUnprocessableEntity,
		form{Errors: map[string]string{"file": s.translator(c).T(msgID, kv...)}})
}

// previewRow is one line of the preview table.
type previewRow struct {
	Line      int
	GoalID    int64  // the goal it records for; 0 when it matches none
	Goal      string // that goal's title, or what the file says
	Date      string
	Value     string
	Note      string
	Errors    []string
	Duplicate bool
}

type goalPreviewView struct {
	projectPage
	FileName   string
	Rows       []previewRow
	Total      int
	Bad        int // rows with problems
	New        int // good rows that will be recorded
	Duplicates int // good rows already recorded, skipped
	RowsJSON   string
}

// handleGoalImport reads an uploaded file into a preview, or, with confirm=1,
// records the previewed rows.
func (s *Server) handleGoalImport(c *fiber.Ctx) error {
	if c.FormValue("confirm") == "1" {
		return s.confirmGoalImport(c)
	}
	rows, fileName, problem, err := s.uploadedRows(c, "import.sheet_measurements", "import.empty_file")
	if err != nil {
		return err
	}
	if problem != nil {
		return s.renderImportProblem(c, problem.ID, dataPairs(problem.Data)...)
	}
	irows, err := goal.ReadMeasurementRows(rows)
	if err != nil {
		return s.renderImportError(c, err)
	}
	p, _ := currentProject(c)
	results, ok, err := goal.CheckMeasurementRows(c.UserContext(), s.db, p.ID, irows, s.today())
	if err != nil {
		return err
	}
	return s.renderGoalPreview(c, fileName, results, ok)
}

// renderImportError shows the upload page with an Invalid error of the file;
// any other error goes to the error handler.
func (s *Server) renderImportError(c *fiber.Ctx, err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalid {
		return err
	}
	m, ok := ae.Fields["file"]
	if !ok {
		m = ae.Message
	}
	return s.renderImportProblem(c, m.ID, dataPairs(m.Data)...)
}

func dataPairs(data map[string]any) []any {
	kv := make([]any, 0, 2*len(data))
	for k, v := range data {
		kv = append(kv, k, v)
	}
	return kv
}

func (s *Server) confirmGoalImport(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var rows []goal.ImportRow
	if err := json.Unmarshal([]byte(c.FormValue("rows")), &rows); err != nil || len(rows) == 0 {
		return s.renderImportProblem(c, "import.bad_rows")
	}
	results, err := goal.ImportMeasurements(c.UserContext(), s.db, mustUser(c).ID, p.ID, rows, s.today())
	if err != nil {
		if apperr.Is(err, apperr.KindInvalid) && len(results) > 0 {
			return s.renderGoalPreview(c, "", results, false)
		}
		return s.renderImportError(c, err)
	}
	for _, r := range results {
		if !r.Duplicate {
			return s.redirectWith(c, projectPath(p, "/goals"), "success", "flash.measurements_imported")
		}
	}
	return s.redirectWith(c, projectPath(p, "/goals"), "info", "flash.measurements_nothing_new")
}

func (s *Server) renderGoalPreview(c *fiber.Ctx, fileName string, results []goal.RowResult, ok bool) error {
	tr := s.translator(c)
	v := goalPreviewView{projectPage: newProjectPage(c, "goals"), FileName: fileName, Total: len(results)}
	raw := make([]goal.ImportRow, len(results))
	for i, r := range results {
		raw[i] = r.ImportRow
		row := previewRow{Line: r.Line, Goal: r.Goal, Date: r.Date, Value: r.Value, Note: r.Note, Duplicate: r.Duplicate}
		if row.Goal == "" {
			row.Goal = r.GoalID
		}
		for _, m := range r.Errors {
			row.Errors = append(row.Errors, tr.TData(m.ID, m.Data))
		}
		switch {
		case len(row.Errors) > 0:
			v.Bad++
			if id, _, _ := r.Parsed(); id != 0 {
				row.GoalID, row.Goal = id, r.GoalTitle
			}
		default:
			// Show what will be recorded: "1,234" as 1234, "2026/3/1" as 2026-03-01.
			id, on, value := r.Parsed()
			row.GoalID, row.Goal, row.Date, row.Value = id, r.GoalTitle, on.String(), fmtNum(value)
			if r.Duplicate {
				v.Duplicates++
			} else {
				v.New++
			}
		}
		v.Rows = append(v.Rows, row)
	}
	status := fiber.StatusOK
	if !ok {
		status = fiber.StatusUnprocessableEntity
	} else if v.New > 0 {
		b, err := json.Marshal(raw)
		if err != nil {
			return err
		}
		v.RowsJSON = string(b)
	}
	return s.render(c, status, "goals/preview", tr.T("import.preview_title"), v)
}

// readSheet reads an uploaded .xlsx or .csv file; from a workbook it prefers
// the sheet named by the message sheetMsgID in any language ("": the first sheet).
func (s *Server) readSheet(fh *multipart.FileHeader, sheetMsgID string) ([][]string, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	if sheetMsgID != "" {
		for _, l := range i18n.Languages {
			names = append(names, s.i18n.For(l).T(sheetMsgID))
		}
	}
	return sheet.ReadPreferring(fh.Filename, f, names...)
}

// uploadedRows reads the file of an import form (field "file"), preferring
// the sheet named by sheetMsgID. A file that cannot be read comes back as a
// problem to show at the file field (emptyMsgID says what an empty one
// should hold); err is for anything else.
func (s *Server) uploadedRows(c *fiber.Ctx, sheetMsgID, emptyMsgID string) ([][]string, string, *apperr.Message, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		m := apperr.Msg("import.no_file")
		return nil, "", &m, nil
	}
	rows, err := s.readSheet(fh, sheetMsgID)
	var m apperr.Message
	switch {
	case err == nil:
		return rows, filepath.Base(fh.Filename), nil, nil
	case errors.Is(err, sheet.ErrFormat):
		m = apperr.Msg("import.bad_format")
	case errors.Is(err, sheet.ErrEmpty):
		m = apperr.Msg(emptyMsgID)
	case errors.Is(err, sheet.ErrTooLarge):
		m = apperr.Msg("import.too_many_rows", "Max", sheet.MaxRows)
	default:
		return nil, "", nil, err
	}
	return nil, "", &m, nil
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
	c.Set(fiber.HeaderContentType, xlsxType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+p.Key+"-goals-"+today.String()+`.xlsx"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(buf.Bytes())
}

func columnNames(tr *i18n.Translator, ids ...string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = tr.T(id)
	}
	return out
}
