package web

import (
	"github.com/gofiber/fiber/v2"

	"rollout/internal/budget"
	"rollout/internal/web/sheets"
)

// Spend in and out as spreadsheets. The import is the shared flow of
// imports.go with budget.CheckRows and budget.Import, one entry per row
// matched to a line by its category; rows already recorded are skipped. The
// export's Spend sheet has the import's columns, so rows added to it upload again.

func (s *Server) budgetImportFlow() *importFlow {
	return &importFlow{tab: "budget", path: "/budget", backID: "budget.back", titleID: "budget.preview_title",
		sheetID: "budget.sheet_spend", emptyID: "budget.import_empty_file", badRowsID: "budget.import_bad_rows",
		upload: s.renderBudgetImport, check: s.checkBudgetImport, confirm: s.confirmBudgetImport}
}

type budgetImportView struct {
	importPage
	Lines []budget.Line
}

func (s *Server) handleBudgetImportPage(c *fiber.Ctx) error {
	return s.renderBudgetImport(c, fiber.StatusOK, form{})
}

func (s *Server) handleBudgetImport(c *fiber.Ctx) error {
	return s.handleImport(c, s.budgetImportFlow())
}

func (s *Server) renderBudgetImport(c *fiber.Ctx, status int, f form) error {
	ip := newImportPage(c, "budget", "/budget", f)
	ls, err := budget.Lines(c.UserContext(), s.db, ip.Project.ID)
	if err != nil {
		return err
	}
	return s.render(c, status, "budget/import", s.translator(c).T("budget.import_title"), budgetImportView{importPage: ip, Lines: ls})
}

func (s *Server) checkBudgetImport(c *fiber.Ctx, rows [][]string) (*importPreview, error) {
	irows, err := budget.ReadRows(rows)
	if err != nil {
		return nil, err
	}
	p, _ := currentProject(c)
	results, _, err := budget.CheckRows(c.UserContext(), s.db, p.ID, irows)
	if err != nil {
		return nil, err
	}
	return s.budgetPreview(c, results)
}

func (s *Server) confirmBudgetImport(c *fiber.Ctx, payload []byte) (*importPreview, importDone, error) {
	var rows []budget.ImportRow
	if err := decodePayload(payload, &rows); err != nil || len(rows) == 0 {
		return nil, importDone{}, errBadPayload
	}
	p, _ := currentProject(c)
	results, err := budget.Import(c.UserContext(), s.db, mustUser(c).ID, p.ID, rows)
	if err != nil {
		return refused(c, err, results, s.budgetPreview)
	}
	for _, r := range results {
		if !r.Duplicate {
			return nil, importDone{"success", "flash.spend_imported"}, nil
		}
	}
	return nil, importDone{"info", "flash.spend_nothing_new"}, nil
}

// budgetPreview shows each row as it will be recorded: "¥1,200" as 1,200,
// "2026/3/1" as 2026-03-01, the line's category as stored.
func (s *Server) budgetPreview(c *fiber.Ctx, results []budget.RowResult) (*importPreview, error) {
	tr := s.translator(c)
	v := &importPreview{Columns: []previewColumn{{Name: tr.T("budget.col.date")}, {Name: tr.T("budget.col.amount"), Class: "num"},
		{Name: tr.T("budget.col.category")}, {Name: tr.T("budget.col.note")}}}
	raw := make([]budget.ImportRow, len(results))
	fresh, recorded := 0, 0
	for i, r := range results {
		raw[i] = r.ImportRow
		row := goodRow(tr, r.Line, r.Duplicate)
		row.Problems = translated(tr, r.Errors)
		day, amount, category := r.Date, r.Amount, r.Category
		if len(row.Problems) == 0 {
			line, on, parsed := r.Parsed()
			day, amount, category = on.String(), fmtMoney(parsed), line
			if r.Duplicate {
				recorded++
			} else {
				fresh++
			}
		}
		row.Cells = []previewCell{{Text: day, Class: "nowrap"}, {Text: amount, Class: "num nowrap"},
			{Text: category, Class: "wrap"}, {Text: r.Note, Class: "wrap"}}
		v.add(row)
	}
	return v, v.offerNew(tr, raw, fresh, recorded, "budget.import_ready", "budget.import_confirm")
}

// handleBudgetExport writes the lines and every spend entry; the Spend sheet's
// columns are the import's, so rows added to it upload again.
func (s *Server) handleBudgetExport(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	ctx, tr := c.UserContext(), s.translator(c)
	lines, err := budget.Lines(ctx, s.db, p.ID)
	if err != nil {
		return err
	}
	entries, err := budget.Entries(ctx, s.db, p.ID, 5000)
	if err != nil {
		return err
	}
	w, err := sheets.Budget(tr, lines, entries)
	if err != nil {
		return err
	}
	return sendWorkbook(c, w, p.Key+"-budget-"+s.today().String()+".xlsx")
}
