package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/i18n"
	"rollout/internal/pitfall"
	"rollout/internal/project"
)

// The pitfall checklist: the project's data checked against the ten classic
// ways CRM rollouts fail (the method part of the health). The health page
// and the project home's health card are in health.go, the thresholds form in
// health_thresholds.go.

// findingOut is a finding in the reader's language, for pages and the API.
type findingOut struct {
	Pitfall  string           `json:"pitfall"`
	Title    string           `json:"pitfall_title"`
	Detector string           `json:"detector"`
	Severity pitfall.Severity `json:"severity"`
	Message  string           `json:"message_id"`
	Data     map[string]any   `json:"data"`
	Text     string           `json:"text"`
	Links    []linkOut        `json:"links"`
	// Facts say which facts the finding was drawn from, in the reader's
	// language ("go-live 2026-09-01 from milestone “Launch”").
	Facts []string `json:"facts"`
	// Checklist is the pitfall's place on the checklist page.
	Checklist string `json:"-"`
}

// linkOut points at the items behind a finding.
type linkOut struct {
	Label string `json:"label"`
	Path  string `json:"path"`
	Text  string `json:"text"`
	Href  string `json:"href"`
}

// linkText shows a link's label: a message ID ("link.goals") is translated,
// anything else (a key, a title, a phase) is shown as it is.
func linkText(tr *i18n.Translator, label string) string {
	if strings.HasPrefix(label, "link.") {
		return tr.T(label)
	}
	return label
}

func pitfallTitle(code, lang string) string {
	if code == pitfall.SymptomsCode {
		return pitfall.Get().Symptoms.Title.In(lang)
	}
	p, _ := pitfall.ByCode(code)
	return p.Title.In(lang)
}

// findingsOut translates findings, most severe first. A link to the project
// settings leads those who may not edit them to the project's home, where
// the same facts are shown.
func findingsOut(tr *i18n.Translator, p *project.Project, acc project.Access, fs []pitfall.Finding) []findingOut {
	out := make([]findingOut, 0, len(fs))
	for _, f := range pitfall.Ordered(fs) {
		data := f.Data
		if data == nil {
			data = map[string]any{}
		}
		fo := findingOut{Pitfall: f.Pitfall, Title: pitfallTitle(f.Pitfall, tr.Lang), Detector: f.Detector, Severity: f.Severity,
			Message: f.Message, Data: data, Text: tr.TData(f.Message, data), Links: []linkOut{},
			Checklist: projectPath(p, "/pitfalls#"+f.Pitfall), Facts: []string{}}
		for _, x := range f.Facts {
			fo.Facts = append(fo.Facts, tr.TData(x.Message, x.Data))
		}
		for _, l := range f.Links {
			href := projectPath(p, l.Path)
			if l.Path == "/edit" && !acc.Can(project.EditProject) {
				href = projectPath(p, "")
			}
			fo.Links = append(fo.Links, linkOut{Label: l.Label, Path: l.Path, Text: linkText(tr, l.Label), Href: href})
		}
		out = append(out, fo)
	}
	return out
}

// partOut is one pitfall's share of the score.
type partOut struct {
	pitfall.PitfallHealth
	Title string `json:"title"`
}

func partsOut(lang string, h *pitfall.Health) []partOut {
	out := make([]partOut, 0, len(h.Pitfalls))
	for _, p := range h.Pitfalls {
		out = append(out, partOut{PitfallHealth: p, Title: pitfallTitle(p.Code, lang)})
	}
	return out
}

// The checklist.

// answerChoices are the answers a question takes.
var answerChoices = []string{"yes", "no", "unsure"}

type questionView struct {
	Index  int
	Text   string
	Answer string
}

// checklistItem is one pitfall (or the symptom self-check) on the checklist.
type checklistItem struct {
	Code, Title, LooksLike, Instead string
	Symptoms                        bool
	Questions                       []questionView
	Assessment                      pitfall.Assessment // stored (Version 0 when never assessed)
	In                              pitfall.Input      // the form's values
	Findings                        []findingOut
	Points                          int
	Error                           form
}

type checklistView struct {
	projectPage
	Sub       string
	Version   string
	Items     []checklistItem
	Symptoms  checklistItem
	Members   []project.Member
	Statuses  []pitfall.Status
	Answers   []string
	Score     int // the method score
	Rule      healthRule
	CanAssess bool
}

