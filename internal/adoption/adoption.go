// Package adoption keeps the CRM's own usage figures: per ISO week and per
// department and/or role, how many users hold a licence, how many were
// active, how many leads, opportunities and follow-ups they created, and what
// share of the required fields they filled. Figures come in from a
// spreadsheet (the shared import flow) or through the API, a batch at a
// time, all or nothing. One row is kept per project, week, department and
// role: sending a week again replaces its figures (an audited update), so a
// CRM's nightly job can send the running week every night.
package adoption

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/project"
	"rollout/internal/sheet"
	"rollout/internal/validate"
)

// Source says how figures came in.
type Source string

// Sources.
const (
	Import Source = "import"
	API    Source = "api"
)

// Figure is one week of one department and/or role.
type Figure struct {
	bun.BaseModel `bun:"table:adoption_figures,alias:af"`

	ID                   int64     `bun:",pk,autoincrement" json:"id"`
	ProjectID            int64     `json:"-"`
	Week                 date.Date `bun:"type:date" json:"week_on"` // the Monday of the ISO week
	Department           string    `json:"department"`              // "" for every department
	Role                 string    `json:"role"`                    // "" for every role
	LicensedUsers        int64     `json:"licensed_users"`
	ActiveUsers          int64     `json:"active_users"`
	LeadsCreated         int64     `json:"leads_created"`
	OpportunitiesCreated int64     `json:"opportunities_created"`
	FollowUpsCreated     int64     `bun:"followups_created" json:"followups_created"`
	RequiredFilled       *float64  `json:"required_filled"` // 0–100 %, nil when not reported
	Source               Source    `json:"source"`
	EnteredBy            *int64    `json:"entered_by"`
	Version              int       `json:"version"`
	CreatedAt            time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`
	UpdatedAt            time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"updated_at"`
}

// ISOWeek names the figure's week as 2026-W14.
func (f Figure) ISOWeek() string { return WeekName(f.Week) }

// ActiveShare is the active users' share of the licensed ones, in percent
// (0 when nobody holds a licence).
func (f Figure) ActiveShare() float64 { return Share(f.ActiveUsers, f.LicensedUsers) }

// Share is n of total in percent, 0 for no total.
func Share(n, total int64) float64 {
	if total <= 0 {
		return 0
	}
	return 100 * float64(n) / float64(total)
}

// WeekName names the ISO week of a day: 2026-W14.
func WeekName(d date.Date) string {
	y, w := d.Time().ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// Monday returns the Monday of a day's ISO week.
func Monday(d date.Date) date.Date {
	wd := int(d.Time().Weekday()+6) % 7 // Monday 0 … Sunday 6
	return d.AddDays(-wd)
}

var isoWeek = regexp.MustCompile(`^(\d{4})-?[Ww](\d{1,2})$`)

// ParseWeek reads a week as 2026-W14 (or 2026W14), or as any day in it
// (read as the import reads days); it returns the week's Monday.
func ParseWeek(s string) (date.Date, error) {
	s = strings.TrimSpace(s)
	if m := isoWeek.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		w, _ := strconv.Atoi(m[2])
		if y < 1900 || w < 1 || w > 53 {
			return date.Date{}, strconv.ErrSyntax
		}
		// The 4th of January is always in week 1.
		d := Monday(date.New(y, time.January, 4)).AddDays(7 * (w - 1))
		if _, got := d.Time().ISOWeek(); got != w {
			return date.Date{}, strconv.ErrSyntax // week 53 of a year that has 52
		}
		return d, nil
	}
	d, err := sheet.ParseDay(s)
	if err != nil {
		return date.Date{}, err
	}
	return Monday(d), nil
}

// Input is one row of figures, from the API or a sheet row read.
type Input struct {
	Week                 string   `json:"week"` // 2026-W14, or a day of the week
	Department           string   `json:"department" validate:"omitempty,oneof=sales service marketing operations finance it vendor other"`
	Role                 string   `json:"role" validate:"max=80"`
	LicensedUsers        *int64   `json:"licensed_users" validate:"omitempty,count"`
	ActiveUsers          *int64   `json:"active_users" validate:"omitempty,count"`
	LeadsCreated         *int64   `json:"leads_created" validate:"omitempty,count"`
	OpportunitiesCreated *int64   `json:"opportunities_created" validate:"omitempty,count"`
	FollowUpsCreated     *int64   `json:"followups_created" validate:"omitempty,count"`
	RequiredFilled       *float64 `json:"required_filled" validate:"omitempty,percent"`
}

