// Package demo fills an installation with a realistic CRM rollout to explore:
// a project with its team, measurable goals and months of measurements, a
// ranked backlog with weeks of history (backlog.go). It uses
// the domain packages' own functions, so the demo obeys every rule real data
// does. Each feature adds its part here.
package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/i18n"
	"rollout/internal/office"
	"rollout/internal/project"
)

// Key is the demo project's key.
const Key = "DEMO"

// Password is the password of every demo account.
const Password = "rollout-demo-2026"

// Person is a demo account and its part in the project.
type Person struct {
	Email, Name string
	Role        project.Role
	Department  project.Department
	Admin       bool
}

// People are the demo team: a business-led project with IT in support.
var People = []Person{
	{"pm@demo.example", "Zhang Min", project.RoleProjectManager, project.DeptOperations, true},
	{"sales.owner@demo.example", "Li Na", project.RoleBusinessOwner, project.DeptSales, false},
	{"service.owner@demo.example", "Wang Lei", project.RoleBusinessOwner, project.DeptService, false},
	{"sponsor@demo.example", "Chen Jing", project.RoleSteering, project.DeptSales, false},
	{"cfo@demo.example", "Zhao Yun", project.RoleSteering, project.DeptFinance, false},
	{"it.lead@demo.example", "Liu Yang", project.RoleMember, project.DeptIT, false},
	{"analyst@demo.example", "Sun Hui", project.RoleMember, project.DeptMarketing, false},
	{"consultant@demo.example", "Grace Ho", project.RoleViewer, project.DeptVendor, false},
}

// Result says what Load did.
type Result struct {
	Created bool // false when the demo project already existed
	People  []Person
}

// Load creates the demo project in English unless it exists. today anchors
// the dates: the project started about five months ago.
func Load(ctx context.Context, db *bun.DB, today date.Date) (Result, error) {
	return LoadIn(ctx, db, today, i18n.English)
}

// LoadIn creates the demo project in lang (en or zh-CN) unless it exists:
// the same project, the same counts, states and dates in either language;
// its texts, its people's names, its phases and its accounts' language
// follow lang.
func LoadIn(ctx context.Context, db *bun.DB, today date.Date, lang string) (Result, error) {
	w, err := wordsFor(lang)
	if err != nil {
		return Result{}, err
	}
	res := Result{People: w.people()}
	exists, err := db.NewSelect().Table("projects").Where("key = ?", Key).Exists(ctx)
	if err != nil {
		return res, database.MapError(err)
	}
	if exists {
		return res, nil
	}
	err = database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		users := map[string]*account.User{}
		for _, p := range res.People {
			u, err := account.ByEmail(ctx, tx, p.Email)
			if apperr.Is(err, apperr.KindNotFound) {
				u, err = account.Create(ctx, tx, 0, account.NewUser{Email: p.Email, Name: p.Name, Password: Password, IsAdmin: p.Admin, Language: lang})
			}
			if err != nil {
				return fmt.Errorf("demo account %s: %w", p.Email, err)
			}
			users[p.Email] = u
		}
		pm := users[People[0].Email]
		start := today.AddDays(-150)
		// Created as a user creates one on the new-project page: the CRM
		// template's phases and default milestones (the plan below fills
		// them in); the demo's risks come with their history instead of the
		// starter risks.
		proj, err := office.CreateProject(ctx, tx, pm.ID, project.Input{
			Key: Key, Name: w.t("Customer 360 — CRM rollout"), Template: "crm", Department: project.DeptOperations,
			Description: w.t("Replace spreadsheets and three legacy tools with one CRM for sales and service, in two phases."),
			Sponsor:     w.t("Chen Jing (VP Sales)"), SponsorDepartment: project.DeptSales,
			StartOn: start, TargetOn: today.AddDays(240),
			ScopeIn:  w.t("Leads, accounts and contacts, opportunities and quotes, service tickets, sales and service dashboards."),
			ScopeOut: w.t("Orders, invoicing and stock stay in the ERP; approvals and HR stay in the OA system; finance reporting stays in the finance system."),
		}, lang, today)
		if err != nil {
			return err
		}
		for _, p := range People[1:] {
			if _, err := project.AddMember(ctx, tx, pm.ID, proj.ID, project.MemberInput{Email: p.Email, Role: p.Role, Department: p.Department}); err != nil {
				return err
			}
		}
		// Five months in: selection is done, implementation is under way.
		phases, err := project.Phases(ctx, tx, proj.ID)
		if err != nil {
			return err
		}
		in := project.InputOf(proj)
		in.CurrentPhaseID = &phases[2].ID
		if proj, err = project.Update(ctx, tx, pm.ID, proj.ID, in); err != nil {
			return err
		}
		if err := addGoals(ctx, tx, w, proj, users, start, today); err != nil {
			return err
		}
		if err := addBacklog(ctx, tx, w, proj, users, today); err != nil {
			return err
		}
		if err := addRisks(ctx, tx, w, proj, users, start, today); err != nil {
			return err
		}
		if err := addPlan(ctx, tx, w, proj, users, today); err != nil {
			return err
		}
		if err := addBudget(ctx, tx, w, proj, users, today); err != nil {
			return err
		}
		if err := addChanges(ctx, tx, w, proj, users, today); err != nil {
			return err
		}
		return w.complete()
	})
	res.Created = err == nil
	return res, err
}

