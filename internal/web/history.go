package web

import (
	"context"
	"encoding/json"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/i18n"
)

// One renderer turns audit entries into what a reader understands: the item
// named and linked, what happened as a sentence, and each changed field as
// label: before → after, in the reader's language. The project activity, the
// admin activity and every item's history show its output through
// partials/history; the API keeps the raw entries.

// historyEntry is one audit entry as a reader sees it.
type historyEntry struct {
	ID         int64
	At         time.Time
	Actor      string
	ProjectKey string        // the entry's project ("" for instance-wide writes)
	Kind       string        // the kind of item, translated
	Subject    template.HTML // the item, named and linked
	Action     string        // what happened, translated
	Ref        template.HTML // why: the change request, an import, a review…
	Lines      []template.HTML
	Changes    []historyChange
}

// historyChange is one field: its label and its value before and after, as
// HTML built from escaped text.
type historyChange struct {
	Label         string
	Before, After template.HTML
	Diff          bool // an update: show before → after
}

type historyItem struct {
	entry         audit.Entry
	before, after map[string]any
	project       int64
}

type historyRenderer struct {
	tr    *i18n.Translator
	names *audit.Names
	item  *historyItem
}

// renderHistory renders entries (newest first, as audit.List returns them)
// with a fixed number of queries: every id of every entry is collected first,
// then looked up once per kind.
func renderHistory(ctx context.Context, db database.IDB, tr *i18n.Translator, entries []audit.Entry) ([]historyEntry, error) {
	items := make([]historyItem, len(entries))
	var w audit.Wanted
	for i, e := range entries {
		it := historyItem{entry: e, before: map[string]any{}, after: map[string]any{}}
		_ = json.Unmarshal(e.Before, &it.before)
		_ = json.Unmarshal(e.After, &it.after)
		if e.ProjectID != nil {
			it.project = *e.ProjectID
		}
		items[i] = it
		collectHistoryIDs(&w, &items[i])
	}
	names, err := audit.Lookup(ctx, db, w)
	if err != nil {
		return nil, err
	}
	out := make([]historyEntry, len(items))
	for i := range items {
		h := historyRenderer{tr: tr, names: names, item: &items[i]}
		out[i] = h.entry()
	}
	return out, nil
}

// itemHistoryLimit is how many entries an item's page shows of its trail.
const itemHistoryLimit = 100

// itemHistory is one item's trail, rendered, for its own page.
func (s *Server) itemHistory(c *fiber.Ctx, projectID int64, entity, entityID string) ([]historyEntry, error) {
	entries, err := audit.List(c.UserContext(), s.db, audit.Filter{ProjectID: projectID, Entity: entity, EntityID: entityID,
		Limit: itemHistoryLimit})
	if err != nil {
		return nil, err
	}
	return renderHistory(c.UserContext(), s.db, s.translator(c), entries)
}

// historyCondition is a gate decision's condition as the trail keeps it.
type historyCondition struct {
	Text    string `json:"text"`
	OwnerID *int64 `json:"owner_id"`
	DueOn   string `json:"due_on"`
}

func (h historyRenderer) entry() historyEntry {
	e := h.item.entry
	out := historyEntry{ID: e.ID, At: e.At, Actor: e.ActorName, Kind: h.tr.T("enum.entity." + e.Entity),
		Action: h.tr.T("enum.action." + e.Action), ProjectKey: h.projectKey()}
	out.Subject = h.subject()
	out.Ref = h.ref()
	skip := map[string]bool{}
	switch {
	case e.Entity == "requirement" && e.Action == "move":
		out.Lines = append(out.Lines, h.moved())
	case e.Entity == "phase" && e.Action == "move":
		out.Lines = append(out.Lines, h.text("history.phase_moved", "From", fmtNum(float64(idOf(h.item.before["position"]))),
			"To", fmtNum(float64(idOf(h.item.after["position"])))))
	case e.Action == "decide":
		out.Lines = append(out.Lines, h.decision())
		skip["decision"] = true
	case e.Action == "vote":
		msg := "history.voted_reject"
		if h.item.after["approve"] == true {
			msg = "history.voted_approve"
		}
		out.Lines = append(out.Lines, h.text(msg))
		skip["approve"] = true
	case e.Entity == "project" && e.Action == "import":
		out.Lines = append(out.Lines, h.text("history.imported", "Count", fmtNum(float64(idOf(h.item.after["audit_entries"])))))
		skip["format_version"], skip["audit_entries"] = true, true
	}
	out.Changes = h.changes(skip)
	return out
}

