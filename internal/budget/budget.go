// Package budget holds a project's budget: planned amounts per category
// (budget lines) and the actual spend entered against them, so dashboards can
// show planned against actual by line and over time.
package budget

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/validate"
)

// Line is a planned amount for one category of cost.
type Line struct {
	bun.BaseModel `bun:"table:budget_lines,alias:bl"`

	ID        int64     `bun:",pk,autoincrement" json:"id"`
	ProjectID int64     `json:"-"`
	Category  string    `json:"category"`
	Planned   float64   `json:"planned"`
	Currency  string    `json:"currency"`
	Version   int       `json:"version"`
	CreatedAt time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`

	Actual float64 `bun:"actual,scanonly" json:"actual"`
}

// Entry is money actually spent against a line.
type Entry struct {
	bun.BaseModel `bun:"table:spend_entries,alias:se"`

	ID        int64     `bun:",pk,autoincrement" json:"id"`
	ProjectID int64     `json:"-"`
	LineID    int64     `json:"line_id"`
	SpentOn   date.Date `bun:"type:date" json:"spent_on"`
	Amount    float64   `json:"amount"`
	Note      string    `json:"note"`
	EnteredBy *int64    `json:"entered_by"`
	CreatedAt time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`

	Category string `bun:"category,scanonly" json:"category,omitempty"`
	Currency string `bun:"currency,scanonly" json:"currency,omitempty"` // its line's
}

// LineInput creates or edits a line.
type LineInput struct {
	Category string  `json:"category" form:"category" validate:"required,max=100"`
	Planned  float64 `json:"planned" form:"planned" validate:"money,gte=0"`
	Currency string  `json:"currency" form:"currency"`
	Version  int     `json:"version" form:"version"`
}

func (in *LineInput) check() error {
	in.Category = strings.TrimSpace(in.Category)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if in.Currency == "" {
		in.Currency = DefaultCurrency
	}
	if err := validate.Struct(in); err != nil {
		return err
	}
	if math.IsNaN(in.Planned) || math.IsInf(in.Planned, 0) {
		return apperr.InvalidField("planned", "validation.number")
	}
	if len(in.Currency) != 3 || strings.Trim(in.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return apperr.InvalidField("currency", "budget.currency_invalid")
	}
	return nil
}

// AddLine adds a budget line.
func AddLine(ctx context.Context, db bun.IDB, actorID, projectID int64, in LineInput) (*Line, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	l := &Line{ProjectID: projectID, Category: in.Category, Planned: in.Planned, Currency: in.Currency, Version: 1}
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(l).Returning("*").Exec(ctx); err != nil {
			if err = database.MapError(err); apperr.Is(err, apperr.KindConflict) {
				return apperr.InvalidField("category", "budget.category_taken")
			}
			return err
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "budget_line",
			EntityID: l.ID, Action: audit.Create, After: l})
	})
	return l, err
}

// UpdateLine changes a line's category, plan or currency.
func UpdateLine(ctx context.Context, db bun.IDB, actorID, projectID, lineID int64, in LineInput) (*Line, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	var l *Line
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before := new(Line)
		if err := tx.NewSelect().Model(before).Where("bl.id = ? AND bl.project_id = ?", lineID, projectID).Scan(ctx); err != nil {
			return database.MapError(err)
		}
		if before.Version != in.Version {
			return apperr.Conflict("")
		}
		next := *before
		next.Category, next.Planned, next.Currency = in.Category, in.Planned, in.Currency
		l = &next
		err := audit.UpdateVersioned(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "budget_line",
			EntityID: l.ID, Before: before, After: l}, in.Version, "category", "planned", "currency")
		if ae, ok := err.(*apperr.Error); ok && ae.Kind == apperr.KindConflict && ae.Message.ID == "error.duplicate" {
			return apperr.InvalidField("category", "budget.category_taken")
		}
		return err
	})
	return l, err
}

// EntryInput is one spend.
type EntryInput struct {
	LineID  int64     `json:"line_id" form:"line_id"`
	SpentOn date.Date `json:"spent_on" form:"spent_on"`
	Amount  *float64  `json:"amount" form:"amount" validate:"omitempty,money"`
	Note    string    `json:"note" form:"note" validate:"max=500"`
}

func (in *EntryInput) check() error {
	in.Note = strings.TrimSpace(in.Note)
	fields := map[string]apperr.Message{}
	if err := validate.Struct(in); err != nil {
		if ae, ok := err.(*apperr.Error); ok {
			fields = ae.Fields
		}
	}
	if in.LineID == 0 {
		fields["line_id"] = apperr.Msg("budget.line_required")
	}
	if in.SpentOn.IsZero() {
		fields["spent_on"] = apperr.Msg("budget.date_required")
	}
	if in.Amount == nil || math.IsNaN(*in.Amount) || math.IsInf(*in.Amount, 0) || *in.Amount == 0 {
		fields["amount"] = apperr.Msg("budget.amount_required")
	}
	return apperr.InvalidIf(fields)
}

