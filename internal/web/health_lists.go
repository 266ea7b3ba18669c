package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/i18n"
	"rollout/internal/office"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/readcache"
)

// The health page and API list what costs points a few of a kind at a time:
// a large project may have a hundred overdue risk reviews, and the page
// stays readable and as quick as a small project's when it lists the first
// healthListCap of each kind, the most expensive first, then says how many
// more there are and links to the list that shows them all.

// healthListCap is how many delivery items of one kind, and how many
// findings of one detector, the health page and its API list.
const healthListCap = 5

// moreOut is what the health leaves out of one kind: how many, and where
// they all are.
type moreOut struct {
	Kind  string `json:"kind"`  // a delivery kind, or a finding's detector
	Count int    `json:"count"` // not listed
	Text  string `json:"text"`
	Path  string `json:"path"`
	Href  string `json:"href"`
}

// deliveryKindList is where the items of a delivery kind are listed in full.
var deliveryKindList = map[office.DeliveryKind]string{
	office.MilestoneLate:         "/plan",
	office.MilestoneForecastLate: "/plan",
	office.RiskReviewOverdue:     "/risks?overdue=1#risk-list",
	office.RiskNoMitigation:      "/risks?status=active#risk-list",
	office.RiskNoOwner:           "/risks?status=active#risk-list",
	office.GoalOffTrack:          "/goals",
	office.GoalAtRisk:            "/goals",
	office.ConditionOverdue:      "/plan",
	office.BudgetAhead:           "/budget",
}

// moreOf is count items of kind left out, named label, all listed at path.
func moreOf(tr *i18n.Translator, p *project.Project, kind, label string, count int, path string) moreOut {
	return moreOut{Kind: kind, Count: count, Text: tr.T("health.more_like_this", "Kind", label, "Count", count), Path: path, Href: projectPath(p, path)}
}

// cappedDelivery is the first healthListCap items of each kind (in their
// order: most expensive first), translated, and what is left out per kind
// in the order the kinds first come.
func cappedDelivery(tr *i18n.Translator, p *project.Project, items []office.DeliveryItem) ([]deliveryOut, []moreOut) {
	shown, left, order := make([]office.DeliveryItem, 0, min(len(items), healthListCap*len(office.DeliveryKinds))), map[office.DeliveryKind]int{}, []office.DeliveryKind{}
	seen := map[office.DeliveryKind]int{}
	for _, it := range items {
		if seen[it.Kind] < healthListCap {
			seen[it.Kind]++
			shown = append(shown, it)
			continue
		}
		if left[it.Kind] == 0 {
			order = append(order, it.Kind)
		}
		left[it.Kind]++
	}
	more := make([]moreOut, 0, len(order))
	for _, k := range order {
		path, ok := deliveryKindList[k]
		if !ok {
			path = "/health#delivery"
		}
		more = append(more, moreOf(tr, p, string(k), tr.T("health.kind."+string(k)), left[k], path))
	}
	return deliveryOuts(tr, p, shown), more
}

// cappedFindings is the first healthListCap findings of each detector, most
// severe first, translated, and what is left out per detector: all of them
// are on the checklist, under their pitfall.
func cappedFindings(tr *i18n.Translator, p *project.Project, acc project.Access, fs []pitfall.Finding) ([]findingOut, []moreOut) {
	shown, left, order := make([]pitfall.Finding, 0, len(fs)), map[string]int{}, []string{}
	seen, pitfallOf := map[string]int{}, map[string]string{}
	for _, f := range pitfall.Ordered(fs) {
		if seen[f.Detector] < healthListCap {
			seen[f.Detector]++
			shown = append(shown, f)
			continue
		}
		if left[f.Detector] == 0 {
			order = append(order, f.Detector)
			pitfallOf[f.Detector] = f.Pitfall
		}
		left[f.Detector]++
	}
	more := make([]moreOut, 0, len(order))
	for _, d := range order {
		code := pitfallOf[d]
		more = append(more, moreOf(tr, p, d, code+" "+pitfallTitle(code, tr.Lang), left[d], "/pitfalls#"+code))
	}
	return findingsOut(tr, p, acc, shown), more
}

// healthLists are the health's capped lists, translated.
type healthLists struct {
	items        []deliveryOut
	itemsMore    []moreOut
	findings     []findingOut
	findingsMore []moreOut
}

// healthVariant names what the health's lists depend on besides the state
// of the project: the language, and whether the caller may edit the
// project (a finding's link to its settings).
func healthVariant(tr *i18n.Translator, acc project.Access) string {
	return fmt.Sprintf("%s:%t", tr.Lang, acc.Can(project.EditProject))
}

// healthLists are h's lists, capped and translated once per state of the
// project and variant (h is the request's health, read with the same key).
func (s *Server) healthLists(c *fiber.Ctx, h *office.ProjectHealth) healthLists {
	p, acc := currentProject(c)
	tr := s.translator(c)
	l, _ := readcache.Get(s.cache, s.readKey(c), "health-lists:"+healthVariant(tr, acc), func() (healthLists, error) {
		var l healthLists
		l.items, l.itemsMore = cappedDelivery(tr, p, h.Delivery.Items)
		l.findings, l.findingsMore = cappedFindings(tr, p, acc, h.Method.Findings)
		return l, nil
	})
	return l
}
