package demo

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/date"
	"rollout/internal/project"
	"rollout/internal/risk"
)

// demoRisk is a risk of the demo register: its rating when identified, then
// at each review (with the reviewer's note), spread over the months since.
type demoRisk struct {
	title, description                string
	category                          risk.Category
	owner                             string
	identified                        int      // days after the project's start
	ratings                           [][2]int // probability, impact: identified, then each review
	notes                             []string // one per review
	residual                          []int    // residual probability, impact; nil when not rated
	status                            risk.Status
	nextReview                        int // days from today; 0 for none (closed and occurred risks)
	mitigation, contingency, triggers string
}

var demoRisks = []demoRisk{
	{"Mock migration leaves contacts unloaded", "The first rehearsal loaded 92 % of contacts: phone and address formats differ between the three legacy tools.",
		risk.DataMigration, "it.lead@demo.example", 10, [][2]int{{4, 5}, {4, 5}, {3, 5}, {3, 4}},
		[]string{"Field mapping signed off by sales and service data owners.", "Rehearsal 1: 8 % of contacts rejected, mostly phone formats.", "Rehearsal 2 reconciles to 99.6 %; one more before go-live."},
		[]int{2, 3}, risk.Mitigating, 7,
		"Two more full rehearsals with record counts reconciled by the data owners; format rules applied in the extract.",
		"Keep the legacy tools read-only for a month; move go-live by one window if the last rehearsal fails.",
		"A rehearsal below 99 % of records loaded, or totals that do not reconcile."},
	{"ERP order interface not ready for phase one", "Orders must flow from the ERP into the account view; the ERP team has the interface scheduled after its own upgrade.",
		risk.Integration, "it.lead@demo.example", 20, [][2]int{{3, 4}, {4, 4}, {4, 4}, {3, 4}},
		[]string{"ERP upgrade moved; interface slot now three weeks before go-live.", "Interface specification still unsigned.", "Specification signed; test data promised for next sprint."},
		[]int{2, 3}, risk.Mitigating, -5,
		"Phase one connects only lead sources and ERP orders; data definitions agreed with the ERP team in writing.",
		"Nightly order file instead of the live interface for the first weeks.",
		"End-to-end test fails twice, or the specification is not signed by the gate."},
	{"Sales reps keep their pipelines in spreadsheets", "In the pilot, reps entered visits after the fact and kept forecasting in their own workbooks.",
		risk.Adoption, "sales.owner@demo.example", 30, [][2]int{{4, 4}, {4, 5}, {3, 5}, {3, 4}},
		[]string{"Pilot: only 40 % of visits logged in the CRM.", "Weekly pipeline meeting now run from the CRM dashboard.", "Visit logging at 71 %; incentive tied to logged follow-ups from next quarter."},
		[]int{2, 3}, risk.Mitigating, 10,
		"Pipeline meetings run only from the CRM; key users coach each team; follow-up logging counts towards the bonus.",
		"Floor coaching for the two weakest teams; simplify the visit screen.",
		"Weekly active use below 60 % two weeks after go-live."},
	{"Vendor's local team down to one consultant", "One of the two named consultants left the vendor; support answers have slowed.",
		risk.Vendor, "pm@demo.example", 45, [][2]int{{2, 4}, {3, 4}, {3, 4}, {2, 4}},
		[]string{"Second consultant resigned; replacement promised within a month.", "Replacement started, learning our configuration.", "Response times back within the agreement."},
		[]int{1, 3}, risk.Open, 14,
		"Named consultants and response times written into the contract; weekly status call with the vendor's manager.",
		"Certified local partner on standby for configuration work.",
		"A named consultant replaced, or two late answers in a month."},
	{"Service wants ticket routing rules in phase one", "The service team asks for skill-based routing, which is not on the main sales process.",
		risk.Scope, "service.owner@demo.example", 50, [][2]int{{3, 3}, {4, 3}, {3, 3}},
		[]string{"Routing request raised again at the steering meeting.", "Agreed: simple queue in phase one, routing rules ranked optional for phase two."},
		[]int{2, 2}, risk.Mitigating, -2,
		"Every new request goes through a change request; phase one carries only what the main process needs.",
		"Move optional items to phase two and re-plan the sprint.",
		"Phase-one backlog grows more than 10 % after it was agreed."},
	{"Duplicate customer records above 12 %", "Profiling the legacy data found the same customers under several spellings in sales and service.",
		risk.DataQuality, "it.lead@demo.example", 15, [][2]int{{5, 3}, {4, 3}, {4, 3}, {3, 3}},
		[]string{"Naming rules and de-duplication rules agreed with the data owners.", "First cleaning round: duplicates down to 9 %.", "Second round: 6.5 %; matching rule for company suffixes added."},
		[]int{2, 2}, risk.Mitigating, 7,
		"Naming rules, de-duplication rules and required fields; a data owner per object; cleaning in stages before each rehearsal.",
		"Migrate active customers only and clean the rest after go-live.",
		"Duplicates above 5 % in the last profiling before go-live."},
	{"Go-live collides with the year-end sales push", "The planned go-live falls in the last weeks of the sales year, when reps have no time for training.",
		risk.Schedule, "pm@demo.example", 60, [][2]int{{2, 4}, {3, 4}, {3, 5}},
		[]string{"Sales director confirms training freeze in December.", "Option of a January go-live prepared for the steering committee."},
		nil, risk.Open, 21,
		"Training scheduled before the freeze; go-live date decided at the rollout gate.",
		"Go live in January with service first, sales two weeks later.",
		"Training attendance below 80 % four weeks before go-live."},
	{"Custom quote screen overruns the budget", "The quote screen was specified as custom code; estimates have grown twice.",
		risk.Budget, "cfo@demo.example", 40, [][2]int{{3, 3}, {3, 3}, {2, 3}},
		[]string{"Second estimate 30 % above the first.", "Standard quote object with configuration covers most of it; custom part cut to the discount check."},
		[]int{1, 2}, risk.Mitigating, 30,
		"Configure the standard quote object first; custom code only for the discount approval.",
		"Keep quotes in the ERP for phase one.",
		"Estimate above the approved budget line."},
	{"Customer data visible to every sales region", "The default sharing model showed every account to every rep.",
		risk.Security, "it.lead@demo.example", 25, [][2]int{{3, 4}, {2, 4}, {1, 4}},
		[]string{"Role hierarchy and sharing rules designed by region.", "Access test with one rep per region passed."},
		[]int{1, 2}, risk.Closed, 0,
		"Region-based sharing rules, tested with a rep from each region.",
		"Restrict exports while the rules are fixed.",
		"Any rep seeing another region's accounts in testing."},
	{"Key users pulled back to daily sales work", "Key users were promised half their time for the project; their managers need them for quota.",
		risk.Adoption, "analyst@demo.example", 70, [][2]int{{3, 3}, {4, 3}, {4, 4}},
		[]string{"Two of six key users missed the last test session.", "Managers ask to halve key-user time until quarter end."},
		nil, risk.Open, -9,
		"Key-user time agreed with each sales manager and reported at the steering meeting.",
		"Vendor consultants run acceptance tests with the business owners.",
		"Key users miss two test sessions in a row."},
	{"Training booked as screen tours, not a working day", "The vendor's training plan walks through screens instead of a rep's day from lead to order.",
		risk.Adoption, "service.owner@demo.example", 80, [][2]int{{3, 3}, {3, 3}, {2, 3}},
		[]string{"Training plan reviewed with two team leads.", "Plan rebuilt around a typical day for sales and for service."},
		[]int{1, 2}, risk.Mitigating, 12,
		"Train around a typical working day; coach teams for four weeks after go-live and review usage weekly.",
		"Short refresher sessions on the screens with most errors.",
		"Users can click through screens but skip follow-ups in the pilot."},
	{"First mock migration slipped two weeks", "The extract from the legacy service tool was late, and the first rehearsal moved.",
		risk.Schedule, "pm@demo.example", 35, [][2]int{{4, 3}, {5, 3}},
		[]string{"Extract delivered two weeks late; rehearsal moved. Buffer of the migration milestone used up."},
		nil, risk.Occurred, 0,
		"Extract scripts owned by the IT lead, with a dry run a week before each rehearsal.",
		"Use the buffer of the migration milestone; no further slip allowed before the gate.",
		"Extract not ready three days before a rehearsal."},
}

