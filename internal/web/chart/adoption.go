package chart

import (
	"math"
	"slices"

	"rollout/internal/adoption"
	"rollout/internal/i18n"
	"rollout/internal/project"
)

// AdoptionTable is the adoption chart's figures, for the table under it:
// one row per week, one cell per department in the chart's order.
type AdoptionTable struct {
	Weeks       []string
	Departments []string
	Shares      [][]*float64 // [week][department]; nil where a department sent nothing that week
}

// Adoption draws the active users' share per department per week against
// the adoption goal's target (nil: no adoption goal in percent). A week a
// department sent nothing has no point of its own: its line carries the
// last share forward (and starts at its first week). The figures come
// without gaps in the table.
func Adoption(tr *i18n.Translator, ws []adoption.Week, target *float64) (string, AdoptionTable) {
	var weeks []string
	var depts []string
	idx := map[string]int{}
	for _, w := range ws {
		name := adoption.WeekName(w.Week)
		if len(weeks) == 0 || weeks[len(weeks)-1] != name {
			weeks = append(weeks, name)
		}
		if !slices.Contains(depts, w.Department) {
			depts = append(depts, w.Department)
		}
	}
	slices.SortFunc(depts, func(a, b string) int { return departmentOrder(a) - departmentOrder(b) })
	for i, d := range depts {
		idx[d] = i
	}
	tab := AdoptionTable{Weeks: weeks, Shares: make([][]*float64, len(weeks))}
	for i := range tab.Shares {
		tab.Shares[i] = make([]*float64, len(depts))
	}
	wi := -1
	last := ""
	for _, w := range ws {
		if name := adoption.WeekName(w.Week); name != last {
			wi++
			last = name
		}
		v := Round1(w.Share())
		tab.Shares[wi][idx[w.Department]] = &v
	}
	spec := Spec{Type: "line", Title: tr.T("adoption.chart.title"), Labels: weeks, Unit: "%", Min: Ptr(0), Max: Ptr(100)}
	if target != nil {
		spec.Mark = &Mark{Value: *target, Name: tr.T("adoption.chart.target", "Target", Num(*target))}
	}
	for di, d := range depts {
		name := DepartmentLabel(tr, d)
		tab.Departments = append(tab.Departments, name)
		sr := Series{Name: name, Legend: true}
		prev := math.NaN()
		for wi := range weeks {
			if v := tab.Shares[wi][di]; v != nil {
				prev = *v
			}
			if math.IsNaN(prev) {
				// Before a department's first week: its first share, so the line starts flat.
				for k := wi; k < len(weeks); k++ {
					if v := tab.Shares[k][di]; v != nil {
						prev = *v
						break
					}
				}
			}
			sr.Data = append(sr.Data, prev)
		}
		spec.Series = append(spec.Series, sr)
	}
	return spec.JSON(), tab
}

// DepartmentLabel names a department of adoption figures; "" is every department.
func DepartmentLabel(tr *i18n.Translator, d string) string {
	if d == "" {
		return tr.T("adoption.all_departments")
	}
	return tr.T("enum.department." + d)
}

func departmentOrder(d string) int {
	if d == "" {
		return -1
	}
	for i, x := range project.Departments {
		if string(x) == d {
			return i
		}
	}
	return 99
}
