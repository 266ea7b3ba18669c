package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/project"
	"rollout/internal/requirement"
	"rollout/internal/sheet"
)

// The backlog in and out as spreadsheets. The import works like the goal
// measurements' one: an upload is read and checked and shown as a preview
// that writes nothing; only a preview without problems offers the
// confirmation, which posts the file's rows back (a hidden JSON field) and
// writes all of them or none (requirement.Import checks them again, inside
// its transaction). The export writes the same columns, key and version
// included, for the filtered view of the backlog page, so a downloaded
// file, edited and uploaded again, updates exactly what was edited.

// reqImportColumn explains one column on the upload page.
type reqImportColumn struct {
	Key, Name, Names string // Names: the headers understood, e.g. "Tier, 优先级, priority"
	Required         bool
	Words            string // the words understood for an enumeration, in the reader's language and the other
}

type reqImportView struct {
	projectPage
	Columns []reqImportColumn
	Phases  []project.Phase
	MaxRows int
}

func (s *Server) handleRequirementImportPage(c *fiber.Ctx) error {
	return s.renderRequirementImport(c, fiber.StatusOK, form{})
}

func (s *Server) renderRequirementImport(c *fiber.Ctx, status int, f form) error {
	pp := newProjectPage(c, "backlog")
	pp.Form = f
	tr := s.translator(c)
	phases, err := project.Phases(c.UserContext(), s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	v := reqImportView{projectPage: pp, Phases: phases, MaxRows: sheet.MaxRows}
	for _, col := range requirement.Columns {
		rc := reqImportColumn{Key: col.Key, Name: requirement.ColumnName(col.Key, tr.IsChinese()), Required: col.Required,
			Names: strings.Join(append([]string{col.English, col.Chinese}, col.Aliases...), ", ")}
		if codes, en, zh := requirement.Labels(col.Key); len(codes) > 0 {
			words := make([]string, len(codes))
			for i := range codes {
				words[i] = en[i] + " / " + zh[i]
			}
			rc.Words = strings.Join(words, ", ")
		}
		v.Columns = append(v.Columns, rc)
	}
	return s.render(c, status, "requirements/import", tr.T("reqimport.title"), v)
}

// renderReqImportProblem shows the upload page again with what is wrong with the file.
func (s *Server) renderReqImportProblem(c *fiber.Ctx, msgID string, kv ...any) error {
	return s.renderRequirementImport(c, fiber.StatusUnprocessableEntity,
		form{Errors: map[string]string{"file": s.translator(c).T(msgID, kv...)}})
}

// renderReqImportError shows the upload page with an Invalid error of the
// file; any other error goes to the error handler.
func (s *Server) renderReqImportError(c *fiber.Ctx, err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalid {
		return err
	}
	m, ok := ae.Fields["file"]
	if !ok {
		m = ae.Message
	}
	return s.renderReqImportProblem(c, m.ID, dataPairs(m.Data)...)
}

// reqPreviewRow is one line of the preview table.
type reqPreviewRow struct {
	Line    int
	Action  string // create, update, unchanged; "" for a row with problems
	Key     string
	Title   string
	Tier    string
	Phase   string
	Owner   string
	Changed string // the columns an update changes
	Errors  []string
}

type reqPreviewView struct {
	projectPage
	FileName  string
	Header    map[string]string // column key → its name in the reader's language
	Rows      []reqPreviewRow
	Total     int
	Bad       int
	New       int
	Updated   int
	Unchanged int
	RowsJSON  string
}

// handleRequirementImport reads an uploaded file into a preview, or, with
// confirm=1, imports the previewed rows.
func (s *Server) handleRequirementImport(c *fiber.Ctx) error {
	if c.FormValue("confirm") == "1" {
		return s.confirmRequirementImport(c)
	}
	rows, fileName, problem, err := s.uploadedRows(c, "reqimport.sheet", "reqimport.empty_file")
	if err != nil {
		return err
	}
	if problem != nil {
		return s.renderReqImportProblem(c, problem.ID, dataPairs(problem.Data)...)
	}
	file, err := requirement.ReadRows(rows)
	if err != nil {
		return s.renderReqImportError(c, err)
	}
	p, _ := currentProject(c)
	results, ok, err := requirement.CheckRows(c.UserContext(), s.db, p.ID, file)
	if err != nil {
		return err
	}
	return s.renderRequirementPreview(c, fileName, file, results, ok)
}

func (s *Server) confirmRequirementImport(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var file requirement.ImportFile
	if err := json.Unmarshal([]byte(c.FormValue("rows")), &file); err != nil || len(file.Rows) == 0 {
		return s.renderReqImportProblem(c, "reqimport.bad_rows")
	}
	results, err := requirement.Import(c.UserContext(), s.db, mustUser(c).ID, p.ID, &file)
	if err != nil {
		if apperr.Is(err, apperr.KindInvalid) && len(results) > 0 {
			return s.renderRequirementPreview(c, "", &file, results, false)
		}
		return s.renderReqImportError(c, err)
	}
	for _, r := range results {
		if r.Action != requirement.ActionUnchanged {
			return s.redirectWith(c, projectPath(p, "/requirements"), "success", "flash.reqimport_done")
		}
	}
	return s.redirectWith(c, projectPath(p, "/requirements"), "info", "flash.reqimport_nothing")
}

func (s *Server) renderRequirementPreview(c *fiber.Ctx, fileName string, file *requirement.ImportFile, results []requirement.RowResult, ok bool) error {
	tr := s.translator(c)
	zh := tr.IsChinese()
	p, _ := currentProject(c)
	v := reqPreviewView{projectPage: newProjectPage(c, "backlog"), FileName: fileName, Total: len(results), Header: map[string]string{}}
	for _, col := range requirement.Columns {
		v.Header[col.Key] = requirement.ColumnName(col.Key, zh)
	}
	for _, r := range results {
		in := r.Input()
		row := reqPreviewRow{Line: r.Line, Action: string(r.Action), Key: r.Key, Title: r.Title, Tier: r.Tier, Phase: r.Phase, Owner: r.Owner}
		if r.Number != 0 {
			row.Key = p.Key + "-" + itoa64(int64(r.Number))
		}
		for _, e := range r.Errors {
			msg := tr.TData(e.Message.ID, e.Message.Data)
			if e.Column != "" {
				msg = requirement.ColumnName(e.Column, zh) + tr.T("reqimport.colon") + msg
			}
			row.Errors = append(row.Errors, msg)
		}
		if len(row.Errors) == 0 {
			// Show what will be written: the tier in words, the phase and owner as found.
			row.Title, row.Tier, row.Phase, row.Owner = in.Title, requirement.Label("tier", string(in.Tier), zh), r.PhaseName, r.OwnerName
			changed := make([]string, len(r.Changed))
			for i, col := range r.Changed {
				changed[i] = requirement.ColumnName(col, zh)
			}
			row.Changed = strings.Join(changed, tr.T("reqimport.list_sep"))
		}
		switch {
		case len(row.Errors) > 0:
			v.Bad++
		case r.Action == requirement.ActionCreate:
			v.New++
		case r.Action == requirement.ActionUpdate:
			v.Updated++
		default:
			v.Unchanged++
		}
		v.Rows = append(v.Rows, row)
	}
	status := fiber.StatusOK
	if !ok || v.Bad > 0 {
		status = fiber.StatusUnprocessableEntity
	} else if v.New+v.Updated > 0 {
		b, err := json.Marshal(file)
		if err != nil {
			return err
		}
		v.RowsJSON = string(b)
	}
	return s.render(c, status, "requirements/import_preview", tr.T("reqimport.preview_title"), v)
}

// requirementExport is the filtered backlog (the backlog page's filters, no
// paging) as a header and rows in the reader's language.
func (s *Server) requirementExport(c *fiber.Ctx) ([]string, [][]any, string, error) {
	p, _ := currentProject(c)
	header, rows, err := requirement.Export(c.UserContext(), s.db, p.ID, requirementFilter(c), s.translator(c).IsChinese())
	return header, rows, p.Key + "-requirements-" + s.today().String(), err
}

func (s *Server) handleRequirementExportXLSX(c *fiber.Ctx) error {
	header, rows, name, err := s.requirementExport(c)
	if err != nil {
		return err
	}
	w := sheet.NewWorkbook()
	if err := w.AddSheet(s.translator(c).T("reqimport.sheet"), header, rows); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := w.Write(&buf); err != nil {
		return err
	}
	return sendDownload(c, xlsxType, name+".xlsx", buf.Bytes())
}

func (s *Server) handleRequirementExportCSV(c *fiber.Ctx) error {
	header, rows, name, err := s.requirementExport(c)
	if err != nil {
		return err
	}
	cells := make([][]string, len(rows))
	for i, r := range rows {
		cells[i] = make([]string, len(r))
		for j, v := range r {
			// A spreadsheet opening the file must not run a cell as a formula.
			cells[i][j] = requirement.Guard(requirement.CellText(v))
		}
	}
	var buf bytes.Buffer
	if err := sheet.WriteCSV(&buf, header, cells); err != nil {
		return err
	}
	return sendDownload(c, "text/csv; charset=utf-8", name+".csv", buf.Bytes())
}

func sendDownload(c *fiber.Ctx, contentType, fileName string, body []byte) error {
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+fileName+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(body)
}
