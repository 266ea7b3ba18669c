package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/project"
	"rollout/internal/requirement"
)

// The demo backlog: a sales and service CRM, five months in. The early
// phases' work is done, implementation is under way, rollout and the later
// improvements are planned; a few items serve no goal, one was rejected, one
// was cut from scope and deleted. Its history is written as it would have
// happened, week by week, so the churn chart shows a backlog that settled
// after selection, with a few re-rankings and phase moves since.

// Goals of the demo, by their index in goals.
const (
	gLeads = iota
	gDuplicateEntry
	gQuote
	gAdoption
	gFollowUps
	gDuplicateRecords
)

// Phases of the CRM template, by position.
const (
	noPhase = iota - 1
	pInitiation
	pSelection
	pImplementation
	pRollout
	pOperate
)

const (
	byPM      = "pm@demo.example"
	bySales   = "sales.owner@demo.example"
	byService = "service.owner@demo.example"
	bySponsor = "sponsor@demo.example"
	byIT      = "it.lead@demo.example"
	byAnalyst = "analyst@demo.example"
)

type demoRequirement struct {
	title, story string
	criteria     []string
	tier         requirement.Tier // when added; changes below may re-rank it
	phase        int              // when added
	kind         requirement.Kind
	approach     requirement.Approach
	owner        string
	goals        []int
	status       requirement.Status // where it stands today
	estimate     float64
	added        int // weeks ago
}

var (
	tMust      = requirement.Must
	tImportant = requirement.Important
	tOptional  = requirement.Optional
	aConfig    = requirement.Configuration
	aCustom    = requirement.Customization
)

