package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/date"
	"rollout/internal/pitfall"
)

// assessmentOut is a project's assessment of a pitfall as the API shows it;
// a pitfall never assessed is not_assessed with version 0.
type assessmentOut struct {
	Status       pitfall.Status `json:"status"`
	Answers      []string       `json:"answers"`
	Notes        string         `json:"notes"`
	OwnerID      *int64         `json:"owner_id"`
	OwnerName    string         `json:"owner_name,omitempty"`
	NextReviewOn date.Date      `json:"next_review_on"`
	Version      int            `json:"version"`
	UpdatedAt    *time.Time     `json:"updated_at"`
}

func assessmentOf(as map[string]pitfall.Assessment, code string) assessmentOut {
	a, ok := as[code]
	if !ok {
		return assessmentOut{Status: pitfall.NotAssessed, Answers: []string{}}
	}
	out := assessmentOut{Status: a.Status, Answers: a.Answers, Notes: a.Notes, OwnerID: a.OwnerID, OwnerName: a.OwnerName,
		NextReviewOn: a.NextReviewOn, Version: a.Version}
	if out.Answers == nil {
		out.Answers = []string{}
	}
	if !a.UpdatedAt.IsZero() {
		t := a.UpdatedAt
		out.UpdatedAt = &t
	}
	return out
}

// pitfallOut is one catalogue entry in the caller's language with the
// project's assessment and findings.
type pitfallOut struct {
	Code       string        `json:"code"`
	Title      string        `json:"title"`
	LooksLike  string        `json:"looks_like,omitempty"`
	Instead    string        `json:"instead,omitempty"`
	Questions  []string      `json:"questions"`
	Points     *int          `json:"points,omitempty"`
	Assessment assessmentOut `json:"assessment"`
	Findings   []findingOut  `json:"findings"`
}

// apiPitfalls answers the checklist: the ten pitfalls, then the symptom
// self-check; its score is the method part of the health (the combined
// score is GET …/health's).
func (s *Server) apiPitfalls(c *fiber.Ctx) error {
	p, acc := currentProject(c)
	h, err := s.projectHealth(c)
	if err != nil {
		return err
	}
	tr := s.translator(c)
	findings := findingsOut(tr, p, acc, h.Findings)
	of := func(code string) []findingOut {
		out := []findingOut{}
		for _, f := range findings {
			if f.Pitfall == code {
				out = append(out, f)
			}
		}
		return out
	}
	cat := pitfall.Get()
	items := make([]pitfallOut, 0, len(cat.Pitfalls))
	for i, pf := range cat.Pitfalls {
		points := h.Pitfalls[i].Points
		items = append(items, pitfallOut{Code: pf.Code, Title: pf.Title.In(tr.Lang), LooksLike: pf.LooksLike.In(tr.Lang),
			Instead: pf.Instead.In(tr.Lang), Questions: pf.Questions.In(tr.Lang), Points: &points,
			Assessment: assessmentOf(h.Assessments, pf.Code), Findings: of(pf.Code)})
	}
	symptoms := pitfallOut{Code: pitfall.SymptomsCode, Title: cat.Symptoms.Title.In(tr.Lang), Questions: cat.Symptoms.Questions.In(tr.Lang),
		Assessment: assessmentOf(h.Assessments, pitfall.SymptomsCode), Findings: []findingOut{}}
	return c.JSON(fiber.Map{"catalogue_version": cat.Version, "score": h.Score, "items": items, "symptoms": symptoms})
}

// apiPitfallAssess writes an assessment; the body names the version read (0
// for the first assessment of the pitfall).
func (s *Server) apiPitfallAssess(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	code := strings.Clone(c.Params("code"))
	if _, ok := questionsOf(code, "en"); !ok {
		return apperr.NotFound()
	}
	var in pitfall.Input
	if err := bindPatch(c, &in); err != nil {
		return err
	}
	if _, err := pitfall.Assess(c.UserContext(), s.db, mustUser(c).ID, p.ID, code, in); err != nil {
		return err
	}
	as, err := pitfall.Assessments(c.UserContext(), s.db, p.ID)
	if err != nil {
		return err
	}
	out := assessmentOf(as, code)
	return c.JSON(struct {
		Code string `json:"code"`
		assessmentOut
	}{code, out})
}
