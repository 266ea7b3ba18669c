package budget

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/database"
	"rollout/internal/date"
)

// Batch is what the API posts at once: new lines and new spend, written all
// together or not at all.
type Batch struct {
	Lines   []LineInput  `json:"lines"`
	Entries []BatchEntry `json:"entries"`
}

// BatchEntry is one spend of a batch. It names its line by id, or by
// category, which may be a line added by the same batch.
type BatchEntry struct {
	LineID   int64     `json:"line_id"`
	Category string    `json:"category" validate:"max=100"`
	SpentOn  date.Date `json:"spent_on"`
	Amount   *float64  `json:"amount" validate:"omitempty,money"`
	Note     string    `json:"note" validate:"max=500"`
}

// BatchResult is what a batch wrote.
type BatchResult struct {
	Lines   []Line  `json:"lines"`
	Entries []Entry `json:"entries"`
}

// Apply writes a batch in one transaction. Every problem is reported at once,
// keyed by the item's place: "lines[0].category", "entries[2].amount".
func Apply(ctx context.Context, db bun.IDB, actorID, projectID int64, b Batch) (*BatchResult, error) {
	if len(b.Lines) == 0 && len(b.Entries) == 0 {
		return nil, apperr.InvalidField("entries", "budget.batch_empty")
	}
	fields := map[string]apperr.Message{}
	ins := make([]EntryInput, len(b.Entries))
	for i, e := range b.Entries {
		ins[i] = EntryInput{LineID: e.LineID, SpentOn: e.SpentOn, Amount: e.Amount, Note: e.Note}
		if ins[i].LineID == 0 && categoryKey(e.Category) != "" {
			ins[i].LineID = -1 // resolved by category below
		}
		collect(fields, fmt.Sprintf("entries[%d].", i), ins[i].check())
	}
	for i := range b.Lines {
		collect(fields, fmt.Sprintf("lines[%d].", i), b.Lines[i].check())
	}
	if len(fields) > 0 {
		return nil, apperr.Invalid(fields)
	}
	res := &BatchResult{Lines: []Line{}, Entries: []Entry{}}
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		for i, in := range b.Lines {
			l, err := AddLine(ctx, tx, actorID, projectID, in)
			if err != nil {
				return prefixed(fmt.Sprintf("lines[%d].", i), err)
			}
			res.Lines = append(res.Lines, *l)
		}
		if len(ins) == 0 {
			return nil
		}
		var lines []Line
		if err := tx.NewSelect().Model(&lines).Column("id", "category").Where("project_id = ?", projectID).Scan(ctx); err != nil {
			return database.MapError(err)
		}
		byID, byCategory := map[int64]bool{}, map[string]int64{}
		for _, l := range lines {
			byID[l.ID] = true
			byCategory[categoryKey(l.Category)] = l.ID
		}
		for i := range ins {
			switch {
			case ins[i].LineID == -1:
				id, ok := byCategory[categoryKey(b.Entries[i].Category)]
				if !ok {
					fields[fmt.Sprintf("entries[%d].category", i)] = apperr.Msg("budget.import_no_such_line", "Category", b.Entries[i].Category)
				}
				ins[i].LineID = id
			case !byID[ins[i].LineID]:
				fields[fmt.Sprintf("entries[%d].line_id", i)] = apperr.Msg("budget.no_such_line")
			}
		}
		if len(fields) > 0 {
			return apperr.Invalid(fields)
		}
		es, err := AddEntries(ctx, tx, actorID, projectID, ins, "api")
		res.Entries = es
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// collect adds an Invalid error's fields to fields under a prefix.
func collect(fields map[string]apperr.Message, prefix string, err error) {
	var ae *apperr.Error
	if err == nil || !errors.As(err, &ae) {
		return
	}
	for f, m := range ae.Fields {
		fields[prefix+f] = m
	}
}

// prefixed keys an Invalid error's fields under a prefix; other errors pass.
func prefixed(prefix string, err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalid {
		return err
	}
	fields := map[string]apperr.Message{}
	collect(fields, prefix, err)
	return apperr.Invalid(fields)
}
