package demo

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/budget"
	"rollout/internal/date"
	"rollout/internal/project"
)

// demoLine is a budget line of the demo rollout and the spend against it,
// month by month, the last of the months being the current one.
type demoLine struct {
	category string
	planned  float64
	spend    []demoSpend
}

// demoSpend is one invoice: monthsAgo counts back from the current month.
type demoSpend struct {
	monthsAgo, day int
	amount         float64
	note           string
}

// budgetLines are a mid-sized CRM rollout in CNY: licences paid up front for
// the year, the implementation partner by milestone, integration and data
// migration starting, training and change management still mostly ahead.
var budgetLines = []demoLine{
	{"CRM licences", 360000, []demoSpend{{3, 5, 360000, "Annual subscription, 120 seats"}}},
	{"Implementation partner", 520000, []demoSpend{
		{3, 28, 78000, "Milestone 1: blueprint workshops"},
		{2, 27, 104000, "Milestone 2: lead and account configuration"},
		{1, 26, 104000, "Milestone 3: opportunity and quote configuration"},
		{0, 3, 52000, "Extra work: quote approval rules"},
	}},
	{"ERP integration", 180000, []demoSpend{
		{2, 12, 45000, "Middleware licence"},
		{1, 15, 38000, "Order interface, first sprint"},
		{0, 8, 41000, "Order interface, second sprint"},
	}},
	{"Data migration and cleansing", 120000, []demoSpend{
		{2, 20, 18000, "De-duplication tool"},
		{1, 10, 24000, "Mock migration 1"},
		{0, 10, 9500, "Address cleansing service"},
	}},
	{"Training and change management", 90000, []demoSpend{
		{1, 22, 12000, "Key-user training, sales"},
		{0, 12, 6800, "Launch communication kit"},
	}},
	{"Contingency", 80000, nil},
}

// addBudget plans the demo's budget lines and records three to four months
// of spend, as the project manager would.
func addBudget(ctx context.Context, tx bun.Tx, w *words, proj *project.Project, users map[string]*account.User, today date.Date) error {
	pm := users[People[0].Email].ID
	t := today.Time()
	var entries []budget.EntryInput
	for _, l := range budgetLines {
		line, err := budget.AddLine(ctx, tx, pm, proj.ID, budget.LineInput{Category: w.t(l.category), Planned: l.planned, Currency: "CNY"})
		if err != nil {
			return err
		}
		for _, s := range l.spend {
			on := date.New(t.Year(), t.Month()-time.Month(s.monthsAgo), s.day)
			if on.After(today) {
				on = today // early in the month: the invoice came in today
			}
			amount := s.amount
			entries = append(entries, budget.EntryInput{LineID: line.ID, SpentOn: on, Amount: &amount, Note: w.t(s.note)})
		}
	}
	_, err := budget.AddEntries(ctx, tx, pm, proj.ID, entries, "")
	return err
}
