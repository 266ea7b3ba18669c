package web

import (
	"encoding/json"
	"errors"
	"mime/multipart"
	"path/filepath"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/i18n"
	"rollout/internal/sheet"
)

// The one spreadsheet import flow, shared by goal measurements, requirements,
// risks and spend. One address per import takes two posts: an upload is read
// and checked by the domain and shown as a preview that writes nothing (the
// rows, each with its messages, the counts and, when every row is good, the
// rows again as a hidden JSON payload with a confirm button); the
// confirmation posts the payload back and the domain checks it again and
// writes every row or none, in one transaction. A domain brings only its
// columns, its row checks and its messages: an importFlow.

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// importFlow is one domain's part in the flow.
type importFlow struct {
	tab       string // the project tab the import belongs to: "backlog"
	path      string // the path under the project it returns to: "/requirements"
	backID    string // the label of the link back to it
	titleID   string // the preview's title
	sheetID   string // message naming the sheet of a workbook to prefer ("": the first)
	emptyID   string // what an empty file must hold
	badRowsID string // a confirmation whose payload cannot be read
	// upload shows the upload page, with a problem of the file in f.
	upload func(c *fiber.Ctx, status int, f form) error
	// check reads and checks the rows of an uploaded sheet, writing nothing.
	// An Invalid error (on "file") is shown on the upload page.
	check func(c *fiber.Ctx, rows [][]string) (*importPreview, error)
	// confirm decodes the payload (errBadPayload when it cannot) and writes
	// every row or none. When rows are refused it returns their preview
	// with the Invalid error.
	confirm func(c *fiber.Ctx, payload []byte) (*importPreview, importDone, error)
}

// importDone is the flash shown after a confirmation.
type importDone struct{ kind, msgID string }

// errBadPayload is a confirmation whose rows cannot be read.
var errBadPayload = errors.New("web: the confirmed rows cannot be read")

// refused is a confirmation the domain refused: with the rows it gave back,
// their preview (shown with the error); without, the error alone.
func refused[R any](c *fiber.Ctx, err error, results []R, preview func(*fiber.Ctx, []R) (*importPreview, error)) (*importPreview, importDone, error) {
	if len(results) == 0 {
		return nil, importDone{}, err
	}
	v, perr := preview(c, results)
	if perr != nil {
		return nil, importDone{}, perr
	}
	return v, importDone{}, err
}

// decodePayload reads the JSON of a confirmation into v.
func decodePayload(payload []byte, v any) error {
	if json.Unmarshal(payload, v) != nil {
		return errBadPayload
	}
	return nil
}

// importPreview is the shared preview page: what each row will do or what is
// wrong with it, in the domain's columns.
type importPreview struct {
	projectPage
	Title, BackLabel string
	Back             string // the page the import belongs to; its import is Back/import
	FileName         string
	Columns          []previewColumn
	Rows             []previewRow
	Total, Bad       int
	Ready            string // the summary of a preview without problems
	ReadyTone        string // success when there is something to write, else info
	Confirm          string // the confirm button's label
	Payload          string // the rows to confirm; "" offers no confirmation
}

type previewColumn struct{ Name, Class string }

// previewRow is one line of the file: its check, and its cells in the order
// of the columns.
type previewRow struct {
	Line     int
	Problems []string
	Badge    string // the check of a good row
	Tone     string // its badge's tone: ok, warn, muted
	Detail   string // a line under it, such as what an update changes
	Cells    []previewCell
}

type previewCell struct {
	Text  string
	Href  string // a link to what the row writes to
	Class string
	Tone  string // shown as a badge of this tone
}

// add counts a row; a row with problems makes the preview offer no confirmation.
func (v *importPreview) add(row previewRow) {
	v.Total++
	if len(row.Problems) > 0 {
		v.Bad++
	}
	v.Rows = append(v.Rows, row)
}

