package web

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/i18n"
	"rollout/internal/risk"
	"rollout/internal/sheet"
)

// The risk register in and out as spreadsheets. The import is the shared
// flow of imports.go with risk.CheckRows and risk.Import (rows with a key
// update that risk). The export's first sheet has the import's columns, so a
// downloaded register, edited, uploads again.

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

func (s *Server) riskImportFlow() *importFlow {
	return &importFlow{tab: "risks", path: "/risks", backID: "risks.title", titleID: "risk_import.preview_title",
		emptyID: "risk_import.empty_file", badRowsID: "risk_import.bad_rows",
		upload: s.renderRiskImport, check: s.checkRiskImport, confirm: s.confirmRiskImport}
}

type riskImportView struct {
	importPage
	Categories []risk.Category
}

func (s *Server) handleRiskImportPage(c *fiber.Ctx) error {
	return s.renderRiskImport(c, fiber.StatusOK, form{})
}

func (s *Server) handleRiskImport(c *fiber.Ctx) error { return s.handleImport(c, s.riskImportFlow()) }

func (s *Server) renderRiskImport(c *fiber.Ctx, status int, f form) error {
	return s.render(c, status, "risks/import", s.translator(c).T("risk_import.title"),
		riskImportView{importPage: newImportPage(c, "risks", "/risks", f), Categories: risk.Categories})
}

func (s *Server) checkRiskImport(c *fiber.Ctx, rows [][]string) (*importPreview, error) {
	irows, err := risk.ReadRows(rows)
	if err != nil {
		return nil, err
	}
	p, _ := currentProject(c)
	results, _, err := risk.CheckRows(c.UserContext(), s.db, p.ID, irows, s.riskVocabulary(), s.today())
	if err != nil {
		return nil, err
	}
	return s.riskPreview(c, results)
}

func (s *Server) confirmRiskImport(c *fiber.Ctx, payload []byte) (*importPreview, importDone, error) {
	var rows []risk.ImportRow
	if err := decodePayload(payload, &rows); err != nil || len(rows) == 0 {
		return nil, importDone{}, errBadPayload
	}
	p, _ := currentProject(c)
	results, err := risk.Import(c.UserContext(), s.db, mustUser(c).ID, p.ID, rows, s.riskVocabulary(), s.today())
	if err != nil {
		return refused(c, err, results, s.riskPreview)
	}
	return nil, importDone{"success", "flash.risks_imported"}, nil
}

// riskPreview shows what each row does (a new risk, or an update of one)
// and the rating it gives.
func (s *Server) riskPreview(c *fiber.Ctx, results []risk.RowResult) (*importPreview, error) {
	tr := s.translator(c)
	p, _ := currentProject(c)
	v := &importPreview{Columns: []previewColumn{{Name: tr.T("risk_import.action")}, {Name: tr.T("risk.title")},
		{Name: tr.T("risk.category")}, {Name: tr.T("risk.rating")}, {Name: tr.T("risk.owner")}, {Name: tr.T("risk.status")}}}
	raw := make([]risk.ImportRow, len(results))
	creates, updates := 0, 0
	column := func(col string) string { return tr.T("risk_import.col." + col) }
	for i, r := range results {
		raw[i] = r.ImportRow
		in := r.Planned
		row := goodRow(tr, r.Line, false)
		problems := make([]columnMessage, len(r.Problems))
		for j, pr := range r.Problems {
			problems[j] = columnMessage{pr.Column, pr.Message}
		}
		row.Problems = messages(tr, column, problems)
		action := previewCell{Text: tr.T("risk_import.action_create"), Class: "nowrap"}
		if r.Number != 0 {
			action.Text, action.Href = tr.T("risk_import.action_update", "Key", r.Key), projectPath(p, "/risks/"+strconv.Itoa(r.Number))
		}
		title := in.Title
		if title == "" {
			title = r.Cells["title"]
		}
		var category, status string
		if in.Category != "" {
			category = tr.T("enum.risk_category." + string(in.Category))
		}
		if in.Status != "" {
			status = tr.T("enum.risk_status." + string(in.Status))
		}
		rating := previewCell{Class: "nowrap"}
		if in.Probability >= 1 && in.Probability <= risk.Scale && in.Impact >= 1 && in.Impact <= risk.Scale {
			score := risk.Score(in.Probability, in.Impact)
			rating.Text, rating.Tone = fmt.Sprintf("%d × %d = %d", in.Probability, in.Impact, score), string(risk.Level(score))
		}
		row.Cells = []previewCell{action, {Text: title, Class: "wrap"}, {Text: category}, rating, {Text: r.OwnerName}, {Text: status}}
		switch {
		case len(row.Problems) > 0:
		case r.Number != 0:
			updates++
		default:
			creates++
		}
		v.add(row)
	}
	v.Ready = tr.T("risk_import.summary_ready", "Create", creates, "Update", updates)
	return v, v.offer(raw, tr.T("risk_import.confirm", "Count", len(results)))
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
	return sendDownload(c, xlsxType, p.Key+"-risks-"+today.String()+".xlsx", buf.Bytes())
}