// futureSlack lets a week start tomorrow (time zones) but no later.
const futureSlack = 1

// check returns the figure a row writes, or its problems by field.
func (in *Input) check(today date.Date) (Figure, map[string]apperr.Message, error) {
	in.Department = strings.ToLower(strings.TrimSpace(in.Department))
	in.Role = strings.TrimSpace(in.Role)
	fields, err := validate.Fields(in)
	if err != nil {
		return Figure{}, nil, err
	}
	f := Figure{Department: in.Department, Role: in.Role}
	switch wk, err := ParseWeek(in.Week); {
	case strings.TrimSpace(in.Week) == "":
		fields["week"] = apperr.Msg("adoption.week_required")
	case err != nil:
		fields["week"] = apperr.Msg("adoption.bad_week", "Value", in.Week)
	case wk.After(today.AddDays(futureSlack)):
		fields["week"] = apperr.Msg("adoption.week_in_future")
	default:
		f.Week = wk
	}
	for name, v := range map[string]*int64{"licensed_users": in.LicensedUsers, "active_users": in.ActiveUsers} {
		if v == nil {
			if _, bad := fields[name]; !bad {
				fields[name] = apperr.Msg("validation.required")
			}
		}
	}
	val := func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
	f.LicensedUsers, f.ActiveUsers = val(in.LicensedUsers), val(in.ActiveUsers)
	f.LeadsCreated, f.OpportunitiesCreated, f.FollowUpsCreated = val(in.LeadsCreated), val(in.OpportunitiesCreated), val(in.FollowUpsCreated)
	f.RequiredFilled = in.RequiredFilled
	if _, bad := fields["active_users"]; !bad && in.ActiveUsers != nil && in.LicensedUsers != nil && f.ActiveUsers > f.LicensedUsers {
		fields["active_users"] = apperr.Msg("adoption.active_above_licensed", "Active", f.ActiveUsers, "Licensed", f.LicensedUsers)
	}
	return f, fields, nil
}

// key is what makes a figure unique in a project.
func (f Figure) key() string {
	return f.Week.String() + "|" + f.Department + "|" + strings.ToLower(f.Role)
}

// same reports whether two figures hold the same numbers.
func (f Figure) same(g Figure) bool {
	filled := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return strconv.FormatFloat(*p, 'g', 10, 64)
	}
	return f.LicensedUsers == g.LicensedUsers && f.ActiveUsers == g.ActiveUsers && f.LeadsCreated == g.LeadsCreated &&
		f.OpportunitiesCreated == g.OpportunitiesCreated && f.FollowUpsCreated == g.FollowUpsCreated &&
		filled(f.RequiredFilled) == filled(g.RequiredFilled) && f.Role == g.Role
}

// Outcome says what writing a row does.
type Outcome string

// Outcomes.
const (
	Created   Outcome = "created"
	Replaced  Outcome = "replaced"
	Unchanged Outcome = "unchanged"
)

// Checked is a row checked against the project: the figure it writes and
// what that does, or its problems by field.
type Checked struct {
	Figure   Figure
	Outcome  Outcome
	Previous *Figure // the figures a replaced row had
	Problems map[string]apperr.Message
}

// CanRecord reports whether the caller may record adoption figures: project
// managers, business owners and team members (not viewers, not the steering
// committee by role).
func CanRecord(caller project.Caller) bool { return caller.Can(project.RecordAdoption) }