var demoBacklog = []demoRequirement{
	// Initiation: the ground work, done.
	{"Map the customer lifecycle from first contact to renewal", "As the project team we want one picture of how a customer moves from lead to renewal, so that every requirement has a place in the process.",
		[]string{"sales, service and marketing have each signed the map", "every hand-over between teams is named"}, tMust, pInitiation, requirement.Process, aConfig, byPM, nil, requirement.Done, 5, 21},
	{"Agree what the CRM does and what stays in the ERP and OA", "As the steering committee we want a written boundary between the CRM, the ERP and the OA system, so that nobody asks the CRM to do everything.",
		[]string{"orders, invoicing and stock are listed as ERP", "approvals are listed as OA", "the boundary is part of the project charter"}, tMust, pInitiation, requirement.Process, aConfig, byPM, nil, requirement.Done, 3, 21},
	{"Name a data owner for accounts and contacts", "As the IT lead I want one business person answerable for customer data, so that cleansing rules get decided rather than discussed.",
		[]string{"a data owner is named for each region", "they approve the naming and de-duplication rules"}, tMust, pInitiation, requirement.Process, aConfig, byIT, []int{gDuplicateRecords}, requirement.Done, 1, 20},
	{"Naming and de-duplication rules for customer records", "As a data owner I want rules for how accounts are named and when two records are the same customer, so that the migration and the CRM keep one record per customer.",
		[]string{"legal name, city and tax number decide a duplicate", "abbreviations are listed and expanded"}, tMust, pInitiation, requirement.DataMigration, aConfig, byIT, []int{gDuplicateRecords}, requirement.Done, 4, 20},
	{"Baseline the goal metrics from today's spreadsheets", "As the analyst I want each goal's starting value measured before go-live, so that we can later show what the CRM changed.",
		[]string{"conversion, quote cycle and re-typing hours are measured for one quarter", "the method is written down so it can be repeated"}, tMust, pInitiation, requirement.Report, aConfig, byAnalyst, []int{gLeads, gQuote}, requirement.Done, 4, 20},

	// Selection: done.
	{"Vendor demos follow a typical day of a sales rep", "As the sales owner I want every vendor to demonstrate one scripted working day, so that we compare products on our work and not on their slides.",
		[]string{"the script covers a lead, a visit, a quote and a follow-up", "reps score each demo"}, tMust, pSelection, requirement.Process, aConfig, bySales, []int{gAdoption}, requirement.Done, 3, 19},
	{"Fit-gap of quoting against the standard product", "As the sales owner I want to know which parts of our quoting the product does out of the box, so that we configure first and customise last.",
		[]string{"each quoting step is marked standard, configurable or gap", "gaps have a business reason or are dropped"}, tMust, pSelection, requirement.Process, aConfig, bySales, []int{gQuote}, requirement.Done, 2, 18},
	{"Reference calls about ERP order integration", "As the IT lead I want to hear from two customers who connected the product to our ERP, so that we know the effort before we sign.",
		nil, tImportant, pSelection, requirement.OtherKind, aConfig, byIT, nil, requirement.Done, 2, 18},
	{"Licence and role model for sales, service and managers", "As the project manager I want the licences matched to roles, so that everyone who should use the CRM can.",
		[]string{"each role has a licence type", "managers see their team's data only"}, tImportant, pSelection, requirement.OtherKind, aConfig, byPM, []int{gAdoption}, requirement.Done, 2, 17},

	// Implementation: under way.
	{"Web form leads arrive in the CRM automatically", "As a sales rep I want leads from the website's contact form to appear in the CRM within minutes, so that I call them back the same day.",
		[]string{"a submitted form creates a lead within 5 minutes", "the campaign that brought the lead is kept", "a form from a known email is linked to the existing contact, not duplicated"},
		tMust, pImplementation, requirement.Integration, aConfig, bySales, []int{gLeads, gDuplicateEntry}, requirement.InProgress, 6, 17},
	{"Lead assignment by territory and product line", "As a sales manager I want new leads assigned to the right rep by rule, so that no lead waits in a shared inbox.",
		[]string{"leads are assigned within one minute", "unmatched leads go to the regional manager"}, tMust, pImplementation, requirement.Feature, aConfig, bySales, []int{gLeads}, requirement.Done, 3, 17},
	{"Lead scoring on fit and engagement", "As a sales rep I want my leads ranked by how likely they are to buy, so that I call the best ones first.",
		[]string{"the score uses industry, size and website visits", "the score is visible in the lead list", "sales management can change the weights"},
		tImportant, pImplementation, requirement.Feature, aConfig, bySales, []int{gLeads}, requirement.InProgress, 5, 16},
	{"Opportunity pipeline with our six sales stages", "As a sales manager I want every deal to move through the same six stages, so that the forecast means the same in every region.",
		[]string{"stages and probabilities match the sales playbook", "a stage change is dated"}, tMust, pImplementation, requirement.Process, aConfig, bySales, []int{gLeads}, requirement.Done, 4, 17},
	{"Required fields at each stage change", "As a sales manager I want the facts each stage needs to be filled in before a deal moves on, so that the pipeline review is based on data.",
		[]string{"a deal cannot reach Proposal without a decision maker", "the rep sees which fields are missing"}, tImportant, pImplementation, requirement.Feature, aConfig, bySales, []int{gLeads}, requirement.Done, 2, 16},
	{"Quote builder from the product catalogue", "As a sales rep I want to build a quote from the catalogue and price list, so that I stop copying prices from Excel.",
		[]string{"prices come from the ERP price list", "a quote can be copied to a new version"}, tMust, pImplementation, requirement.Feature, aConfig, bySales, []int{gQuote, gDuplicateEntry}, requirement.InProgress, 8, 16},
	{"Discount limits per role on quotes", "As a sales director I want quotes above a rep's discount limit held until a manager agrees, so that margins stay under control without e-mail chains.",
		[]string{"limits are set per role", "the manager agrees from the quote itself"}, tImportant, pImplementation, requirement.Process, aConfig, bySales, []int{gQuote}, requirement.Approved, 4, 15},
	{"Quote PDF in the company template", "As a sales rep I want the quote document in our own layout, so that customers get what they are used to.",
		[]string{"logo, terms and bank details as today", "Chinese and English versions"}, tMust, pImplementation, requirement.Feature, aCustom, bySales, []int{gQuote}, requirement.InProgress, 5, 15},
	{"Won quotes create the sales order in the ERP", "As a sales assistant I want a won quote to create the order in the ERP, so that nobody types the order twice.",
		[]string{"the order appears in the ERP within 15 minutes", "errors come back to the quote's owner", "the ERP order number is shown on the opportunity"},
		tMust, pImplementation, requirement.Integration, aCustom, byIT, []int{gDuplicateEntry, gQuote}, requirement.InProgress, 15, 15},
	{"Customer 360 view on the account", "As an account manager I want orders, tickets, visits and open quotes on one page, so that I know where we stand before I call.",
		[]string{"ERP orders of the last two years are shown", "open tickets and the last visit are on top"}, tImportant, pImplementation, requirement.Feature, aConfig, byService, []int{gDuplicateEntry}, requirement.Approved, 6, 15},
	{"Service tickets from e-mail and phone", "As a service agent I want e-mails to the service address to open tickets, and calls to be logged in two clicks, so that every request is tracked.",
		[]string{"an e-mail to service@ opens a ticket on the right account", "a call is logged with the caller found by number"}, tMust, pImplementation, requirement.Feature, aConfig, byService, []int{gDuplicateEntry}, requirement.InProgress, 5, 14},
	{"SLA timers and escalation for tickets", "As the service owner I want each ticket's response and resolution time tracked against its SLA, so that nothing breaches unnoticed.",
		[]string{"timers pause while waiting for the customer", "the team lead is alerted at 80 % of the time"}, tImportant, pImplementation, requirement.Feature, aConfig, byService, nil, requirement.Approved, 4, 14},
	{"Visit reports on mobile with follow-up tasks", "As a field rep I want to write my visit report on the phone right after the visit, so that follow-ups are not forgotten.",
		[]string{"a report takes under two minutes", "follow-up tasks get a due date", "works with a weak connection"}, tMust, pImplementation, requirement.Feature, aConfig, byService, []int{gFollowUps, gAdoption}, requirement.InProgress, 5, 14},
	{"Reminder for visits without a follow-up", "As a sales manager I want reps reminded when a visit has no follow-up after two days, so that visits lead somewhere.",
		nil, tImportant, pImplementation, requirement.Feature, aConfig, byService, []int{gFollowUps}, requirement.Approved, 2, 13},
	{"Pipeline dashboard for sales managers", "As a sales manager I want pipeline by stage, region and month on one screen, so that the weekly review needs no spreadsheet.",
		[]string{"numbers match the opportunity list", "drill down to the deals"}, tImportant, pImplementation, requirement.Report, aConfig, byAnalyst, []int{gLeads}, requirement.Approved, 3, 13},
	{"Weekly adoption report", "As the project manager I want logins, leads entered and stage changes per team each week, so that we coach where use is low.",
		[]string{"one line per team and week", "sent every Monday to team leads"}, tImportant, pImplementation, requirement.Report, aConfig, byAnalyst, []int{gAdoption, gFollowUps}, requirement.Approved, 2, 13},
	{"Duplicate check when creating accounts and contacts", "As a sales assistant I want to be warned before I create a customer who already exists, so that we keep one record per customer.",
		[]string{"matches on name, phone and tax number", "the user can open the existing record from the warning"}, tMust, pImplementation, requirement.Feature, aConfig, byIT, []int{gDuplicateRecords}, requirement.Done, 3, 14},
	{"Cleanse customer master data in stages", "As the data owner I want the legacy customer data cleaned region by region before migration, so that we do not carry today's mess into the CRM.",
		[]string{"duplicates merged by the agreed rules", "each region signs off its data"}, tMust, pImplementation, requirement.DataMigration, aConfig, byIT, []int{gDuplicateRecords}, requirement.InProgress, 10, 14},
	{"Mock migration 1: accounts, contacts, open deals", "As the IT lead I want a first full trial load, so that mapping errors show up months before go-live.",
		[]string{"record counts reconcile with the legacy tools", "data owners check 50 samples each"}, tMust, pImplementation, requirement.DataMigration, aConfig, byIT, []int{gDuplicateRecords}, requirement.Done, 4, 13},
	{"Mock migration 2 with full volume and timing", "As the IT lead I want a second trial with all data and a timed run, so that we know the cut-over fits a weekend.",
		[]string{"the load finishes within 10 hours", "99.5 % of records load"}, tMust, pRollout, requirement.DataMigration, aConfig, byIT, []int{gDuplicateRecords}, requirement.Approved, 4, 12},
	{"Finance fields visible to finance and managers only", "As the finance controller I want credit limits and payment terms hidden from roles that do not need them, so that customer finances stay confidential.",
		nil, tImportant, pImplementation, requirement.Feature, aConfig, byIT, nil, requirement.Approved, 2, 12},
	{"Contract renewal reminders", "As an account manager I want to be reminded 90 days before a contract ends, so that renewals are not lost.",
		nil, tImportant, pImplementation, requirement.Feature, aConfig, bySales, []int{gLeads}, requirement.Approved, 2, 11},
	{"Custom commission calculator", "As a sales rep I want my commission calculated in the CRM, so that I see what a deal earns me.",
		[]string{"every commission rule of the current plan"}, tImportant, noPhase, requirement.Feature, aCustom, bySales, nil, requirement.Rejected, 20, 12},

	// Rollout: planned.
	{"Sales training around a typical working day", "As a sales rep I want to learn the CRM by doing my own day in it — a lead, a visit, a quote — so that I can work in it from day one.",
		[]string{"every rep trains in groups of at most 12", "training uses the migrated test data"}, tMust, pRollout, requirement.Training, aConfig, byPM, []int{gAdoption}, requirement.Approved, 6, 11},
	{"Service training: a ticket from call to close", "As a service agent I want training that follows a real ticket, so that I know the whole flow and not just screens.",
		nil, tImportant, pRollout, requirement.Training, aConfig, byService, []int{gFollowUps, gAdoption}, requirement.Approved, 4, 10},
	{"Coach managers to run the weekly pipeline review in the CRM", "As a sales director I want managers to hold their weekly reviews from the CRM dashboard, so that reps see the data is used.",
		nil, tOptional, pRollout, requirement.Training, aConfig, bySales, []int{gAdoption}, requirement.Proposed, 2, 9},
	{"Explain to each team what the CRM gives them", "As the sponsor I want each team told, before go-live, what the CRM saves them (fewer reports, fewer questions), so that they want to use it.",
		[]string{"one session per team, led by its own manager", "questions collected and answered in writing"}, tMust, pRollout, requirement.ChangeManagement, aConfig, byPM, []int{gAdoption}, requirement.Approved, 3, 10},
	{"Tie the sales incentive to up-to-date opportunities", "As the sponsor I want part of the quarterly bonus to depend on deals kept current in the CRM, so that using it pays off.",
		nil, tImportant, pRollout, requirement.ChangeManagement, aConfig, bySponsor, []int{gAdoption}, requirement.Proposed, 2, 9},
	{"Cut-over rehearsal and final migration", "As the IT lead I want the final load rehearsed end to end, so that go-live weekend holds no surprises.",
		[]string{"rehearsal run with the go-live team and timetable", "a fallback decision point is agreed"}, tMust, pRollout, requirement.DataMigration, aConfig, byIT, []int{gDuplicateRecords}, requirement.Approved, 5, 8},
	{"Support desk for the first four weeks after go-live", "As a user I want someone to ask in my first weeks, so that a small problem does not send me back to Excel.",
		nil, tOptional, pRollout, requirement.ChangeManagement, aConfig, byPM, []int{gAdoption}, requirement.Proposed, 3, 7},

	// Operate & improve: later.
	{"Win/loss analysis report", "As the sales director I want to see why deals are won and lost by segment, so that we change what does not work.",
		nil, tOptional, pImplementation, requirement.Report, aConfig, byAnalyst, []int{gLeads}, requirement.Proposed, 3, 12},
	{"Invoice status from the finance system on the account", "As an account manager I want to see unpaid invoices on the account, so that I do not promise a customer who is overdue.",
		nil, tImportant, pImplementation, requirement.Integration, aCustom, byIT, []int{gDuplicateEntry}, requirement.Deferred, 8, 15},
	{"Campaign sync with the e-mail marketing platform", "As a marketer I want campaign responses in the CRM, so that sales sees which leads came from which campaign.",
		nil, tOptional, pImplementation, requirement.Integration, aConfig, byAnalyst, []int{gLeads}, requirement.Proposed, 6, 16},
	{"Quarterly review of results against the goals", "As the sponsor I want the goals re-measured every quarter after go-live, so that the project is judged by results and improved in small steps.",
		nil, tImportant, pOperate, requirement.Process, aConfig, byPM, []int{gAdoption, gLeads}, requirement.Proposed, 1, 6},
	{"Satisfaction survey after a ticket is closed", "As the service owner I want a two-question survey sent when a ticket closes, so that we hear how service feels.",
		nil, tOptional, pRollout, requirement.Feature, aConfig, byService, nil, requirement.Proposed, 3, 8},

	// Not planned.
	{"Self-service mini-program for customers", "As a customer I want to open and follow my service requests from my phone, so that I do not have to call.",
		nil, tOptional, noPhase, requirement.Feature, aCustom, byService, nil, requirement.Proposed, 20, 6},
	{"Next-best-action suggestions for reps", "As a sales rep I want the CRM to suggest my next step on a deal, so that I spend time where it counts.",
		nil, tOptional, pOperate, requirement.Feature, aCustom, bySales, nil, requirement.Deferred, 15, 10},
	// Cut from scope and deleted: see the changes below.
	{"Offline mobile app for the whole CRM", "As a field rep I want the whole CRM offline on my phone.",
		nil, tImportant, pImplementation, requirement.Feature, aCustom, byService, nil, requirement.Proposed, 25, 15},
}

