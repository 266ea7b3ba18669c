package web

import (
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/pitfall"
)

// The health page's thresholds form: shares are entered as percentages,
// counts as whole numbers.

type thresholdField struct {
	name    string
	pitfall string
	percent bool // a share of 0–1, shown as a percentage
	float   func(*pitfall.Thresholds) *float64
	whole   func(*pitfall.Thresholds) *int
}

var thresholdFields = []thresholdField{
	{name: "no_goal_share", pitfall: "P01", percent: true, float: func(t *pitfall.Thresholds) *float64 { return &t.NoGoalShare }},
	{name: "phase_concentration", pitfall: "P02", percent: true, float: func(t *pitfall.Thresholds) *float64 { return &t.PhaseConcentration }},
	{name: "min_backlog", pitfall: "P02", whole: func(t *pitfall.Thresholds) *int { return &t.MinBacklog }},
	{name: "unplanned_share", pitfall: "P05", percent: true, float: func(t *pitfall.Thresholds) *float64 { return &t.UnplannedShare }},
	{name: "phase_one_must_share", pitfall: "P05", percent: true, float: func(t *pitfall.Thresholds) *float64 { return &t.PhaseOneMustShare }},
	{name: "phase_one_share", pitfall: "P05", percent: true, float: func(t *pitfall.Thresholds) *float64 { return &t.PhaseOneShare }},
	{name: "customization_share", pitfall: "P06", percent: true, float: func(t *pitfall.Thresholds) *float64 { return &t.CustomizationShare }},
	{name: "mock_migrations", pitfall: "P07", whole: func(t *pitfall.Thresholds) *int { return &t.MockMigrations }},
	{name: "risk_score", pitfall: "P07", whole: func(t *pitfall.Thresholds) *int { return &t.RiskScore }},
	{name: "phase_one_integrations", pitfall: "P08", whole: func(t *pitfall.Thresholds) *int { return &t.PhaseOneIntegration }},
	{name: "usage_days", pitfall: "P09", whole: func(t *pitfall.Thresholds) *int { return &t.UsageDays }},
	{name: "stale_goal_days", pitfall: "P10", whole: func(t *pitfall.Thresholds) *int { return &t.StaleGoalDays }},
	{name: "changes_per_month", pitfall: "P10", float: func(t *pitfall.Thresholds) *float64 { return &t.ChangesPerMonth }},
	{name: "silent_months", pitfall: "P10", whole: func(t *pitfall.Thresholds) *int { return &t.SilentMonths }},
}

// show writes the field's value of t as the form shows it.
func (f thresholdField) show(t *pitfall.Thresholds) string {
	if f.whole != nil {
		return strconv.Itoa(*f.whole(t))
	}
	v := *f.float(t)
	if f.percent {
		v = math.Round(v*10000) / 100
	}
	return fmtNum(v)
}

// thresholdRow is one line of the thresholds form.
type thresholdRow struct {
	Name, Pitfall, Value, Default, Error string
	Percent                              bool
}

// thresholdRows lists the thresholds with their defaults; entered holds what
// was typed when the form comes back with errors.
func thresholdRows(t pitfall.Thresholds, entered map[string]string, f form) []thresholdRow {
	def := pitfall.DefaultThresholds()
	rows := make([]thresholdRow, 0, len(thresholdFields))
	for _, fd := range thresholdFields {
		r := thresholdRow{Name: fd.name, Pitfall: fd.pitfall, Value: fd.show(&t), Default: fd.show(&def), Percent: fd.percent, Error: f.Error(fd.name)}
		if v, ok := entered[fd.name]; ok {
			r.Value = v
		}
		rows = append(rows, r)
	}
	return rows
}

// parseThresholds reads the thresholds form; a field that is not a number is
// an error on that field.
func parseThresholds(c *fiber.Ctx) (pitfall.Thresholds, map[string]string, error) {
	t := pitfall.DefaultThresholds()
	entered := map[string]string{}
	fields := map[string]apperr.Message{}
	for _, fd := range thresholdFields {
		raw := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(c.FormValue(fd.name)), "%"))
		entered[fd.name] = strings.Clone(raw)
		if fd.whole != nil {
			n, err := strconv.Atoi(raw)
			if err != nil {
				fields[fd.name] = apperr.Msg("threshold.not_whole")
				continue
			}
			*fd.whole(&t) = n
			continue
		}
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			fields[fd.name] = apperr.Msg("threshold.not_a_number")
			continue
		}
		if fd.percent {
			v = math.Round(v*100) / 10000 // a percentage with up to two decimals
		}
		*fd.float(&t) = v
	}
	if len(fields) > 0 {
		return t, entered, apperr.Invalid(fields)
	}
	return t, entered, nil
}

func (s *Server) handleThresholds(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	t, entered := pitfall.DefaultThresholds(), map[string]string(nil)
	if c.FormValue("reset") != "1" {
		var err error
		if t, entered, err = parseThresholds(c); err != nil {
			f, ferr := s.formErrors(c, err)
			if ferr != nil {
				return ferr
			}
			return s.renderHealth(c, fiber.StatusUnprocessableEntity, entered, f)
		}
	}
	if err := pitfall.SetThresholds(c.UserContext(), s.db, mustUser(c).ID, p.ID, t); err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderHealth(c, formStatus(err), entered, f)
	}
	return s.redirectWith(c, projectPath(p, "/health#thresholds"), "success", "flash.thresholds_saved")
}
