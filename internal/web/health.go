package web

import (
	"html/template"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/i18n"
	"rollout/internal/office"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/web/chart"
)

// The health page and the project home's health card: the combined score
// (office.ComputeHealth) with its two parts, method (the pitfall findings)
// and delivery (the plan, risks, goals, gate conditions and budget), the
// rule in numbers, and every finding and delivery item that costs points,
// each with a link to what it is about.

// trendDays is how far back the health page draws the daily scores.
const trendDays = 90

// healthBand names the colour of a score: ok, warn or bad.
func healthBand(score int) string { return pitfall.Band(score) }

// healthRule is the score rule's numbers, written out on the page and in the API.
type healthRule struct {
	PointsPerPitfall int `json:"points_per_pitfall"`
	CriticalCost     int `json:"critical_cost"`
	WarningCost      int `json:"warning_cost"`
	AtRiskCap        int `json:"at_risk_cap"`
	Max              int `json:"max"`
	HealthyFrom      int `json:"healthy_from"`
	SlidingFrom      int `json:"sliding_from"`
	// Combined names the rule that puts the parts together.
	Combined string       `json:"combined"`
	Delivery deliveryRule `json:"delivery"`
}

// deliveryRule is the delivery part's weights (office's constants).
type deliveryRule struct {
	Max                   int `json:"max"`
	MilestoneLate         int `json:"milestone_late"`
	MilestoneForecastLate int `json:"milestone_forecast_late"`
	SlipWeek              int `json:"slip_week"`
	MilestoneMax          int `json:"milestone_max"`
	RiskReviewOverdue     int `json:"risk_review_overdue"`
	RiskNoMitigation      int `json:"risk_no_mitigation"`
	RiskNoOwner           int `json:"risk_no_owner"`
	GoalOffTrack          int `json:"goal_off_track"`
	GoalAtRisk            int `json:"goal_at_risk"`
	ConditionOverdue      int `json:"condition_overdue"`
	BudgetAhead           int `json:"budget_ahead"`
	BudgetAheadBy         int `json:"budget_ahead_by_percent"`
	// BudgetProgress names what budget spent is held against.
	BudgetProgress string `json:"budget_progress"`
	KindMax        int    `json:"kind_max"`
}

var theHealthRule = healthRule{PointsPerPitfall: pitfall.PointsPerPitfall, CriticalCost: pitfall.CriticalCost,
	WarningCost: pitfall.WarningCost, AtRiskCap: pitfall.AtRiskCap, Max: pitfall.PointsPerPitfall * len(pitfall.Codes()),
	HealthyFrom: pitfall.HealthyFrom, SlidingFrom: pitfall.SlidingFrom, Combined: "min(method, delivery)",
	Delivery: deliveryRule{Max: office.DeliveryMax, MilestoneLate: office.MilestoneLateCost,
		MilestoneForecastLate: office.MilestoneForecastLateCost, SlipWeek: office.SlipWeekCost, MilestoneMax: office.MilestoneCostMax,
		RiskReviewOverdue: office.RiskReviewOverdueCost, RiskNoMitigation: office.RiskNoMitigationCost, RiskNoOwner: office.RiskNoOwnerCost,
		GoalOffTrack: office.GoalOffTrackCost, GoalAtRisk: office.GoalAtRiskCost, ConditionOverdue: office.ConditionOverdueCost,
		BudgetAhead: office.BudgetAheadCost, BudgetAheadBy: int(office.BudgetAheadBy * 100),
		BudgetProgress: "share_of_milestones_done", KindMax: office.KindCostMax}}

// ruleLine is one delivery signal's weight, as the page states it.
type ruleLine struct {
	Kind string
	Cost int
}

