package web

import (
	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/i18n"
	"rollout/internal/office"
	"rollout/internal/project"
)

// workLine is one line of My work as the page and the API show it: what it
// is, why it waits for the reader, and where it is done.
type workLine struct {
	office.WorkItem
	Label string `json:"label,omitempty"`
	Why   string `json:"why"`
	URL   string `json:"url"`
}

// workGroup is the lines of one kind, under its heading.
type workGroup struct {
	Kind  office.WorkKind
	Title string
	Lines []workLine
}

type myWorkView struct {
	Groups   []workGroup
	Total    int
	Projects []project.Listed
}

// why says, in the reader's language, why an item waits for them.
func why(tr *i18n.Translator, w *office.WorkItem) string {
	due := ""
	if w.DueOn != nil {
		due = w.DueOn.String()
	}
	id := "mywork.why." + string(w.Kind)
	if w.Overdue {
		switch w.Kind {
		case office.WorkRiskReview, office.WorkMeasurement, office.WorkCondition, office.WorkGateDecision:
			id += "_overdue"
		}
	}
	if w.Kind == office.WorkMeasurement && w.Detail == "" {
		id = "mywork.why.measurement_first"
	}
	if w.Kind == office.WorkCondition && w.DueOn == nil {
		id = "mywork.why.condition_undated"
	}
	return tr.T(id, "Person", w.Person, "Due", due, "Detail", w.Detail)
}

func workLines(tr *i18n.Translator, items []office.WorkItem) []workLine {
	out := make([]workLine, len(items))
	for i := range items {
		w := &items[i]
		out[i] = workLine{WorkItem: *w, Label: w.Label(), Why: why(tr, w), URL: w.Path()}
	}
	return out
}

// handleMyWork is the home page of a signed-in user: what waits for them in
// every project they belong to, then their projects.
func (s *Server) handleMyWork(c *fiber.Ctx) error {
	u := mustUser(c)
	ctx, tr := c.UserContext(), s.translator(c)
	items, err := office.MyWork(ctx, s.db, u.ID, s.today())
	if err != nil {
		return err
	}
	ps, err := project.ListFor(ctx, s.db, u.ID, u.IsAdmin, false)
	if err != nil {
		return err
	}
	v := myWorkView{Total: len(items), Projects: ps}
	lines := workLines(tr, items)
	for _, k := range office.WorkKinds {
		g := workGroup{Kind: k, Title: tr.T("mywork.group." + string(k))}
		for _, l := range lines {
			if l.Kind == k {
				g.Lines = append(g.Lines, l)
			}
		}
		if len(g.Lines) > 0 {
			v.Groups = append(v.Groups, g)
		}
	}
	return s.render(c, fiber.StatusOK, "home/work", tr.T("mywork.title"), v)
}

// apiMyWork answers GET /api/v1/me/work: {"items": [...]}, grouped by kind
// and sorted by due date as on the page.
func (s *Server) apiMyWork(c *fiber.Ctx) error {
	items, err := office.MyWork(c.UserContext(), s.db, mustUser(c).ID, s.today())
	if err != nil {
		return err
	}
	return c.JSON(listOf(workLines(s.translator(c), items), ""))
}

// workRead names an item of My work to mark done or read.
type workRead struct {
	Kind office.WorkKind `json:"kind" form:"kind"`
	ID   int64           `json:"id" form:"id"`
}

func (s *Server) markDone(c *fiber.Ctx, in workRead) error {
	if in.ID <= 0 {
		return apperr.InvalidField("id", "validation.required")
	}
	return office.MarkDone(c.UserContext(), s.db, mustUser(c).ID, in.Kind, in.ID, s.today())
}

// handleWorkRead marks an item done from the My work page.
func (s *Server) handleWorkRead(c *fiber.Ctx) error {
	var in workRead
	if err := bindForm(c, &in); err != nil {
		return err
	}
	if err := s.markDone(c, in); err != nil {
		return err
	}
	return s.redirectWith(c, "/", "success", "flash.work_marked")
}

// apiWorkRead answers POST /api/v1/me/work/read {"kind", "id"} with 204.
func (s *Server) apiWorkRead(c *fiber.Ctx) error {
	var in workRead
	if err := decodeStrict(c, &in); err != nil {
		return err
	}
	if err := s.markDone(c, in); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// workCount is the top bar's count of My work (one query). A failure only
// leaves the count out: the page itself must still show.
func (s *Server) workCount(c *fiber.Ctx, userID int64) int {
	n, err := office.MyWorkCount(c.UserContext(), s.db, userID, s.today())
	if err != nil {
		s.log.Warn("my work count", "error", err.Error())
		return 0
	}
	return n
}
