package chart

import (
	"net/url"
	"strings"
	"testing"

	"rollout/internal/i18n"
	"rollout/internal/risk"
)

// A cell's colour is the level of its score, never its count: 4 × 4 with one
// risk and 3 × 4 with three are both high, 2 × 3 with three is medium. Only
// cells with risks link, to the register filtered to them.
func TestRiskHeatCellsColourByLevel(t *testing.T) {
	tr := i18n.MustLoad().For("en")
	grid := RiskGrid([][2]int{{4, 4}, {3, 4}, {3, 4}, {3, 4}, {2, 3}, {2, 3}, {2, 3}, {0, 9}})
	rows := RiskHeatCells(tr, grid, risk.Inherent, "/projects/CRM/risks", url.Values{"status": {"active"}})
	cell := func(p, i int) RiskCell { return rows[risk.Scale-p][i-1] }
	high, _ := LevelColors(risk.High)
	medium, _ := LevelColors(risk.Medium)
	for _, c := range []struct {
		p, i, count int
		fill        string
	}{{4, 4, 1, high}, {3, 4, 3, high}, {2, 3, 3, medium}, {5, 5, 0, func() string { f, _ := LevelColors(risk.Critical); return f }()}} {
		got := cell(c.p, c.i)
		if got.P != c.p || got.I != c.i || got.Count != c.count || got.Fill != c.fill || got.Level != risk.Level(c.p*c.i) {
			t.Errorf("cell %d×%d: %+v", c.p, c.i, got)
		}
	}
	if h := cell(3, 4).Href; h != "/projects/CRM/risks?i=4&map=inherent&p=3&status=active#risk-list" {
		t.Errorf("3×4 links to %q", h)
	}
	if cell(5, 5).Href != "" {
		t.Error("an empty cell links")
	}
	svg := string(RiskHeatMap(tr, grid, risk.Inherent, "/projects/CRM/risks", nil, HeatCell{}))
	if !strings.Contains(svg, `data-p="4" data-i="4" data-level="high"`) || strings.Count(svg, "<a ") != 3 {
		t.Errorf("svg %s", svg)
	}
}