func deliveryRuleLines() []ruleLine {
	r := theHealthRule.Delivery
	costs := map[office.DeliveryKind]int{office.MilestoneLate: r.MilestoneLate, office.MilestoneForecastLate: r.MilestoneForecastLate,
		office.RiskReviewOverdue: r.RiskReviewOverdue, office.RiskNoMitigation: r.RiskNoMitigation, office.RiskNoOwner: r.RiskNoOwner,
		office.GoalOffTrack: r.GoalOffTrack, office.GoalAtRisk: r.GoalAtRisk, office.ConditionOverdue: r.ConditionOverdue,
		office.BudgetAhead: r.BudgetAhead}
	out := make([]ruleLine, 0, len(office.DeliveryKinds))
	for _, k := range office.DeliveryKinds {
		out = append(out, ruleLine{Kind: string(k), Cost: costs[k]})
	}
	return out
}

// deliveryOut is a delivery item in the reader's language, for pages and the API.
type deliveryOut struct {
	Kind string         `json:"kind"`
	Cost int            `json:"cost"`
	Name string         `json:"name"`
	Data map[string]any `json:"data"`
	Text string         `json:"text"`
	Path string         `json:"path"`
	Href string         `json:"href"`
}

// deliveryText is a delivery item as a sentence: its message
// ("delivery.<kind>") with the item's name and numbers.
func deliveryText(tr *i18n.Translator, kind, name string, data map[string]any) string {
	d := make(map[string]any, len(data)+1)
	for k, v := range data {
		d[k] = v
	}
	d["Name"] = name
	return tr.TData("delivery."+kind, d)
}

func deliveryOuts(tr *i18n.Translator, p *project.Project, items []office.DeliveryItem) []deliveryOut {
	out := make([]deliveryOut, 0, len(items))
	for _, it := range items {
		data := it.Data
		if data == nil {
			data = map[string]any{}
		}
		out = append(out, deliveryOut{Kind: string(it.Kind), Cost: it.Cost, Name: it.Name, Data: data,
			Text: deliveryText(tr, string(it.Kind), it.Name, data), Path: it.Path, Href: projectPath(p, it.Path)})
	}
	return out
}

// healthScore is the combined score as pages show it: a number with its
// band, or "not enough data to judge".
type healthScore struct {
	Judged   bool
	Score    int
	Band     string // ok, warn, bad or not_enough_data
	Method   int
	Delivery int
	Gauge    template.HTML
}

func scoreOf(tr *i18n.Translator, h *office.ProjectHealth, gauge float64) healthScore {
	s := healthScore{Judged: h.Judged(), Band: h.Band, Method: h.Method.Score, Delivery: h.Delivery.Score}
	if s.Judged {
		s.Score = *h.Score
		s.Gauge = chart.ScoreGauge(s.Score, gauge, tr.T("health.gauge_label", "Score", s.Score))
	}
	return s
}

// The health page.

type healthView struct {
	projectPage
	Sub            string // which of health and checklist this is
	ThresholdError string // the thresholds out of range, as a whole
	healthScore
	MethodBand, DeliveryBand string
	Rule                     healthRule
	RuleLines                []ruleLine
	Items                    []deliveryOut // the first healthListCap of each kind
	ItemsHTML                template.HTML // Items rendered (pitfalls/delivery_item)
	ItemsMore                []moreOut
	Parts                    []partOut
	Findings                 []findingOut  // the first healthListCap of each detector
	FindingsHTML             template.HTML // Findings rendered (pitfalls/finding)
	FindingsMore             []moreOut
	Trend                    []pitfall.Point
	TrendDays                int
	Chart                    template.HTML
	Thresholds               []thresholdRow
	CanAssess                bool
}