// addRisks fills the register with a dozen risks of a rollout five months in,
// each reviewed several times since it was identified.
func addRisks(ctx context.Context, tx bun.Tx, w *words, proj *project.Project, users map[string]*account.User, start, today date.Date) error {
	pm := users[People[0].Email]
	for _, d := range demoRisks {
		identified := start.AddDays(d.identified)
		in := risk.Input{Title: w.t(d.title), Description: w.t(d.description), Category: d.category,
			Probability: d.ratings[0][0], Impact: d.ratings[0][1], OwnerID: users[d.owner].ID,
			Mitigation: w.t(d.mitigation), Contingency: w.t(d.contingency), Trigger: w.t(d.triggers), Status: d.status,
			IdentifiedOn: identified}
		if d.residual != nil {
			in.ResidualProbability, in.ResidualImpact = &d.residual[0], &d.residual[1]
		}
		// The activity log dates each write to when it happened, as the
		// weekly report reads a risk's moves from it.
		var r *risk.Risk
		err := dated(ctx, tx, proj.ID, at(identified), func() error {
			var err error
			r, err = risk.Create(ctx, tx, pm.ID, proj.ID, in, today)
			return err
		})
		if err != nil {
			return fmt.Errorf("demo risk %q: %w", d.title, err)
		}
		// Reviews spread evenly from identification to the last one, which
		// sets the next review date (some of them already past: overdue).
		reviews := len(d.ratings) - 1
		last := today.AddDays(-3)
		if d.nextReview < 0 {
			last = today.AddDays(d.nextReview - 14)
		}
		span := identified.DaysUntil(last)
		for k := 1; k <= reviews; k++ {
			rv := risk.ReviewInput{ReviewedOn: identified.AddDays(span * k / reviews),
				Probability: d.ratings[k][0], Impact: d.ratings[k][1], Note: w.t(d.notes[k-1])}
			if k == reviews && d.nextReview != 0 {
				rv.NextReviewOn = today.AddDays(d.nextReview)
			}
			reviewer := users[d.owner].ID
			if k%2 == 0 {
				reviewer = pm.ID // the project manager runs every other review
			}
			err := dated(ctx, tx, proj.ID, at(rv.ReviewedOn), func() error {
				_, err := risk.AddReview(ctx, tx, member(ctx, tx, proj.ID, reviewer), proj.ID, r.Number, rv, today)
				return err
			})
			if err != nil {
				return fmt.Errorf("demo review of %q: %w", d.title, err)
			}
		}
	}
	return nil
}