// Check checks rows against each other and against the project's stored
// figures (one query), writing nothing. ok is false when any row has a
// problem.
func Check(ctx context.Context, db bun.IDB, projectID int64, rows []Input, today date.Date) ([]Checked, bool, error) {
	out := make([]Checked, len(rows))
	ok := true
	firstLine := map[string]int{}
	var lo, hi date.Date
	for i := range rows {
		f, problems, err := rows[i].check(today)
		if err != nil {
			return nil, false, err
		}
		f.ProjectID = projectID
		out[i] = Checked{Figure: f, Problems: problems}
		if len(problems) > 0 {
			ok = false
			continue
		}
		if j, dup := firstLine[f.key()]; dup {
			out[i].Problems["week"] = apperr.Msg("adoption.repeated_row", "Row", j+1)
			ok = false
			continue
		}
		firstLine[f.key()] = i
		if lo.IsZero() || f.Week.Before(lo) {
			lo = f.Week
		}
		if hi.IsZero() || f.Week.After(hi) {
			hi = f.Week
		}
	}
	stored := map[string]Figure{}
	if !lo.IsZero() {
		var fs []Figure
		if err := db.NewSelect().Model(&fs).Where("project_id = ? AND week BETWEEN ? AND ?", projectID, lo, hi).Scan(ctx); err != nil {
			return nil, false, database.MapError(err)
		}
		for _, f := range fs {
			stored[f.key()] = f
		}
	}
	for i := range out {
		c := &out[i]
		if len(c.Problems) > 0 {
			continue
		}
		prev, found := stored[c.Figure.key()]
		switch {
		case !found:
			c.Outcome = Created
		case prev.same(c.Figure):
			c.Outcome, c.Previous = Unchanged, &prev
		default:
			c.Outcome, c.Previous = Replaced, &prev
		}
	}
	return out, ok, nil
}

// MaxBatch is the most rows one API call may send (a sheet holds at most sheet.MaxRows).
const MaxBatch = sheet.MaxRows

// Record writes every row or none, for the caller, who must be allowed to
// (CanRecord). A row for a week, department and role already stored replaces
// its figures; one with the same figures changes nothing. Problems are keyed
// by the row's place: "rows[2].active_users".
func Record(ctx context.Context, db bun.IDB, caller project.Caller, projectID int64, rows []Input, src Source, today date.Date) ([]Checked, error) {
	if !CanRecord(caller) {
		return nil, apperr.Forbidden()
	}
	switch {
	case len(rows) == 0:
		return nil, apperr.InvalidField("rows", "adoption.no_rows")
	case len(rows) > MaxBatch:
		return nil, apperr.InvalidField("rows", "adoption.too_many_rows", "Max", MaxBatch)
	}
	var results []Checked
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		// Two batches for one project run one after the other, so the second
		// sees the first's rows and replaces them instead of failing.
		if _, err := tx.NewSelect().Table("projects").Column("id").Where("id = ?", projectID).For("NO KEY UPDATE").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		var ok bool
		var err error
		results, ok, err = Check(ctx, tx, projectID, rows, today)
		if err != nil {
			return err
		}
		if !ok {
			fields := map[string]apperr.Message{}
			for i, r := range results {
				for name, m := range r.Problems {
					fields[fmt.Sprintf("rows[%d].%s", i, name)] = m
				}
			}
			return apperr.Invalid(fields)
		}
		var writes []audit.Write
		for i := range results {
			r := &results[i]
			f := &r.Figure
			f.Source = src
			if caller.UserID != 0 {
				f.EnteredBy = &caller.UserID
			}
			switch r.Outcome {
			case Created:
				f.Version = 1
				if _, err := tx.NewInsert().Model(f).Returning("*").Exec(ctx); err != nil {
					return database.MapError(err)
				}
				writes = append(writes, audit.Write{ProjectID: projectID, ActorID: caller.UserID, Entity: "adoption_figure",
					EntityID: f.ID, Action: audit.Create, After: f, Ref: string(src)})
			case Replaced:
				prev := r.Previous
				f.ID, f.Version, f.CreatedAt = prev.ID, prev.Version+1, prev.CreatedAt
				f.UpdatedAt = time.Now()
				if _, err := tx.NewUpdate().Model(f).Column("role", "licensed_users", "active_users", "leads_created",
					"opportunities_created", "followups_created", "required_filled", "source", "entered_by", "version", "updated_at").
					WherePK().Exec(ctx); err != nil {
					return database.MapError(err)
				}
				writes = append(writes, audit.Write{ProjectID: projectID, ActorID: caller.UserID, Entity: "adoption_figure",
					EntityID: f.ID, Action: audit.Update, Before: prev, After: f, Ref: string(src)})
			case Unchanged:
				*f = *r.Previous
			}
		}
		if len(writes) == 0 {
			return nil
		}
		return audit.RecordMany(ctx, tx, writes)
	})
	if err != nil {
		return results, err
	}
	return results, nil
}

