package web

import (
	"bytes"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/project"
	"rollout/internal/requirement"
	"rollout/internal/sheet"
)

// The backlog in and out as spreadsheets. The import is the shared flow of
// imports.go with requirement.CheckRows and requirement.Import, which checks
// the rows again inside its transaction. The export writes the same columns,
// key and version included, for the filtered view of the backlog page, so a
// downloaded file, edited and uploaded again, updates exactly what was edited.

// reqImportColumn explains one column on the upload page.
type reqImportColumn struct {
	Key, Name, Names string // Names: the headers understood, e.g. "Tier, 优先级, priority"
	Required         bool
	Words            string // the words understood for an enumeration, in the reader's language and the other
}

type reqImportView struct {
	importPage
	Columns []reqImportColumn
	Phases  []project.Phase
}

func (s *Server) requirementImportFlow() *importFlow {
	return &importFlow{tab: "backlog", path: "/requirements", backID: "reqimport.back", titleID: "reqimport.preview_title",
		sheetID: "reqimport.sheet", emptyID: "reqimport.empty_file", badRowsID: "reqimport.bad_rows",
		upload: s.renderRequirementImport, check: s.checkRequirementImport, confirm: s.confirmRequirementImport}
}

func (s *Server) handleRequirementImportPage(c *fiber.Ctx) error {
	return s.renderRequirementImport(c, fiber.StatusOK, form{})
}

func (s *Server) handleRequirementImport(c *fiber.Ctx) error {
	return s.handleImport(c, s.requirementImportFlow())
}

func (s *Server) renderRequirementImport(c *fiber.Ctx, status int, f form) error {
	ip := newImportPage(c, "backlog", "/requirements", f)
	tr := s.translator(c)
	phases, err := project.Phases(c.UserContext(), s.db, ip.Project.ID)
	if err != nil {
		return err
	}
	v := reqImportView{importPage: ip, Phases: phases}
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

func (s *Server) checkRequirementImport(c *fiber.Ctx, rows [][]string) (*importPreview, error) {
	file, err := requirement.ReadRows(rows)
	if err != nil {
		return nil, err
	}
	p, _ := currentProject(c)
	results, _, err := requirement.CheckRows(c.UserContext(), s.db, p.ID, file)
	if err != nil {
		return nil, err
	}
	return s.requirementPreview(c, file, results)
}

func (s *Server) confirmRequirementImport(c *fiber.Ctx, payload []byte) (*importPreview, importDone, error) {
	var file requirement.ImportFile
	if err := decodePayload(payload, &file); err != nil || len(file.Rows) == 0 {
		return nil, importDone{}, errBadPayload
	}
	p, _ := currentProject(c)
	results, err := requirement.Import(c.UserContext(), s.db, mustUser(c).ID, p.ID, &file)
	if err != nil {
		return refused(c, err, results, func(c *fiber.Ctx, rs []requirement.RowResult) (*importPreview, error) {
			return s.requirementPreview(c, &file, rs)
		})
	}
	for _, r := range results {
		if r.Action != requirement.ActionUnchanged {
			return nil, importDone{"success", "flash.reqimport_done"}, nil
		}
	}
	return nil, importDone{"info", "flash.reqimport_nothing"}, nil
}

// requirementPreview shows what each row does (new, an update and what it
// changes, unchanged) and what it writes: the tier in words, the phase and
// owner as found.
func (s *Server) requirementPreview(c *fiber.Ctx, file *requirement.ImportFile, results []requirement.RowResult) (*importPreview, error) {
	tr := s.translator(c)
	zh := tr.IsChinese()
	p, _ := currentProject(c)
	column := func(key string) string { return requirement.ColumnName(key, zh) }
	v := &importPreview{}
	for _, key := range []string{"key", "title", "tier", "phase", "owner"} {
		v.Columns = append(v.Columns, previewColumn{Name: column(key)})
	}
	counts := map[requirement.Action]int{}
	for _, r := range results {
		in := r.Input()
		row := previewRow{Line: r.Line}
		problems := make([]columnMessage, len(r.Errors))
		for i, e := range r.Errors {
			problems[i] = columnMessage{e.Column, e.Message}
		}
		row.Problems = messages(tr, column, problems)
		key, title, tier, phase, owner := r.Key, r.Title, r.Tier, r.Phase, r.Owner
		if r.Number != 0 {
			key = p.Key + "-" + itoa64(int64(r.Number))
		}
		if len(row.Problems) == 0 {
			counts[r.Action]++
			title, tier, phase, owner = in.Title, requirement.Label("tier", string(in.Tier), zh), r.PhaseName, r.OwnerName
			switch r.Action {
			case requirement.ActionCreate:
				row.Badge, row.Tone = tr.T("reqimport.status_new"), "ok"
			case requirement.ActionUpdate:
				changed := make([]string, len(r.Changed))
				for i, col := range r.Changed {
					changed[i] = column(col)
				}
				row.Badge, row.Tone = tr.T("reqimport.status_update"), "warn"
				row.Detail = tr.T("reqimport.changes") + " " + strings.Join(changed, tr.T("reqimport.list_sep"))
			default:
				row.Badge, row.Tone = tr.T("reqimport.status_unchanged"), "muted"
			}
		}
		row.Cells = []previewCell{{Text: key, Class: "mono nowrap"}, {Text: title, Class: "wrap"}, {Text: tier, Class: "nowrap"},
			{Text: phase, Class: "nowrap"}, {Text: owner, Class: "wrap"}}
		v.add(row)
	}
	created, updated, unchanged := counts[requirement.ActionCreate], counts[requirement.ActionUpdate], counts[requirement.ActionUnchanged]
	if created+updated == 0 {
		v.Ready = tr.T("reqimport.summary_nothing", "Count", unchanged)
		return v, nil
	}
	v.Ready = tr.T("reqimport.summary_ready", "New", created, "Updated", updated)
	if unchanged > 0 {
		v.Ready += " " + tr.T("reqimport.summary_unchanged", "Count", unchanged)
	}
	return v, v.offer(file, tr.T("reqimport.confirm", "New", created, "Updated", updated))
}

// requirementExport is the filtered backlog (the backlog page's filters, no
// paging) as a header and rows in the reader's language.
func (s *Server) requirementExport(c *fiber.Ctx) ([]string, [][]any, string, error) {
	p, _ := currentProject(c)
	f, err := requirementFilter(c)
	if err != nil {
		return nil, nil, "", err
	}
	header, rows, err := requirement.Export(c.UserContext(), s.db, p.ID, f, s.translator(c).IsChinese())
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