// demoChange is a later edit of a demo requirement: a re-ranking, a move
// between phases, or (remove) its deletion.
type demoChange struct {
	title  string
	weeks  int // ago
	by     string
	tier   requirement.Tier
	phase  *int
	remove bool
}

func phaseAt(i int) *int { return &i }

var demoChanges = []demoChange{
	{title: "Lead scoring on fit and engagement", weeks: 12, by: bySales, tier: tMust},
	{title: "Campaign sync with the e-mail marketing platform", weeks: 11, by: byPM, phase: phaseAt(pOperate)},
	{title: "Invoice status from the finance system on the account", weeks: 10, by: byPM, tier: tOptional, phase: phaseAt(pOperate)},
	{title: "Offline mobile app for the whole CRM", weeks: 9, by: byPM, remove: true},
	{title: "Quote PDF in the company template", weeks: 8, by: bySales, tier: tImportant},
	{title: "Win/loss analysis report", weeks: 7, by: byPM, phase: phaseAt(pOperate)},
	{title: "Contract renewal reminders", weeks: 6, by: bySales, tier: tOptional},
	{title: "Next-best-action suggestions for reps", weeks: 5, by: byPM, phase: phaseAt(noPhase)},
	{title: "Mock migration 2 with full volume and timing", weeks: 4, by: byPM, phase: phaseAt(pImplementation)},
	{title: "Support desk for the first four weeks after go-live", weeks: 3, by: byPM, tier: tImportant},
	{title: "Satisfaction survey after a ticket is closed", weeks: 2, by: byService, phase: phaseAt(pOperate)},
	{title: "Coach managers to run the weekly pipeline review in the CRM", weeks: 1, by: bySales, tier: tImportant},
}