func (h historyRenderer) projectKey() string {
	return h.names.Projects[h.item.project].Key
}

// text is a translated sentence with escaped data.
func (h historyRenderer) text(id string, kv ...any) template.HTML {
	for i := 1; i < len(kv); i += 2 {
		switch v := kv[i].(type) {
		case template.HTML:
		case string:
			kv[i] = template.HTML(template.HTMLEscapeString(v))
		}
	}
	return template.HTML(h.tr.T(id, kv...))
}

func esc(s string) template.HTML { return template.HTML(template.HTMLEscapeString(s)) }

func link(href string, text template.HTML) template.HTML {
	if href == "" {
		return text
	}
	return template.HTML(`<a href="`+template.HTMLEscapeString(href)+`">`) + text + "</a>"
}

// keyed writes "CRM-42 Title" with the key linked.
func keyed(href, key, title string) template.HTML {
	out := link(href, template.HTML(`<span class="mono">`)+esc(key)+"</span>")
	if title != "" {
		out += " " + esc(title)
	}
	return out
}

func (h historyRenderer) path(rest string) string {
	if k := h.projectKey(); k != "" {
		return "/projects/" + k + rest
	}
	return ""
}

func (h historyRenderer) str(field string) string {
	for _, m := range []map[string]any{h.item.after, h.item.before} {
		if s, ok := m[field].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

func (h historyRenderer) num(field string) int64 {
	for _, m := range []map[string]any{h.item.after, h.item.before} {
		if v := idOf(m[field]); v != 0 {
			return v
		}
	}
	return 0
}

// subject names the entry's item, linked while it exists.
func (h historyRenderer) subject() template.HTML {
	e := h.item.entry
	id := idOf(e.EntityID)
	n := h.names
	key := h.projectKey()
	switch e.Entity {
	case "project":
		if p, ok := n.ProjectByKey[e.EntityID]; ok {
			return keyed("/projects/"+p.Key, p.Key, p.Name)
		}
		return keyed("", e.EntityID, h.str("name"))
	case "requirement":
		if r, ok := n.Requirements[id]; ok {
			k := n.Projects[r.ProjectID].Key
			return keyed("/projects/"+k+"/requirements/"+strconv.Itoa(r.Number), k+"-"+strconv.Itoa(r.Number), r.Title)
		}
		return keyed("", key+"-"+strconv.FormatInt(h.num("number"), 10), h.str("title"))
	case "risk", "risk_review":
		rk := e.EntityID
		if e.Entity == "risk_review" {
			rk = e.Ref
		}
		if r, ok := n.RiskByNumber[audit.NumberRef{ProjectID: h.item.project, Number: numberOfKey(rk)}]; ok {
			return keyed(h.path("/risks/"+strconv.Itoa(r.Number)), rk, r.Title)
		}
		return keyed("", rk, h.str("title"))
	case "goal":
		return h.goal(id, h.str("title"))
	case "measurement":
		return h.goal(h.num("goal_id"), "")
	case "milestone":
		return h.milestone(id, h.str("name"))
	case "deliverable":
		if d, ok := n.Deliverables[id]; ok {
			return esc(d.Title) + " · " + link(h.path("/milestones/"+strconv.FormatInt(d.Parent, 10)), esc(d.ParentTitle))
		}
		return esc(h.str("title"))
	case "gate_review":
		if r, ok := n.Reviews[id]; ok {
			return link(h.path("/reviews/"+strconv.FormatInt(id, 10)), esc(r.Title))
		}
		return h.milestone(h.num("milestone_id"), "")
	case "review_action":
		if a, ok := n.Actions[id]; ok {
			return h.long(a.Title) + " · " + link(h.path("/reviews/"+strconv.FormatInt(a.Parent, 10)), esc(a.ParentTitle))
		}
		return h.long(h.str("text"))
	case "change_request", "change_vote":
		if c, ok := n.Changes[id]; ok {
			k := n.Projects[c.ProjectID].Key
			return keyed("/projects/"+k+"/changes/"+strconv.Itoa(c.Number), k+"-CR-"+strconv.Itoa(c.Number), c.Title)
		}
		return esc(h.str("title"))
	case "phase":
		if name, ok := n.Phases[id]; ok {
			return link(h.path("/phases"), esc(name))
		}
		if name := h.str("name"); name != "" {
			return esc(name)
		}
		return esc(h.tr.T("history.deleted_phase"))
	case "member":
		return link(h.path("/members"), esc(h.person(id)))
	case "user":
		if name, ok := n.Users[id]; ok {
			return esc(name)
		}
		return esc(h.str("name"))
	case "budget_line":
		if l, ok := n.BudgetLines[id]; ok {
			return link(h.path("/budget"), esc(l.Title))
		}
		return esc(h.str("category"))
	case "spend":
		return link(h.path("/budget"), esc(h.budgetLine(h.num("line_id"))))
	case "pitfall":
		return link(h.path("/pitfalls"), esc(pitfallTitle(e.EntityID, h.tr.Lang)))
	case "setting":
		return esc(h.tr.T("history.setting." + e.EntityID))
	case "api_token":
		if t, ok := n.Tokens[id]; ok {
			return esc(t.Title)
		}
		return esc(h.str("name"))
	}
	return ""
}

func (h historyRenderer) goal(id int64, fallback string) template.HTML {
	if g, ok := h.names.Goals[id]; ok {
		return link(h.pathIn(g.ProjectID, "/goals/"+strconv.FormatInt(id, 10)), esc(g.Title))
	}
	if fallback == "" {
		fallback = h.tr.T("history.deleted_goal")
	}
	return esc(fallback)
}

func (h historyRenderer) milestone(id int64, fallback string) template.HTML {
	if m, ok := h.names.Milestones[id]; ok {
		return link(h.pathIn(m.ProjectID, "/milestones/"+strconv.FormatInt(id, 10)), esc(m.Title))
	}
	if fallback == "" {
		fallback = h.tr.T("history.deleted_milestone")
	}
	return esc(fallback)
}

func (h historyRenderer) pathIn(projectID int64, rest string) string {
	if p, ok := h.names.Projects[projectID]; ok {
		return "/projects/" + p.Key + rest
	}
	return h.path(rest)
}

// ref says why the write happened: a change request or a risk linked, an
// import, a bulk edit, a template, a review in words.
func (h historyRenderer) ref() template.HTML {
	ref := h.item.entry.Ref
	if ref == "" || h.item.entry.Entity == "risk_review" {
		return ""
	}
	if p := refPathOf(ref); p != "" {
		return link(p, esc(ref))
	}
	if key, n, ok := strings.Cut(ref, "-R-"); ok && numberOfKey(ref) > 0 {
		return link("/projects/"+key+"/risks/"+n, esc(ref))
	}
	if slices.Contains(historyRefWords, ref) {
		return esc(h.tr.T("history.ref." + ref))
	}
	return esc(ref)
}

// historyRefWords are the refs that are a word, not an item.
var historyRefWords = []string{"bulk", "import", "template", "review", "api"}