// offer puts the rows to confirm in the page when no row has a problem.
func (v *importPreview) offer(payload any, confirm string) error {
	if v.Bad > 0 {
		return nil
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	v.Payload, v.Confirm = string(b), confirm
	return nil
}

// offerNew ends the preview of an import that skips the rows already
// recorded: it says how many rows are new and offers to write them.
func (v *importPreview) offerNew(tr *i18n.Translator, payload any, fresh, recorded int, readyID, confirmID string) error {
	if fresh == 0 {
		v.Ready = tr.T("import.summary_nothing_new", "Count", recorded)
		return nil
	}
	v.Ready = tr.T(readyID, "Count", fresh)
	if recorded > 0 {
		v.Ready += " " + tr.T("import.summary_duplicates", "Count", recorded)
	}
	return v.offer(payload, tr.T(confirmID, "Count", fresh))
}

// goodRow is the check of a row without problems: ready, or already
// recorded and skipped.
func goodRow(tr *i18n.Translator, line int, recorded bool) previewRow {
	if recorded {
		return previewRow{Line: line, Badge: tr.T("import.status_duplicate"), Tone: "muted"}
	}
	return previewRow{Line: line, Badge: tr.T("import.status_ok"), Tone: "ok"}
}

// translated translates the problems of a row that name no column.
func translated(tr *i18n.Translator, ms []apperr.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = tr.TData(m.ID, m.Data)
	}
	return out
}

// messages translates row problems, each after its column's name if it has one.
func messages(tr *i18n.Translator, column func(string) string, problems []columnMessage) []string {
	out := make([]string, len(problems))
	for i, p := range problems {
		out[i] = tr.TData(p.msg.ID, p.msg.Data)
		if p.column != "" {
			out[i] = column(p.column) + tr.T("import.colon") + out[i]
		}
	}
	return out
}

type columnMessage struct {
	column string
	msg    apperr.Message
}

// handleImport runs a flow: with confirm=1 it writes the confirmed rows,
// otherwise it previews an uploaded file.
func (s *Server) handleImport(c *fiber.Ctx, fl *importFlow) error {
	if c.FormValue("confirm") == "1" {
		return s.confirmImport(c, fl)
	}
	rows, fileName, problem, err := s.uploadedRows(c, fl.sheetID, fl.emptyID)
	if err != nil {
		return err
	}
	if problem != nil {
		return s.importProblemStatus(c, fl, problem.status, problem.msg)
	}
	v, err := fl.check(c, rows)
	if err != nil {
		return s.importError(c, fl, err)
	}
	v.FileName = fileName
	return s.renderImportPreview(c, fl, v)
}

func (s *Server) confirmImport(c *fiber.Ctx, fl *importFlow) error {
	payload := []byte(c.FormValue("rows"))
	v, done, err := fl.confirm(c, payload)
	switch {
	case errors.Is(err, errBadPayload):
		return s.importProblem(c, fl, apperr.Msg(fl.badRowsID))
	case err != nil && v != nil && apperr.Is(err, apperr.KindInvalid):
		return s.renderImportPreview(c, fl, v)
	case err != nil:
		return s.importError(c, fl, err)
	}
	p, _ := currentProject(c)
	return s.redirectWith(c, projectPath(p, fl.path), done.kind, done.msgID)
}

func (s *Server) renderImportPreview(c *fiber.Ctx, fl *importFlow, v *importPreview) error {
	tr := s.translator(c)
	v.projectPage = newProjectPage(c, fl.tab)
	v.Title, v.BackLabel, v.Back = tr.T(fl.titleID), tr.T(fl.backID), projectPath(v.Project, fl.path)
	if v.ReadyTone == "" {
		v.ReadyTone = "info"
		if v.Payload != "" {
			v.ReadyTone = "success"
		}
	}
	status := fiber.StatusOK
	if v.Bad > 0 {
		status = fiber.StatusUnprocessableEntity
	}
	return s.render(c, status, "imports/preview", v.Title, v)
}

// importProblem shows the upload page again with what is wrong with the file.
func (s *Server) importProblem(c *fiber.Ctx, fl *importFlow, m apperr.Message) error {
	return s.importProblemStatus(c, fl, fiber.StatusUnprocessableEntity, m)
}