func (s *Server) renderHealth(c *fiber.Ctx, status int, entered map[string]string, f form) error {
	pp := newProjectPage(c, "health")
	pp.Form = form{Summary: f.Summary}
	today := s.today()
	from := today.AddDays(-(trendDays - 1))
	h, trend, err := s.health(c)
	if err != nil {
		return err
	}
	tr := s.translator(c)
	l := s.healthLists(c, h)
	variant := healthVariant(tr, pp.Access)
	itemsHTML, err := fragment(s, c, "health-items:"+variant, "pitfalls/delivery_item", func() []deliveryOut { return l.items })
	if err != nil {
		return err
	}
	findingsHTML, err := fragment(s, c, "health-findings:"+variant, "pitfalls/finding", func() []findingOut { return l.findings })
	if err != nil {
		return err
	}
	return s.render(c, status, "pitfalls/health", tr.T("health.title"), healthView{
		projectPage: pp, Sub: "health", ThresholdError: f.Error("thresholds"), healthScore: scoreOf(tr, h, 132),
		MethodBand: healthBand(h.Method.Score), DeliveryBand: healthBand(h.Delivery.Score),
		Rule: theHealthRule, RuleLines: deliveryRuleLines(), Items: l.items, ItemsHTML: itemsHTML, ItemsMore: l.itemsMore,
		Parts: partsOut(tr.Lang, h.Method), Findings: l.findings, FindingsHTML: findingsHTML, FindingsMore: l.findingsMore,
		Trend: trend, TrendDays: trendDays,
		Chart: chart.HealthTrend(trend, from, today, tr.T("health.trend_chart", "From", from, "To", today),
			[2]string{tr.T("health.band.ok"), tr.T("health.band.warn")}),
		Thresholds: thresholdRows(h.Method.Thresholds, entered, f),
		CanAssess:  pp.Access.Can(project.AssessPitfalls) && !pp.Project.Archived,
	})
}

func (s *Server) handleHealth(c *fiber.Ctx) error {
	if kept, err := s.servedKept(c, "health"); kept || err != nil {
		return err
	}
	return s.renderHealth(c, fiber.StatusOK, nil, form{})
}

// The project home's health card.

type healthCard struct {
	healthScore
	Top      []deliveryOut
	Findings []findingOut
	More     int // reasons not shown on the card
}

// topReasons is how many delivery items and how many findings the project home shows.
const topReasons = 3

func (s *Server) healthCard(c *fiber.Ctx, p *project.Project, acc project.Access) (*healthCard, error) {
	h, err := s.computeHealth(c)
	if err != nil {
		return nil, err
	}
	tr := s.translator(c)
	// Only the reasons shown are translated.
	ds, fs := h.Delivery.Items, pitfall.Ordered(h.Method.Findings)
	card := &healthCard{healthScore: scoreOf(tr, h, 96), Top: deliveryOuts(tr, p, ds[:min(len(ds), topReasons)]),
		Findings: findingsOut(tr, p, acc, fs[:min(len(fs), topReasons)])}
	card.More = len(ds) + len(fs) - len(card.Top) - len(card.Findings)
	return card, nil
}

// healthOut is the health as the API answers it: score null and band
// not_enough_data when there is too little to judge.
type healthOut struct {
	Score        *int               `json:"score"`
	Band         string             `json:"band"`
	Method       int                `json:"method"`
	Delivery     int                `json:"delivery"`
	Rule         healthRule         `json:"rule"`
	Items        []deliveryOut      `json:"delivery_items"` // the first healthListCap of each kind
	ItemsMore    []moreOut          `json:"delivery_more"`  // per kind, how many more and where
	Pitfalls     []partOut          `json:"pitfalls"`
	Findings     []findingOut       `json:"findings"` // the first healthListCap of each detector
	FindingsMore []moreOut          `json:"findings_more"`
	Thresholds   pitfall.Thresholds `json:"thresholds"`
	Trend        []pitfall.Point    `json:"trend"`
}

// apiHealth answers the combined score, both parts, the delivery items and
// the findings (with their text in the caller's language; the first
// healthListCap of each kind, with how many more and a link to them all),
// the rule, the thresholds and the trend.
func (s *Server) apiHealth(c *fiber.Ctx) error {
	_, acc := currentProject(c)
	tr := s.translator(c)
	return s.sendCachedJSON(c, "health:"+healthVariant(tr, acc), func() (any, error) {
		h, trend, err := s.health(c)
		if err != nil {
			return nil, err
		}
		l := s.healthLists(c, h)
		return healthOut{Score: h.Score, Band: h.Band, Method: h.Method.Score, Delivery: h.Delivery.Score, Rule: theHealthRule,
			Items: l.items, ItemsMore: l.itemsMore, Pitfalls: partsOut(tr.Lang, h.Method),
			Findings: l.findings, FindingsMore: l.findingsMore, Thresholds: h.Method.Thresholds, Trend: trend}, nil
	})
}