type demoGoal struct {
	title, metric, unit       string
	baseline, target, reached float64 // reached: where the latest measurement stands
	direction                 goal.Direction
	category                  goal.Category
	owner                     string
	months                    int // how long the goal runs
	noise                     float64
}

var goals = []demoGoal{
	{"Raise lead conversion by a fifth", "leads turned into opportunities ÷ leads", "%", 18, 21.6, 20.1, goal.Increase, goal.Business, "sales.owner@demo.example", 12, 0.4},
	{"Cut duplicate data entry by 30 %", "hours a sales rep spends re-typing data per week", "h", 6, 4.2, 5.1, goal.Decrease, goal.Efficiency, "sales.owner@demo.example", 9, 0.2},
	{"Shorten the quote cycle by two days", "days from request to quote sent (median)", "days", 5, 3, 4.6, goal.Decrease, goal.Efficiency, "sales.owner@demo.example", 10, 0.2},
	{"Weekly active use of the CRM at 85 %", "weekly active users ÷ licensed users", "%", 0, 85, 48, goal.Increase, goal.Adoption, "pm@demo.example", 8, 3},
	{"Follow-ups logged for nine in ten visits", "visits with a logged follow-up ÷ visits", "%", 55, 90, 71, goal.Increase, goal.Adoption, "service.owner@demo.example", 8, 2},
	{"Duplicate customer records below 3 %", "customer records with a duplicate ÷ records", "%", 12, 3, 6.5, goal.Decrease, goal.DataQuality, "it.lead@demo.example", 9, 0.4},
}

func addGoals(ctx context.Context, tx bun.Tx, w *words, proj *project.Project, users map[string]*account.User, start, today date.Date) error {
	rng := rand.New(rand.NewPCG(2026, 11)) // the same demo every time
	pm := users[People[0].Email]
	for _, d := range goals {
		b, t := d.baseline, d.target
		g, err := goal.Create(ctx, tx, pm.ID, proj.ID, goal.Input{Title: w.t(d.title), Metric: w.t(d.metric), Unit: w.t(d.unit),
			Baseline: &b, Target: &t, Direction: d.direction, Category: d.category, StartOn: start,
			DueOn: start.AddDays(d.months * 30), OwnerID: users[d.owner].ID})
		if err != nil {
			return fmt.Errorf("demo goal %q: %w", d.title, err)
		}
		// A measurement every two weeks, easing from the baseline to where it stands now.
		weeks := start.DaysUntil(today) / 7
		for w := 2; w <= weeks; w += 2 {
			share := float64(w) / float64(weeks)
			v := d.baseline + (d.reached-d.baseline)*math.Sqrt(share) + (rng.Float64()-0.5)*d.noise
			v = math.Round(v*10) / 10
			on := start.AddDays(w * 7)
			if _, err := goal.AddMeasurement(ctx, tx, member(ctx, tx, proj.ID, users[d.owner].ID), proj.ID, g.ID,
				goal.MeasurementInput{Value: &v, MeasuredOn: on}, goal.Manual, today); err != nil {
				return err
			}
		}
	}
	return nil
}