// AddEntries records spend entries in one transaction (one entry from a form,
// many from an import); all or none.
func AddEntries(ctx context.Context, db bun.IDB, actorID, projectID int64, ins []EntryInput, ref string) ([]Entry, error) {
	for i := range ins {
		if err := ins[i].check(); err != nil {
			return nil, err
		}
	}
	es := make([]Entry, len(ins))
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		var lines []int64
		if err := tx.NewSelect().Table("budget_lines").Column("id").Where("project_id = ?", projectID).Scan(ctx, &lines); err != nil {
			return database.MapError(err)
		}
		for i, in := range ins {
			found := false
			for _, l := range lines {
				found = found || l == in.LineID
			}
			if !found {
				return apperr.InvalidField("line_id", "budget.no_such_line")
			}
			es[i] = Entry{ProjectID: projectID, LineID: in.LineID, SpentOn: in.SpentOn, Amount: *in.Amount, Note: in.Note}
			if actorID != 0 {
				es[i].EnteredBy = &actorID
			}
		}
		if len(es) == 0 {
			return nil
		}
		if _, err := tx.NewInsert().Model(&es).Returning("*").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		writes := make([]audit.Write, len(es))
		for i := range es {
			writes[i] = audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "spend", EntityID: es[i].ID,
				Action: audit.Create, After: &es[i], Ref: ref}
		}
		return audit.RecordMany(ctx, tx, writes)
	})
	return es, err
}

// Lines returns the project's lines with their actual spend, in one query.
func Lines(ctx context.Context, db bun.IDB, projectID int64) ([]Line, error) {
	var ls []Line
	err := db.NewSelect().Model(&ls).
		ColumnExpr("bl.*").
		ColumnExpr("coalesce((SELECT sum(se.amount) FROM spend_entries AS se WHERE se.line_id = bl.id), 0) AS actual").
		Where("bl.project_id = ?", projectID).OrderExpr("bl.category").Scan(ctx)
	return ls, database.MapError(err)
}

// Entries returns the project's spend, newest first.
func Entries(ctx context.Context, db bun.IDB, projectID int64, limit int) ([]Entry, error) {
	if limit <= 0 || limit > 5000 {
		limit = 500
	}
	var es []Entry
	err := db.NewSelect().Model(&es).ColumnExpr("se.*, bl.category, bl.currency").
		Join("JOIN budget_lines AS bl ON bl.id = se.line_id").
		Where("se.project_id = ?", projectID).OrderExpr("se.spent_on DESC, se.id DESC").Limit(int64(limit)).Scan(ctx)
	return es, database.MapError(err)
}

// Totals are the project's budget in one currency.
type Totals struct {
	Currency string  `json:"currency"`
	Planned  float64 `json:"planned"`
	Actual   float64 `json:"actual"`
}

// Used is the share of the plan spent, 0 with no plan.
func (t Totals) Used() float64 {
	if t.Planned == 0 {
		return 0
	}
	return t.Actual / t.Planned
}

// Sum totals lines per currency (lines in several currencies are not mixed).
func Sum(ls []Line) []Totals {
	var out []Totals
	for _, l := range ls {
		i := -1
		for j := range out {
			if out[j].Currency == l.Currency {
				i = j
			}
		}
		if i < 0 {
			out = append(out, Totals{Currency: l.Currency})
			i = len(out) - 1
		}
		out[i].Planned += l.Planned
		out[i].Actual += l.Actual
	}
	return out
}

// MonthSpend is the spend of one month, and the running total.
type MonthSpend struct {
	Month      string  `bun:"month" json:"month"`
	Amount     float64 `bun:"amount" json:"amount"`
	Cumulative float64 `bun:"-" json:"cumulative"`
}

// Monthly returns spend per month (all currencies together are meaningful
// only for one-currency budgets; callers show it when there is one currency).
func Monthly(ctx context.Context, db bun.IDB, projectID int64) ([]MonthSpend, error) {
	var ms []MonthSpend
	err := db.NewSelect().TableExpr("spend_entries AS se").
		ColumnExpr("to_char(date_trunc('month', se.spent_on), 'YYYY-MM') AS month, sum(se.amount) AS amount").
		Where("se.project_id = ?", projectID).GroupExpr("1").OrderExpr("1").Scan(ctx, &ms)
	total := 0.0
	for i := range ms {
		total += ms[i].Amount
		ms[i].Cumulative = total
	}
	return ms, database.MapError(err)
}

// DefaultCurrency is the currency of a line created without one.
const DefaultCurrency = "CNY"

// MainCurrency is the currency a project's amounts outside the budget (a
// change request's cost) are written in: its budget's currency, the one
// with the most planned when the budget holds several, DefaultCurrency
// without budget lines. One query.
func MainCurrency(ctx context.Context, db bun.IDB, projectID int64) (string, error) {
	var cs []string
	err := db.NewSelect().Table("budget_lines").Column("currency").Where("project_id = ?", projectID).
		GroupExpr("currency").OrderExpr("sum(planned) DESC, currency").Limit(1).Scan(ctx, &cs)
	if err != nil {
		return "", database.MapError(err)
	}
	if len(cs) == 0 {
		return DefaultCurrency, nil
	}
	return cs[0], nil
}