// questionsOf returns a pitfall's (or the self-check's) questions in lang;
// false for an unknown code.
func questionsOf(code, lang string) ([]string, bool) {
	if code == pitfall.SymptomsCode {
		return pitfall.Get().Symptoms.Questions.In(lang), true
	}
	p, ok := pitfall.ByCode(code)
	if !ok {
		return nil, false
	}
	return p.Questions.In(lang), true
}

func inputOf(a pitfall.Assessment) pitfall.Input {
	return pitfall.Input{Status: a.Status, Answers: a.Answers, Notes: a.Notes, OwnerID: a.OwnerID,
		NextReviewOn: a.NextReviewOn, Version: a.Version}
}

// renderChecklist shows the checklist; when a form comes back with errors,
// code names it and in holds what was entered.
func (s *Server) renderChecklist(c *fiber.Ctx, status int, failed string, in pitfall.Input, f form) error {
	pp := newProjectPage(c, "health")
	pp.Form = form{Summary: f.Summary}
	ctx := c.UserContext()
	h, err := s.projectHealth(c)
	if err != nil {
		return err
	}
	ms, err := project.Members(ctx, s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	tr := s.translator(c)
	findings := findingsOut(tr, pp.Project, pp.Access, h.Findings)
	item := func(code, title, looksLike, instead string, questions []string) checklistItem {
		it := checklistItem{Code: code, Title: title, LooksLike: looksLike, Instead: instead, Symptoms: code == pitfall.SymptomsCode}
		a, ok := h.Assessments[code]
		if !ok {
			a = pitfall.Assessment{Code: code, Status: pitfall.NotAssessed}
		}
		it.Assessment, it.In = a, inputOf(a)
		if code == failed {
			it.In, it.Error = in, f
		}
		for i, q := range questions {
			qv := questionView{Index: i, Text: q}
			if i < len(it.In.Answers) {
				qv.Answer = it.In.Answers[i]
			}
			it.Questions = append(it.Questions, qv)
		}
		for _, fo := range findings {
			if fo.Pitfall == code {
				it.Findings = append(it.Findings, fo)
			}
		}
		for _, part := range h.Pitfalls {
			if part.Code == code {
				it.Points = part.Points
			}
		}
		return it
	}
	cat := pitfall.Get()
	v := checklistView{projectPage: pp, Sub: "pitfalls", Version: cat.Version, Members: ms, Statuses: pitfall.Statuses, Answers: answerChoices,
		Score: h.Score, Rule: theHealthRule,
		CanAssess: pp.Access.Can(project.AssessPitfalls) && !pp.Project.Archived}
	for _, p := range cat.Pitfalls {
		v.Items = append(v.Items, item(p.Code, p.Title.In(tr.Lang), p.LooksLike.In(tr.Lang), p.Instead.In(tr.Lang), p.Questions.In(tr.Lang)))
	}
	v.Symptoms = item(pitfall.SymptomsCode, cat.Symptoms.Title.In(tr.Lang), "", "", cat.Symptoms.Questions.In(tr.Lang))
	return s.render(c, status, "pitfalls/checklist", tr.T("pitfalls.title"), v)
}

func (s *Server) handlePitfalls(c *fiber.Ctx) error {
	return s.renderChecklist(c, fiber.StatusOK, "", pitfall.Input{}, form{})
}

func (s *Server) handlePitfallAssess(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	code := strings.Clone(c.Params("code"))
	questions, ok := questionsOf(code, i18n.English)
	if !ok {
		return apperr.NotFound()
	}
	var in pitfall.Input
	if err := bindForm(c, &in); err != nil {
		return err
	}
	// One radio group per question: answer_0, answer_1 …
	in.Answers = make([]string, len(questions))
	for i := range questions {
		in.Answers[i] = strings.Clone(c.FormValue("answer_" + strconv.Itoa(i)))
	}
	if _, err := pitfall.Assess(c.UserContext(), s.db, mustUser(c).ID, p.ID, code, in); err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderChecklist(c, formStatus(err), code, in, f)
	}
	return s.redirectWith(c, projectPath(p, "/pitfalls#"+code), "success", "flash.assessment_saved")
}