// demoEvent is one write of the backlog's history, at its time.
type demoEvent struct {
	at  time.Time
	run func(ctx context.Context, tx bun.Tx) (requirementID int64, err error)
}

func addBacklog(ctx context.Context, tx bun.Tx, w *words, proj *project.Project, users map[string]*account.User, today date.Date) error {
	phases, err := project.Phases(ctx, tx, proj.ID)
	if err != nil {
		return err
	}
	var goalRows []struct {
		ID    int64
		Title string
	}
	if err := tx.NewSelect().Table("goals").Column("id", "title").Where("project_id = ?", proj.ID).Scan(ctx, &goalRows); err != nil {
		return database.MapError(err)
	}
	goalIDs := map[string]int64{}
	for _, g := range goalRows {
		goalIDs[g.Title] = g.ID
	}
	phaseID := func(i int) *int64 {
		if i == noPhase {
			return nil
		}
		return &phases[i].ID
	}
	// at is a working day's morning some weeks ago; seq spreads the events
	// of one week over its days and hours, in the order they are listed.
	seq := 0
	at := func(weeks int) time.Time {
		seq++
		return today.AddDays(-7*weeks + seq%4).Time().Add(time.Duration(9+seq%8) * time.Hour)
	}
	numbers := map[string]int{} // title → number, once created
	var events []demoEvent
	for _, d := range demoBacklog {
		in := requirement.Input{Title: w.t(d.title), UserStory: w.t(d.story), AcceptanceCriteria: w.all(d.criteria), Tier: d.tier,
			PhaseID: phaseID(d.phase), Kind: d.kind, Approach: d.approach, OwnerID: &users[d.owner].ID, Status: requirement.Proposed}
		if d.estimate > 0 {
			in.EstimateDays = &d.estimate
		}
		for _, g := range d.goals {
			in.GoalIDs = append(in.GoalIDs, goalIDs[w.t(goals[g].title)])
		}
		if d.status != requirement.Proposed {
			in.Status = requirement.Approved // agreed when it was written down; progress comes later
		}
		title := d.title
		events = append(events, demoEvent{at: at(d.added), run: func(ctx context.Context, tx bun.Tx) (int64, error) {
			r, err := requirement.Create(ctx, tx, users[byPM].ID, proj.ID, in)
			if err != nil {
				return 0, fmt.Errorf("demo requirement %q: %w", title, err)
			}
			numbers[title] = r.Number
			return r.ID, nil
		}})
		if d.status != in.Status {
			// Work started, finished, or was turned down some weeks after it was agreed.
			weeks := max(1, d.added-2-d.added/3)
			if d.phase == pInitiation || d.phase == pSelection {
				weeks = max(d.added-3, 14)
			}
			status := d.status
			events = append(events, demoEvent{at: at(weeks), run: func(ctx context.Context, tx bun.Tx) (int64, error) {
				return editRequirement(ctx, tx, users[d.owner].ID, proj.ID, numbers[title], func(in *requirement.Input) { in.Status = status })
			}})
		}
	}
	for _, ch := range demoChanges {
		events = append(events, demoEvent{at: at(ch.weeks), run: func(ctx context.Context, tx bun.Tx) (int64, error) {
			n, ok := numbers[ch.title]
			if !ok {
				return 0, fmt.Errorf("demo change of %q: no such requirement yet", ch.title)
			}
			if ch.remove {
				r, err := requirement.Get(ctx, tx, proj.ID, n)
				if err != nil {
					return 0, err
				}
				return r.ID, requirement.Delete(ctx, tx, users[ch.by].ID, proj.ID, n)
			}
			return editRequirement(ctx, tx, users[ch.by].ID, proj.ID, n, func(in *requirement.Input) {
				if ch.tier != "" {
					in.Tier = ch.tier
				}
				if ch.phase != nil {
					in.PhaseID = phaseID(*ch.phase)
				}
			})
		}})
	}
	// Play the history in order, then date each write's audit entry (and the
	// requirement's own timestamps) to when it happened.
	slices.SortStableFunc(events, func(a, b demoEvent) int { return a.at.Compare(b.at) })
	for _, e := range events {
		id, err := e.run(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.NewRaw(`UPDATE audit_entries SET at = ? WHERE id = (SELECT max(id) FROM audit_entries
			WHERE project_id = ? AND entity = 'requirement' AND entity_id = ?)`, e.at, proj.ID, fmt.Sprint(id)).Exec(ctx); err != nil {
			return database.MapError(err)
		}
		if _, err := tx.NewRaw(`UPDATE requirements SET created_at = least(created_at, ?), updated_at = ? WHERE id = ?`,
			e.at, e.at, id).Exec(ctx); err != nil {
			return database.MapError(err)
		}
	}
	return nil
}

// editRequirement changes a demo requirement through the store, as an edit
// on the requirement's page would.
func editRequirement(ctx context.Context, tx bun.Tx, actorID, projectID int64, number int, edit func(*requirement.Input)) (int64, error) {
	r, err := requirement.Get(ctx, tx, projectID, number)
	if err != nil {
		return 0, err
	}
	in := requirement.InputOf(r)
	edit(&in)
	if _, err := requirement.Update(ctx, tx, member(ctx, tx, projectID, actorID), projectID, number, in); err != nil {
		return 0, fmt.Errorf("demo edit of %s-%d: %w", "requirement", number, err)
	}
	return r.ID, nil
}