// importProblemStatus is importProblem with another status (413).
func (s *Server) importProblemStatus(c *fiber.Ctx, fl *importFlow, status int, m apperr.Message) error {
	return fl.upload(c, status, form{Errors: map[string]string{"file": s.translator(c).TData(m.ID, m.Data)}})
}

// importError shows an Invalid error of the file on the upload page; any
// other error goes to the error handler.
func (s *Server) importError(c *fiber.Ctx, fl *importFlow, err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalid {
		return err
	}
	m, ok := ae.Fields["file"]
	if !ok {
		m = ae.Message
	}
	return s.importProblem(c, fl, m)
}

// importPage is what every upload page has: the shared upload form
// (templates/partials/import_form.html) and the limit it states.
type importPage struct {
	projectPage
	Back    string // the page the import belongs to; the form posts to Back/import
	MaxRows int
}

func newImportPage(c *fiber.Ctx, tab, path string, f form) importPage {
	pp := newProjectPage(c, tab)
	pp.Form = f
	return importPage{projectPage: pp, Back: projectPath(pp.Project, path), MaxRows: sheet.MaxRows}
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
func (s *Server) uploadedRows(c *fiber.Ctx, sheetMsgID, emptyMsgID string) ([][]string, string, *fileProblem, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return nil, "", &fileProblem{fiber.StatusUnprocessableEntity, apperr.Msg("import.no_file")}, nil
	}
	rows, err := s.readSheet(fh, sheetMsgID)
	if err == nil {
		return rows, filepath.Base(fh.Filename), nil, nil
	}
	p := sheetProblem(err, emptyMsgID)
	if p == nil {
		return nil, "", nil, err
	}
	return nil, "", p, nil
}

// fileProblem is what is wrong with an uploaded file, and the status of the
// upload page that says it: 413 for a file past a size limit, else 422.
type fileProblem struct {
	status int
	msg    apperr.Message
}

// sheetProblem says what is wrong with a file the sheet reader refused;
// nil for an error that is not the file's.
func sheetProblem(err error, emptyMsgID string) *fileProblem {
	tooLarge := func(m apperr.Message) *fileProblem { return &fileProblem{fiber.StatusRequestEntityTooLarge, m} }
	invalid := func(m apperr.Message) *fileProblem { return &fileProblem{fiber.StatusUnprocessableEntity, m} }
	line := 0
	var le *sheet.LineError
	if errors.As(err, &le) {
		line = le.Line
	}
	switch {
	case errors.Is(err, sheet.ErrFormat):
		return invalid(apperr.Msg("import.bad_format"))
	case errors.Is(err, sheet.ErrEmpty):
		return invalid(apperr.Msg(emptyMsgID))
	case errors.Is(err, sheet.ErrTooLarge):
		return tooLarge(apperr.Msg("import.too_many_rows", "Max", sheet.MaxRows))
	case errors.Is(err, sheet.ErrFileTooLarge):
		return tooLarge(apperr.Msg("import.file_too_large", "Max", sheet.MaxFileBytes>>20))
	case errors.Is(err, sheet.ErrUnpacked):
		return tooLarge(apperr.Msg("import.unpacked_too_large", "Max", sheet.MaxUnpackedBytes>>20, "Rows", sheet.MaxRows))
	case errors.Is(err, sheet.ErrTooWide):
		return invalid(apperr.Msg("import.too_many_columns", "Line", line, "Max", sheet.MaxColumns))
	case errors.Is(err, sheet.ErrCellTooLong):
		return invalid(apperr.Msg("import.cell_too_long", "Line", line, "Max", sheet.MaxCellChars))
	case errors.Is(err, sheet.ErrLineTooLong):
		return invalid(apperr.Msg("import.line_too_long", "Line", line))
	case errors.Is(err, sheet.ErrControl):
		return invalid(apperr.Msg("import.control_char", "Line", line))
	}
	return nil
}

// columnNames translates the headers of an export.
func columnNames(tr *i18n.Translator, ids ...string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = tr.T(id)
	}
	return out
}