// List returns the project's figures, newest week first, then by department and role.
func List(ctx context.Context, db bun.IDB, projectID int64) ([]Figure, error) {
	var fs []Figure
	err := db.NewSelect().Model(&fs).Where("project_id = ?", projectID).
		OrderExpr("week DESC, department, role, id").Scan(ctx)
	return fs, database.MapError(err)
}

// Week is one week of one department ("" for figures given for every
// department), as the chart and the detectors read it. A department's rows
// for several roles are summed; when it also has a row for all its roles
// (role ""), that row is its total and the role rows are left out.
type Week struct {
	Week       date.Date
	Department string
	Licensed   int64
	Active     int64
	// Filled is the required-fields share, weighted by active users, over
	// the rows that report it; nil when none does.
	Filled *float64
}

// Share is the week's active share in percent.
func (w Week) Share() float64 { return Share(w.Active, w.Licensed) }

type weekPart struct {
	Week        date.Date `bun:"week,type:date"`
	Department  string    `bun:"department"`
	Whole       bool      `bun:"whole"`
	Licensed    int64     `bun:"licensed"`
	Active      int64     `bun:"active"`
	FilledSum   float64   `bun:"filled_sum"`   // sum of required_filled × active users
	FilledUsers int64     `bun:"filled_users"` // active users of rows that report it
	FilledPlain float64   `bun:"filled_plain"` // plain sum of required_filled
	FilledRows  int       `bun:"filled_rows"`  // rows that report it
}

// Weekly sums the figures per week and department since a day (zero: all),
// oldest first, in one query.
func Weekly(ctx context.Context, db bun.IDB, projectID int64, since date.Date) ([]Week, error) {
	var parts []weekPart
	q := db.NewSelect().TableExpr("adoption_figures AS af").
		ColumnExpr("af.week, af.department, af.role = '' AS whole").
		ColumnExpr("sum(af.licensed_users) AS licensed, sum(af.active_users) AS active").
		ColumnExpr("coalesce(sum(af.required_filled * af.active_users), 0) AS filled_sum").
		ColumnExpr("coalesce(sum(af.active_users) FILTER (WHERE af.required_filled IS NOT NULL), 0) AS filled_users").
		ColumnExpr("coalesce(sum(af.required_filled), 0) AS filled_plain, count(af.required_filled) AS filled_rows").
		Where("af.project_id = ?", projectID).
		GroupExpr("af.week, af.department, af.role = ''").OrderExpr("af.week, af.department, whole DESC")
	if !since.IsZero() {
		q = q.Where("af.week >= ?", since)
	}
	if err := q.Scan(ctx, &parts); err != nil {
		return nil, database.MapError(err)
	}
	var out []Week
	for i, p := range parts {
		// The whole row of a department comes first; its role rows then add nothing.
		if i > 0 && parts[i-1].Week == p.Week && parts[i-1].Department == p.Department {
			continue
		}
		w := Week{Week: p.Week, Department: p.Department, Licensed: p.Licensed, Active: p.Active}
		switch {
		case p.FilledUsers > 0:
			v := p.FilledSum / float64(p.FilledUsers)
			w.Filled = &v
		case p.FilledRows > 0:
			v := p.FilledPlain / float64(p.FilledRows)
			w.Filled = &v
		}
		out = append(out, w)
	}
	return out, nil
}

// Overall returns the whole organisation's weeks, oldest first: a week's
// figures for every department ("") when given, else the sum of its
// departments (the required-fields share weighted by active users).
func Overall(ws []Week) []Week {
	var out []Week
	for i := 0; i < len(ws); {
		j := i
		for j < len(ws) && ws[j].Week == ws[i].Week {
			j++
		}
		week := ws[i:j]
		if week[0].Department == "" { // "" sorts first
			out = append(out, week[0])
			i = j
			continue
		}
		sum := Week{Week: ws[i].Week}
		var filled, users float64
		reported := false
		for _, w := range week {
			sum.Licensed += w.Licensed
			sum.Active += w.Active
			if w.Filled != nil {
				reported = true
				filled += *w.Filled * float64(max(w.Active, 1))
				users += float64(max(w.Active, 1))
			}
		}
		if reported {
			v := filled / users
			sum.Filled = &v
		}
		out = append(out, sum)
		i = j
	}
	return out
}
