package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/i18n"
	"rollout/internal/risk"
	"rollout/internal/sheet"
)

// The risk register in and out as spreadsheets, with the flow of the goal
// measurement import: an upload is read, checked and shown as a preview that
// writes nothing; only a preview without problems offers the confirmation,
// which posts the rows back (a hidden JSON field) and writes all of them or
// none (risk.Import checks them again). The export's first sheet has the
// import's columns, so a downloaded register, edited, uploads again.

// riskVocabulary lets a sheet name categories and statuses in any of our
// languages, as the export writes them.
func (s *Server) riskVocabulary() *risk.Vocabulary {
	v := risk.NewVocabulary()
	for _, l := range i18n.Languages {
		tr := s.i18n.For(l)
		for _, c := range risk.Categories {
			v.AddCategory(tr.T("enum.risk_category."+string(c)), c)
		}
		for _, st := range risk.Statuses {
			v.AddStatus(tr.T("enum.risk_status."+string(st)), st)
		}
	}
	return v
}

type riskImportView struct {
	projectPage
	MaxRows    int
	Categories []risk.Category
}

func (s *Server) handleRiskImportPage(c *fiber.Ctx) error {
	return s.renderRiskImport(c, fiber.StatusOK, form{})
}

func (s *Server) renderRiskImport(c *fiber.Ctx, status int, f form) error {
	pp := newProjectPage(c, "risks")
	pp.Form = f
	return s.render(c, status, "risks/import", s.translator(c).T("risk_import.title"),
		riskImportView{projectPage: pp, MaxRows: sheet.MaxRows, Categories: risk.Categories})
}

// renderRiskImportProblem shows the upload page again with what is wrong with the file.
func (s *Server) renderRiskImportProblem(c *fiber.Ctx, msg apperr.Message) error {
	return s.renderRiskImport(c, fiber.StatusUnprocessableEntity,
		form{Errors: map[string]string{"file": s.translator(c).TData(msg.ID, msg.Data)}})
}

// renderRiskImportError shows an Invalid error of the file on the upload
// page; any other error goes to the error handler.
func (s *Server) renderRiskImportError(c *fiber.Ctx, err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalid {
		return err
	}
	m, ok := ae.Fields["file"]
	if !ok {
		m = ae.Message
	}
	return s.renderRiskImportProblem(c, m)
}

// handleRiskImport reads an uploaded file into a preview, or, with
// confirm=1, writes the previewed rows.
func (s *Server) handleRiskImport(c *fiber.Ctx) error {
	if c.FormValue("confirm") == "1" {
		return s.confirmRiskImport(c)
	}
	rows, fileName, problem, err := s.uploadedRows(c, "", "risk_import.empty_file")
	if err != nil {
		return err
	}
	if problem != nil {
		return s.renderRiskImportProblem(c, *problem)
	}
	irows, err := risk.ReadRows(rows)
	if err != nil {
		return s.renderRiskImportError(c, err)
	}
	p, _ := currentProject(c)
	results, ok, err := risk.CheckRows(c.UserContext(), s.db, p.ID, irows, s.riskVocabulary(), s.today())
	if err != nil {
		return err
	}
	return s.renderRiskPreview(c, fileName, results, ok)
}

func (s *Server) confirmRiskImport(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var rows []risk.ImportRow
	if err := json.Unmarshal([]byte(c.FormValue("rows")), &rows); err != nil || len(rows) == 0 {
		return s.renderRiskImportProblem(c, apperr.Msg("risk_import.bad_rows"))
	}
	results, err := risk.Import(c.UserContext(), s.db, mustUser(c).ID, p.ID, rows, s.riskVocabulary(), s.today())
	if err != nil {
		if apperr.Is(err, apperr.KindInvalid) && len(results) > 0 {
			return s.renderRiskPreview(c, "", results, false)
		}
		return s.renderRiskImportError(c, err)
	}
	return s.redirectWith(c, projectPath(p, "/risks"), "success", "flash.risks_imported")
}

// riskPreviewRow is one line of the preview table.
type riskPreviewRow struct {
	Line     int
	Number   int    // the risk it updates, 0 for a new one
	Action   string // what the row does, translated
	Title    string
	Category string
	Rating   string // probability × impact = score, when readable
	Level    risk.Severity
	Owner    string
	Status   string
	Problems []string
}

type riskPreviewView struct {
	projectPage
	FileName string
	Rows     []riskPreviewRow
	Total    int
	Bad      int
	Create   int
	Update   int
	RowsJSON string
}

