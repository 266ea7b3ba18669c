package web

import (
	"bytes"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/office"
	"rollout/internal/report"
	"rollout/internal/sheet"
	"rollout/internal/web/sheets"
)

// The dashboard's and the latest gate pack's workbooks (.xlsx downloads);
// their layouts live in package sheets.

// sendWorkbook sends a workbook as a download.
func sendWorkbook(c *fiber.Ctx, w *sheet.Workbook, name string) error {
	var buf bytes.Buffer
	if err := w.Write(&buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, xlsxType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(buf.Bytes())
}

// handleDashboardExport writes the dashboard as a workbook, one sheet per
// group of figures, in the reader's language.
func (s *Server) handleDashboardExport(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	d, err := s.dashboard(c)
	if err != nil {
		return err
	}
	tr := s.translator(c)
	w, err := sheets.Dashboard(tr, d, func(code string) string { return pitfallTitle(code, tr.Lang) })
	if err != nil {
		return err
	}
	return sendWorkbook(c, w, p.Key+"-dashboard-"+d.Today.String()+".xlsx")
}

func share(part, whole float64) float64 {
	if whole == 0 {
		return 0
	}
	return part / whole
}

// handleReviewPackExport writes the latest gate pack as a workbook, one
// sheet per section: the pack the committee decided on last (frozen), else
// the pack of the review scheduled last as the project stands now.
func (s *Server) handleReviewPackExport(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	ctx := c.UserContext()
	r, err := report.LatestReview(ctx, s.db, p.ID)
	if err != nil {
		return err
	}
	if r == nil {
		return &apperr.Error{Kind: apperr.KindNotFound, Message: apperr.Msg("dashboard.no_review")}
	}
	pack, _, err := office.ReviewPack(ctx, s.db, r, s.now())
	if err != nil {
		return err
	}
	tr := s.translator(c)
	w, err := sheets.ReviewPack(tr, r, pack, func(code string) string { return pitfallTitle(code, tr.Lang) })
	if err != nil {
		return err
	}
	name := strings.NewReplacer(" ", "-", "/", "-").Replace(p.Key + "-gate-pack-" + s.today().String() + ".xlsx")
	return sendWorkbook(c, w, name)
}