func (s *Server) renderRiskPreview(c *fiber.Ctx, fileName string, results []risk.RowResult, ok bool) error {
	tr := s.translator(c)
	v := riskPreviewView{projectPage: newProjectPage(c, "risks"), FileName: fileName, Total: len(results)}
	raw := make([]risk.ImportRow, len(results))
	for i, r := range results {
		raw[i] = r.ImportRow
		in := r.Planned
		row := riskPreviewRow{Line: r.Line, Number: r.Number, Title: in.Title, Owner: r.OwnerName,
			Action: tr.T("risk_import.action_create")}
		if r.Number != 0 {
			row.Action = tr.T("risk_import.action_update", "Key", r.Key)
		}
		if in.Category != "" {
			row.Category = tr.T("enum.risk_category." + string(in.Category))
		}
		if in.Status != "" {
			row.Status = tr.T("enum.risk_status." + string(in.Status))
		}
		if in.Probability >= 1 && in.Probability <= risk.Scale && in.Impact >= 1 && in.Impact <= risk.Scale {
			score := risk.Score(in.Probability, in.Impact)
			row.Rating, row.Level = fmt.Sprintf("%d × %d = %d", in.Probability, in.Impact, score), risk.Level(score)
		}
		if row.Title == "" {
			row.Title = r.Cells["title"]
		}
		for _, pr := range r.Problems {
			msg := tr.TData(pr.Message.ID, pr.Message.Data)
			if pr.Column != "" {
				msg = tr.T("risk_import.col."+pr.Column) + ": " + msg
			}
			row.Problems = append(row.Problems, msg)
		}
		switch {
		case len(row.Problems) > 0:
			v.Bad++
		case r.Number != 0:
			v.Update++
		default:
			v.Create++
		}
		v.Rows = append(v.Rows, row)
	}
	status := fiber.StatusOK
	if !ok {
		status = fiber.StatusUnprocessableEntity
	} else {
		b, err := json.Marshal(raw)
		if err != nil {
			return err
		}
		v.RowsJSON = string(b)
	}
	return s.render(c, status, "risks/preview", tr.T("risk_import.preview_title"), v)
}

// handleRiskExport sends the whole register as a workbook: a Risks sheet with
// the import's columns (and a few figures after them, which the import
// ignores), and a Reviews sheet with every review.
func (s *Server) handleRiskExport(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	ctx, tr, today := c.UserContext(), s.translator(c), s.today()
	vs, err := risk.List(ctx, s.db, p.ID, risk.Filter{Sort: risk.SortKey}, today)
	if err != nil {
		return err
	}
	reviews, err := risk.ProjectReviews(ctx, s.db, p.ID)
	if err != nil {
		return err
	}
	// These headers must stay names risk.ReadRows knows (tested in both languages).
	ids := make([]string, 0, len(risk.ColumnKeys)+6)
	for _, k := range risk.ColumnKeys {
		ids = append(ids, "risk_import.col."+k)
	}
	ids = append(ids, "risk_export.col.score", "risk_export.col.level", "risk_export.col.residual_score",
		"risk_export.col.owner", "risk_export.col.overdue", "risk_export.col.identified_on")
	rows := make([][]any, len(vs))
	optional := func(n *int) any {
		if n == nil {
			return ""
		}
		return *n
	}
	for i, r := range vs {
		overdue := tr.T("common.no")
		if r.Overdue {
			overdue = tr.T("common.yes")
		}
		rows[i] = []any{r.Key, r.Title, tr.T("enum.risk_category." + string(r.Category)), r.Probability, r.Impact,
			optional(r.ResidualProbability), optional(r.ResidualImpact), r.OwnerEmail,
			tr.T("enum.risk_status." + string(r.Status)), r.NextReviewOn.String(), r.Mitigation, r.Contingency,
			r.Trigger, r.Description, r.Version,
			r.Score, tr.T("enum.risk_level." + string(r.Level)), optional(r.ResidualScore), r.OwnerName, overdue,
			r.IdentifiedOn.String()}
	}
	w := sheet.NewWorkbook()
	if err := w.AddSheet(tr.T("risk_import.sheet_risks"), columnNames(tr, ids...), rows); err != nil {
		return err
	}
	rvRows := make([][]any, len(reviews))
	for i, rv := range reviews {
		rvRows[i] = []any{rv.Key, rv.Title, rv.ReviewedOn.String(), rv.Probability, rv.Impact, rv.Score,
			tr.T("enum.risk_level." + string(rv.Level)), rv.ReviewerName, rv.Note}
	}
	rvHeader := columnNames(tr, "risk_import.col.key", "risk_import.col.title", "risk_export.col.reviewed_on",
		"risk_import.col.probability", "risk_import.col.impact", "risk_export.col.score", "risk_export.col.level",
		"risk_export.col.reviewer", "risk_export.col.note")
	if err := w.AddSheet(tr.T("risk_import.sheet_reviews"), rvHeader, rvRows); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := w.Write(&buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, xlsxType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+p.Key+"-risks-"+today.String()+`.xlsx"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(buf.Bytes())
}
