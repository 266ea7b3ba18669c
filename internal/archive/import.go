package archive

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/i18n"
)

// ImportOptions says how to restore an archive.
type ImportOptions struct {
	Key     string // the new project's key; empty keeps the archive's
	ActorID int64  // who imports, for the trail; 0 for the system (the command line)
}

// Result says what Import made.
type Result struct {
	ProjectID    int64
	Key          string
	Counts       Counts
	CreatedUsers []string // accounts created, disabled, for people this installation did not know
	// WeeklyPaused: the archive's weekly report sent itself, and this import
	// (under another key: a copy, whose original may still send) does not.
	WeeklyPaused bool
}

var keyPattern = regexp.MustCompile(`^[A-Z]{2,10}$`)

// insertChunk bounds the rows of one INSERT statement.
const insertChunk = 1000

// Import restores an archive as a new project, all in one transaction: a
// taken key or a damaged archive leaves the database as it was.
func Import(ctx context.Context, db bun.IDB, a *Archive, opts ImportOptions) (*Result, error) {
	if a == nil || a.FormatVersion == 0 {
		return nil, apperr.InvalidField("archive", "archive.format_unknown")
	}
	if a.FormatVersion > FormatVersion {
		return nil, apperr.InvalidField("archive", "archive.format_newer", "Version", a.FormatVersion)
	}
	key := strings.ToUpper(strings.TrimSpace(opts.Key))
	if key == "" {
		key = a.Project.Key
	}
	if !keyPattern.MatchString(key) {
		return nil, apperr.InvalidField("key", "project.key_format")
	}
	im := &importer{a: a, oldKey: a.Project.Key, newKey: key, now: time.Now().UTC(), collect: true,
		max: map[kind]int64{}, living: map[kind]int64{}, emails: map[string]string{}, users: map[string]int64{}}
	if err := im.checkIDs(); err != nil {
		return nil, err
	}
	// A first pass over the archive finds every person and the highest id
	// of each kind it names; it writes nothing.
	if _, err := im.convert(); err != nil {
		return nil, err
	}
	for _, p := range a.People {
		im.person(p.Email)
	}
	res := &Result{Key: key, Counts: a.Count()}
	res.WeeklyPaused = a.WeeklySettings != nil && a.WeeklySettings.AutoSend && im.copying()
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		taken, err := tx.NewSelect().Table("projects").Where("key = ?", key).Exists(ctx)
		if err != nil {
			return database.MapError(err)
		}
		if taken {
			return apperr.InvalidField("key", "archive.key_taken", "Key", key)
		}
		if res.CreatedUsers, err = im.matchUsers(ctx, tx, opts.ActorID); err != nil {
			return err
		}
		if err := im.allocate(ctx, tx); err != nil {
			return err
		}
		im.collect = false
		rows, err := im.convert()
		if err != nil {
			return err
		}
		if err := rows.insert(ctx, tx); err != nil {
			return rejected(err)
		}
		res.ProjectID = rows.project.ID
		w := audit.Write{ProjectID: rows.project.ID, ActorID: opts.ActorID, Entity: "project", EntityID: key,
			Action: "import", After: map[string]any{"key": a.Project.Key, "format_version": a.FormatVersion,
				"exported_at": a.ExportedAt, "audit_entries": len(a.Audit)}}
		return audit.Record(ctx, tx, w)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// rejected turns a constraint the archive's data broke into one message.
func rejected(err error) error {
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Field('C'), "23") {
		what := pgErr.Field('n')
		if what == "" {
			what = pgErr.Field('c')
		}
		e := apperr.InvalidField("archive", "archive.rejected", "Constraint", what)
		e.Err = err
		return e
	}
	return database.MapError(err)
}

// importer maps archive ids to the new rows' ids and emails to accounts.
type importer struct {
	a              *Archive
	oldKey, newKey string
	now            time.Time
	// collect: the first pass, which only notes what the archive names.
	collect bool
	max     map[kind]int64    // highest archive id named, per kind
	living  map[kind]int64    // items the archive holds, per kind (ids 1 … n)
	emails  map[string]string // lower-case email → as written
	blocks  map[kind][]int64  // archive id i → blocks[kind][i-1]
	users   map[string]int64  // lower-case email → account id
}

// copying reports whether the archive is imported under another key than
// its own: a copy, whose original may live on in this installation.
func (im *importer) copying() bool { return im.newKey != im.oldKey }

// checkIDs makes sure each kind's ids are 1 … n, as Export writes them.
func (im *importer) checkIDs() error {
	a := im.a
	ids := map[kind][]int64{kindProject: {1}}
	add := func(k kind, id int64) { ids[k] = append(ids[k], id) }
	for _, p := range a.Phases {
		add(kindPhase, p.ID)
	}
	for _, g := range a.Goals {
		add(kindGoal, g.ID)
		for _, m := range g.Measurements {
			add(kindMeasurement, m.ID)
		}
	}
	for _, r := range a.Requirements {
		add(kindRequirement, r.ID)
	}
	for _, m := range a.Milestones {
		add(kindMilestone, m.ID)
		for _, d := range m.Deliverables {
			add(kindDeliverable, d.ID)
		}
		for _, r := range m.Reviews {
			add(kindGateReview, r.ID)
			for _, x := range r.Actions {
				add(kindReviewAction, x.ID)
			}
		}
	}
	for _, b := range a.Baselines {
		add(kindBaseline, b.ID)
	}
	for _, r := range a.Risks {
		add(kindRisk, r.ID)
		for _, v := range r.Reviews {
			add(kindRiskReview, v.ID)
		}
	}
	for _, c := range a.ChangeRequests {
		add(kindChange, c.ID)
	}
	for _, l := range a.BudgetLines {
		add(kindBudgetLine, l.ID)
		for _, s := range l.Spend {
			add(kindSpend, s.ID)
		}
	}
	for _, c := range a.Comments {
		add(kindComment, c.ID)
	}
	for _, f := range a.Adoption {
		add(kindAdoption, f.ID)
	}
	for _, r := range a.WeeklyReports {
		add(kindWeeklyReport, r.ID)
	}
	for k, list := range ids {
		slices.Sort(list)
		for i, id := range list {
			if id != int64(i+1) {
				return apperr.InvalidField("archive", "archive.bad_ids", "Kind", string(k), "Count", len(list))
			}
		}
		im.living[k] = int64(len(list))
	}
	return nil
}

// id is the new id of the item an archive id names.
func (im *importer) id(k kind, archiveID int64) (int64, error) {
	if archiveID <= 0 {
		return 0, apperr.InvalidField("archive", "archive.bad_reference", "Kind", string(k), "ID", archiveID)
	}
	if im.collect {
		im.max[k] = max(im.max[k], archiveID)
		return 0, nil
	}
	b := im.blocks[k]
	if archiveID > int64(len(b)) {
		return 0, apperr.InvalidField("archive", "archive.bad_reference", "Kind", string(k), "ID", archiveID)
	}
	return b[archiveID-1], nil
}

// ref is id for a reference that must name an item the archive holds.
func (im *importer) ref(k kind, archiveID int64) (int64, error) {
	if archiveID > im.living[k] {
		return 0, apperr.InvalidField("archive", "archive.bad_reference", "Kind", string(k), "ID", archiveID)
	}
	return im.id(k, archiveID)
}

func (im *importer) optRef(k kind, archiveID *int64) (*int64, error) {
	if archiveID == nil {
		return nil, nil
	}
	id, err := im.ref(k, *archiveID)
	return &id, err
}

// person is the account of an email (nil for none).
func (im *importer) person(email string) *int64 {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil
	}
	low := strings.ToLower(email)
	if im.collect {
		if _, ok := im.emails[low]; !ok {
			im.emails[low] = email
		}
		var zero int64
		return &zero
	}
	id, ok := im.users[low]
	if !ok {
		return nil
	}
	return &id
}

func (im *importer) mustPerson(email string) int64 {
	if id := im.person(email); id != nil {
		return *id
	}
	return 0
}

func (im *importer) people(emails []string) []int64 {
	out := []int64{}
	for _, e := range emails {
		if id := im.person(e); id != nil {
			out = append(out, *id)
		}
	}
	return out
}

func (im *importer) item(k kind, v json.Number) (any, error) {
	archiveID, err := parseID(v)
	if err != nil {
		return v, nil
	}
	id, err := im.id(k, archiveID)
	if err != nil || im.collect {
		return v, err
	}
	return json.Number(strconv.FormatInt(id, 10)), nil
}

func (im *importer) user(v any) (any, error) {
	email, ok := v.(string)
	if !ok {
		return nil, nil // a number here is another installation's id: never trust it
	}
	id := im.person(email)
	if im.collect {
		return v, nil
	}
	if id == nil {
		return nil, nil
	}
	return json.Number(strconv.FormatInt(*id, 10)), nil
}

// rekey moves a key of the old project (CRM-R-3, CRM-CR-7) to the new one.
func (im *importer) rekey(s string) string {
	if s == im.oldKey {
		return im.newKey
	}
	if rest, ok := strings.CutPrefix(s, im.oldKey+"-"); ok {
		return im.newKey + "-" + rest
	}
	return s
}

// matchUsers finds the accounts of every person by email, whatever its case,
// in one query, and creates the missing ones disabled with a random password.
func (im *importer) matchUsers(ctx context.Context, tx bun.Tx, actorID int64) ([]string, error) {
	lows := make([]string, 0, len(im.emails))
	for low := range im.emails {
		lows = append(lows, low)
	}
	slices.Sort(lows)
	if len(lows) > 0 {
		var found []userRow
		if err := tx.NewSelect().Model(&found).Column("id", "email").Where("lower(email) IN (?)", bun.List(lows)).
			Scan(ctx); err != nil {
			return nil, database.MapError(err)
		}
		for _, u := range found {
			im.users[strings.ToLower(u.Email)] = u.ID
		}
	}
	names := map[string]Person{}
	for _, p := range im.a.People {
		names[strings.ToLower(strings.TrimSpace(p.Email))] = p
	}
	var created []string
	for _, low := range lows {
		if _, ok := im.users[low]; ok {
			continue
		}
		email := im.emails[low]
		p := names[low]
		name := strings.TrimSpace(p.Name)
		if name == "" {
			name, _, _ = strings.Cut(email, "@")
		}
		lang := p.Language
		if !slices.Contains(i18n.Languages, lang) {
			lang = i18n.English
		}
		u, err := account.Create(ctx, tx, actorID, account.NewUser{Email: email, Name: name, Password: randomPassword(), Language: lang})
		if err != nil {
			if apperr.Is(err, apperr.KindInvalid) {
				return nil, apperr.InvalidField("archive", "archive.bad_person", "Email", email)
			}
			return nil, err
		}
		if _, err := account.SetDisabled(ctx, tx, actorID, u.ID, true); err != nil {
			return nil, err
		}
		im.users[low] = u.ID
		created = append(created, u.Email)
	}
	return created, nil
}

func randomPassword() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// allocate takes, per kind, as many ids from the table's own sequence as the
// archive names: the living items' rows use them, and deleted items the trail
// mentions get ids no row will ever take.
func (im *importer) allocate(ctx context.Context, tx bun.Tx) error {
	im.blocks = map[kind][]int64{}
	for _, k := range kinds {
		n := max(im.max[k.kind], im.living[k.kind])
		if n == 0 {
			continue
		}
		var ids []int64
		if err := tx.NewRaw("SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)", k.table, n).
			Scan(ctx, &ids); err != nil {
			return database.MapError(err)
		}
		slices.Sort(ids)
		im.blocks[k.kind] = ids
	}
	return nil
}

func (im *importer) at(t time.Time) time.Time {
	if t.IsZero() {
		return im.now
	}
	return t
}

func rawOr(raw json.RawMessage, def string) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage(def)
	}
	return raw
}

// rowSet is everything to insert, in an order the foreign keys accept.
type rowSet struct {
	project      projectRow
	currentPhase *int64
	phases       []phaseRow
	members      []memberRow
	goals        []goalRow
	measurements []measurementRow
	requirements []requirementRow
	reqGoals     []requirementGoalRow
	milestones   []milestoneRow
	deliverables []deliverableRow
	reviews      []gateReviewRow
	actions      []reviewActionRow
	baselines    []baselineRow
	baseDates    []baselineDateRow
	risks        []riskRow
	riskReviews  []riskReviewRow
	changes      []changeRow
	votes        []voteRow
	assessments  []assessmentRow
	snapshots    []snapshotRow
	lines        []budgetLineRow
	spend        []spendRow
	comments     []commentRow
	mentions     []commentMentionRow
	adoption     []adoptionRow
	weekly       []weeklyReportRow
	schedule     []weeklySettingsRow
	audit        []auditRow
}

// convert maps the archive onto rows (on the first pass, only noting names).
func (im *importer) convert() (*rowSet, error) {
	a, rs := im.a, &rowSet{}
	var err error
	pid, err := im.id(kindProject, 1)
	if err != nil {
		return nil, err
	}
	p := a.Project
	rs.project = projectRow{ID: pid, Key: im.newKey, Name: p.Name, Description: p.Description, Sponsor: p.Sponsor,
		SponsorDepartment: p.SponsorDepartment, StartOn: p.StartOn, TargetOn: p.TargetOn, ScopeIn: p.ScopeIn,
		ScopeOut: p.ScopeOut, Archived: p.Archived, RequirementSeq: p.RequirementSeq, RiskSeq: p.RiskSeq,
		ChangeSeq: p.ChangeSeq, ChangeApprovalsNeeded: max(p.ChangeApprovalsNeeded, 1),
		ChangeRejectionRule: p.ChangeRejectionRule, PitfallThresholds: rawOr(p.PitfallThresholds, "{}"),
		Version: max(p.Version, 1), CreatedAt: im.at(p.CreatedAt), UpdatedAt: im.at(p.UpdatedAt)}
	if rs.project.ChangeRejectionRule == "" {
		rs.project.ChangeRejectionRule = "any"
	}
	if rs.currentPhase, err = im.optRef(kindPhase, p.CurrentPhaseID); err != nil {
		return nil, err
	}
	for _, ph := range a.Phases {
		id, err := im.id(kindPhase, ph.ID)
		if err != nil {
			return nil, err
		}
		rs.phases = append(rs.phases, phaseRow{ID: id, ProjectID: pid, Position: ph.Position, Name: ph.Name,
			PlannedStartOn: ph.PlannedStartOn, PlannedEndOn: ph.PlannedEndOn, Wave: ph.Wave, Version: ph.Version,
			CreatedAt: im.at(ph.CreatedAt), UpdatedAt: im.at(ph.UpdatedAt)})
	}
	seen := map[int64]bool{}
	for _, m := range a.Members {
		uid := im.mustPerson(m.Email)
		if !im.collect && (uid == 0 || seen[uid]) {
			return nil, apperr.InvalidField("archive", "archive.bad_person", "Email", m.Email)
		}
		seen[uid] = true
		rs.members = append(rs.members, memberRow{ProjectID: pid, UserID: uid, Role: m.Role, Department: m.Department,
			Version: m.Version, CreatedAt: im.at(m.CreatedAt), UpdatedAt: im.at(m.UpdatedAt)})
	}
	for _, g := range a.Goals {
		id, err := im.id(kindGoal, g.ID)
		if err != nil {
			return nil, err
		}
		rs.goals = append(rs.goals, goalRow{ID: id, ProjectID: pid, Title: g.Title, Metric: g.Metric, Unit: g.Unit,
			Baseline: g.Baseline, Target: g.Target, Direction: g.Direction, Category: g.Category, StartOn: g.StartOn,
			DueOn: g.DueOn, OwnerID: im.mustPerson(g.Owner), Notes: g.Notes, Cadence: cmp.Or(g.Cadence, "monthly"), Version: g.Version,
			CreatedAt: im.at(g.CreatedAt), UpdatedAt: im.at(g.UpdatedAt)})
		for _, m := range g.Measurements {
			mid, err := im.id(kindMeasurement, m.ID)
			if err != nil {
				return nil, err
			}
			rs.measurements = append(rs.measurements, measurementRow{ID: mid, GoalID: id, Value: m.Value,
				MeasuredOn: m.MeasuredOn, Note: m.Note, Source: m.Source, EnteredBy: im.person(m.EnteredBy),
				CreatedAt: im.at(m.CreatedAt)})
		}
	}
	for _, r := range a.Requirements {
		id, err := im.id(kindRequirement, r.ID)
		if err != nil {
			return nil, err
		}
		phase, err := im.optRef(kindPhase, r.PhaseID)
		if err != nil {
			return nil, err
		}
		rs.requirements = append(rs.requirements, requirementRow{ID: id, ProjectID: pid, Number: r.Number, Title: r.Title,
			UserStory: r.UserStory, AcceptanceCriteria: nonNil(r.AcceptanceCriteria), Tier: r.Tier, Rank: r.Rank,
			PhaseID: phase, Kind: r.Kind, Approach: r.Approach, OwnerID: im.person(r.Owner), Status: r.Status,
			EstimateDays: r.EstimateDays, Version: r.Version, CreatedAt: im.at(r.CreatedAt), UpdatedAt: im.at(r.UpdatedAt)})
		for _, g := range r.GoalIDs {
			gid, err := im.ref(kindGoal, g)
			if err != nil {
				return nil, err
			}
			rs.reqGoals = append(rs.reqGoals, requirementGoalRow{RequirementID: id, GoalID: gid})
		}
	}
	for _, m := range a.Milestones {
		id, err := im.id(kindMilestone, m.ID)
		if err != nil {
			return nil, err
		}
		phase, err := im.optRef(kindPhase, m.PhaseID)
		if err != nil {
			return nil, err
		}
		typ, readiness := m.Type, m.Readiness
		if typ == "" {
			typ = "other" // an archive written before milestones had types
		}
		if readiness == nil {
			readiness = map[string]bool{}
		}
		rs.milestones = append(rs.milestones, milestoneRow{ID: id, ProjectID: pid, PhaseID: phase, Name: m.Name,
			OwnerID: im.person(m.Owner), PlannedOn: m.PlannedOn, ForecastOn: m.ForecastOn, ActualOn: m.ActualOn,
			IsGate: m.IsGate, Type: typ, Readiness: readiness, Notes: m.Notes, Version: m.Version, CreatedAt: im.at(m.CreatedAt), UpdatedAt: im.at(m.UpdatedAt)})
		for _, d := range m.Deliverables {
			did, err := im.id(kindDeliverable, d.ID)
			if err != nil {
				return nil, err
			}
			rs.deliverables = append(rs.deliverables, deliverableRow{ID: did, MilestoneID: id, Position: d.Position,
				Title: d.Title, Done: d.Done, DoneBy: im.person(d.DoneBy), DoneAt: d.DoneAt})
		}
		for _, r := range m.Reviews {
			rid, err := im.id(kindGateReview, r.ID)
			if err != nil {
				return nil, err
			}
			pack := r.Pack
			if a.FormatVersion >= packIDsVersion {
				if pack, err = remapPack(im, r.Pack); err != nil {
					return nil, err
				}
			}
			rs.reviews = append(rs.reviews, gateReviewRow{ID: rid, ProjectID: pid, MilestoneID: id, ScheduledOn: r.ScheduledOn,
				Invited: im.people(r.Invited), Decision: r.Decision, Attendees: im.people(r.Attendees), Notes: r.Notes,
				DecidedBy: im.person(r.DecidedBy), DecidedAt: r.DecidedAt, Pack: pack, Version: r.Version,
				CreatedAt: im.at(r.CreatedAt)})
			for _, x := range r.Actions {
				aid, err := im.id(kindReviewAction, x.ID)
				if err != nil {
					return nil, err
				}
				rs.actions = append(rs.actions, reviewActionRow{ID: aid, ReviewID: rid, Text: x.Text,
					OwnerID: im.person(x.Owner), DueOn: x.DueOn, Status: x.Status})
			}
		}
	}
	for _, b := range a.Baselines {
		id, err := im.id(kindBaseline, b.ID)
		if err != nil {
			return nil, err
		}
		review, err := im.optRef(kindGateReview, b.ReviewID)
		if err != nil {
			return nil, err
		}
		rs.baselines = append(rs.baselines, baselineRow{ID: id, ProjectID: pid, Label: b.Label, Source: b.Source,
			ReviewID: review, TakenBy: im.person(b.TakenBy), TakenAt: im.at(b.TakenAt)})
		for _, d := range b.Dates {
			mid, err := im.ref(kindMilestone, d.MilestoneID)
			if err != nil {
				return nil, err
			}
			rs.baseDates = append(rs.baseDates, baselineDateRow{BaselineID: id, MilestoneID: mid, PlannedOn: d.PlannedOn})
		}
	}
	for _, r := range a.Risks {
		id, err := im.id(kindRisk, r.ID)
		if err != nil {
			return nil, err
		}
		ms, err := im.optRef(kindMilestone, r.MilestoneID)
		if err != nil {
			return nil, err
		}
		rs.risks = append(rs.risks, riskRow{ID: id, ProjectID: pid, Number: r.Number, Title: r.Title,
			Description: r.Description, Category: r.Category, Probability: r.Probability, Impact: r.Impact,
			InitialProbability: r.InitialProbability, InitialImpact: r.InitialImpact,
			ResidualProbability: r.ResidualProbability, ResidualImpact: r.ResidualImpact, OwnerID: im.mustPerson(r.Owner),
			Mitigation: r.Mitigation, Contingency: r.Contingency, Trigger: r.Trigger, Status: r.Status,
			IdentifiedOn: r.IdentifiedOn, NextReviewOn: r.NextReviewOn, MilestoneID: ms, Version: r.Version,
			CreatedAt: im.at(r.CreatedAt), UpdatedAt: im.at(r.UpdatedAt)})
		for _, v := range r.Reviews {
			vid, err := im.id(kindRiskReview, v.ID)
			if err != nil {
				return nil, err
			}
			rs.riskReviews = append(rs.riskReviews, riskReviewRow{ID: vid, RiskID: id, ReviewedOn: v.ReviewedOn,
				ReviewerID: im.person(v.Reviewer), Note: v.Note, Probability: v.Probability, Impact: v.Impact,
				CreatedAt: im.at(v.CreatedAt)})
		}
	}
	for _, c := range a.ChangeRequests {
		id, err := im.id(kindChange, c.ID)
		if err != nil {
			return nil, err
		}
		row := changeRow{ID: id, ProjectID: pid, Number: c.Number, Title: c.Title, Reason: c.Reason,
			Description: c.Description, ExpectedEffect: c.ExpectedEffect, RequestedBy: im.person(c.RequestedBy),
			GoalIDs: []int64{}, ScheduleDays: c.ScheduleDays, Cost: c.Cost, EffortDays: c.EffortDays,
			AffectedRoles: nonNil(c.AffectedRoles), AffectedDepartments: nonNil(c.AffectedDepartments),
			AffectedNote: c.AffectedNote, Status: c.Status, SubmittedAt: c.SubmittedAt, DecidedAt: c.DecidedAt,
			AppliedAt: c.AppliedAt, AppliedBy: im.person(c.AppliedBy), ApplyResult: c.ApplyResult, Version: c.Version,
			CreatedAt: im.at(c.CreatedAt), UpdatedAt: im.at(c.UpdatedAt)}
		for _, g := range c.GoalIDs {
			gid, err := im.id(kindGoal, g) // a deleted goal too: the column has no foreign key
			if err != nil {
				return nil, err
			}
			row.GoalIDs = append(row.GoalIDs, gid)
		}
		if row.Operations, err = remapJSON(im, rawOr(c.Operations, "[]"), ""); err != nil {
			return nil, err
		}
		if c.ApprovedVersions != nil {
			vs, err := remapVersions(im, c.ApprovedVersions)
			if err != nil {
				return nil, err
			}
			if row.ApprovedVersions, err = json.Marshal(vs); err != nil {
				return nil, err
			}
		}
		rs.changes = append(rs.changes, row)
		for _, v := range c.Votes {
			rs.votes = append(rs.votes, voteRow{ChangeID: id, VoterID: im.mustPerson(v.Voter), Approve: v.Approve,
				Comment: v.Comment, VotedAt: im.at(v.VotedAt)})
		}
	}
	for _, s := range a.PitfallAssessments {
		rs.assessments = append(rs.assessments, assessmentRow{ProjectID: pid, Code: s.Code, Status: s.Status,
			Answers: rawOr(s.Answers, "[]"), Notes: s.Notes, OwnerID: im.person(s.Owner), NextReviewOn: s.NextReviewOn,
			Version: s.Version, UpdatedAt: im.at(s.UpdatedAt)})
	}
	for _, s := range a.HealthSnapshots {
		rs.snapshots = append(rs.snapshots, snapshotRow{ProjectID: pid, Day: s.Day, Score: s.Score,
			Breakdown: withoutRevision(rawOr(s.Breakdown, "{}"))})
	}
	for _, l := range a.BudgetLines {
		id, err := im.id(kindBudgetLine, l.ID)
		if err != nil {
			return nil, err
		}
		rs.lines = append(rs.lines, budgetLineRow{ID: id, ProjectID: pid, Category: l.Category, Planned: l.Planned,
			Currency: l.Currency, Version: l.Version, CreatedAt: im.at(l.CreatedAt)})
		for _, s := range l.Spend {
			sid, err := im.id(kindSpend, s.ID)
			if err != nil {
				return nil, err
			}
			rs.spend = append(rs.spend, spendRow{ID: sid, ProjectID: pid, LineID: id, SpentOn: s.SpentOn, Amount: s.Amount,
				Note: s.Note, EnteredBy: im.person(s.EnteredBy), CreatedAt: im.at(s.CreatedAt)})
		}
	}
	for _, c := range a.Comments {
		id, err := im.id(kindComment, c.ID)
		if err != nil {
			return nil, err
		}
		k, ok := commentItemKinds[c.Kind]
		if !ok {
			return nil, apperr.InvalidField("archive", "archive.bad_reference", "Kind", c.Kind, "ID", c.ItemID)
		}
		item, err := im.ref(k, c.ItemID)
		if err != nil {
			return nil, err
		}
		author := im.mustPerson(c.Author)
		if !im.collect && author == 0 {
			return nil, apperr.InvalidField("archive", "archive.bad_person", "Email", c.Author)
		}
		rs.comments = append(rs.comments, commentRow{ID: id, ProjectID: pid, Entity: c.Kind, EntityID: item,
			AuthorID: author, Body: c.Body, Version: max(c.Version, 1), CreatedAt: im.at(c.CreatedAt), UpdatedAt: im.at(c.UpdatedAt)})
		for _, uid := range im.people(c.Mentions) {
			rs.mentions = append(rs.mentions, commentMentionRow{CommentID: id, UserID: uid})
		}
	}
	for _, f := range a.Adoption {
		id, err := im.id(kindAdoption, f.ID)
		if err != nil {
			return nil, err
		}
		rs.adoption = append(rs.adoption, adoptionRow{ID: id, ProjectID: pid, Week: f.Week, Department: f.Department,
			Role: f.Role, LicensedUsers: f.LicensedUsers, ActiveUsers: f.ActiveUsers, LeadsCreated: f.LeadsCreated,
			OpportunitiesCreated: f.OpportunitiesCreated, FollowUpsCreated: f.FollowUpsCreated, RequiredFilled: f.RequiredFilled,
			Source: f.Source, EnteredBy: im.person(f.EnteredBy), Version: max(f.Version, 1),
			CreatedAt: im.at(f.CreatedAt), UpdatedAt: im.at(f.UpdatedAt)})
	}
	for _, r := range a.WeeklyReports {
		id, err := im.id(kindWeeklyReport, r.ID)
		if err != nil {
			return nil, err
		}
		content, err := remapWeeklyContent(im, rawOr(r.Content, "{}"))
		if err != nil {
			return nil, err
		}
		rs.weekly = append(rs.weekly, weeklyReportRow{ID: id, ProjectID: pid, WeekStart: r.WeekStart, Status: r.Status,
			Content: content, Summary: r.Summary, BuiltAt: im.at(r.BuiltAt), BuiltBy: im.person(r.BuiltBy), SentAt: r.SentAt,
			SentBy: im.person(r.SentBy), SentRoles: nonNil(r.SentRoles), Version: max(r.Version, 1),
			CreatedAt: im.at(r.CreatedAt), UpdatedAt: im.at(r.UpdatedAt)})
	}
	if s := a.WeeklySettings; s != nil {
		// A project imported under its own key has moved and goes on
		// sending; under another key it is a copy, and its original may
		// still send the same report to the same people.
		autoSend := s.AutoSend && !im.copying()
		rs.schedule = append(rs.schedule, weeklySettingsRow{ProjectID: pid, AutoSend: autoSend, Weekday: s.Weekday,
			Hour: s.Hour, Roles: nonNil(s.Roles), Version: max(s.Version, 1)})
	}
	for _, e := range a.Audit {
		row := auditRow{ProjectID: &pid, ActorID: im.person(e.Actor), At: im.at(e.At), Entity: e.Entity,
			EntityID: e.EntityID, Action: e.Action, Ref: im.rekey(e.Ref)}
		idKind := entityKinds[e.Entity]
		switch {
		case e.Entity == "member":
			if uid := im.person(e.EntityID); uid != nil {
				row.EntityID = strconv.FormatInt(*uid, 10)
			}
		case e.Entity == weeklySettingsEntity:
			row.EntityID = strconv.FormatInt(pid, 10)
		case idKind == kindWeeklyReport && a.WeeklyReports == nil:
			// An archive written before weekly reports travelled: its
			// entries keep the other installation's ids, as they did.
			idKind = ""
		case entityIDIsID(e.Entity):
			if archiveID, err := strconv.ParseInt(e.EntityID, 10, 64); err == nil {
				id, err := im.id(entityKinds[e.Entity], archiveID)
				if err != nil {
					return nil, err
				}
				row.EntityID = strconv.FormatInt(id, 10)
			}
		default:
			row.EntityID = im.rekey(e.EntityID)
		}
		if e.Entity == "change_vote" || idKind == kindUser {
			idKind = ""
		}
		if row.Before, err = remapJSON(im, e.Before, idKind); err != nil {
			return nil, err
		}
		if row.After, err = remapJSON(im, e.After, idKind); err != nil {
			return nil, err
		}
		rs.audit = append(rs.audit, row)
	}
	return rs, nil
}

// insert writes the rows; the caller's transaction makes it all or nothing.
func (rs *rowSet) insert(ctx context.Context, tx bun.Tx) error {
	if _, err := tx.NewInsert().Model(&rs.project).Exec(ctx); err != nil {
		return err
	}
	steps := []func() error{
		func() error { return insertAll(ctx, tx, rs.phases) },
		func() error {
			if rs.currentPhase == nil {
				return nil
			}
			_, err := tx.NewUpdate().Table("projects").Set("current_phase_id = ?", *rs.currentPhase).
				Where("id = ?", rs.project.ID).Exec(ctx)
			return err
		},
		func() error { return insertAll(ctx, tx, rs.members) },
		func() error { return insertAll(ctx, tx, rs.goals) },
		func() error { return insertAll(ctx, tx, rs.measurements) },
		func() error { return insertAll(ctx, tx, rs.requirements) },
		func() error { return insertAll(ctx, tx, rs.reqGoals) },
		func() error { return insertAll(ctx, tx, rs.milestones) },
		func() error { return insertAll(ctx, tx, rs.deliverables) },
		func() error { return insertAll(ctx, tx, rs.reviews) },
		func() error { return insertAll(ctx, tx, rs.actions) },
		func() error { return insertAll(ctx, tx, rs.baselines) },
		func() error { return insertAll(ctx, tx, rs.baseDates) },
		func() error { return insertAll(ctx, tx, rs.risks) },
		func() error { return insertAll(ctx, tx, rs.riskReviews) },
		func() error { return insertAll(ctx, tx, rs.changes) },
		func() error { return insertAll(ctx, tx, rs.votes) },
		func() error { return insertAll(ctx, tx, rs.assessments) },
		func() error { return insertAll(ctx, tx, rs.snapshots) },
		func() error { return insertAll(ctx, tx, rs.lines) },
		func() error { return insertAll(ctx, tx, rs.spend) },
		func() error { return insertAll(ctx, tx, rs.comments) },
		func() error { return insertAll(ctx, tx, rs.mentions) },
		func() error { return insertAll(ctx, tx, rs.adoption) },
		func() error { return insertAll(ctx, tx, rs.weekly) },
		func() error { return insertAll(ctx, tx, rs.schedule) },
		func() error { return insertAll(ctx, tx, rs.audit) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func insertAll[T any](ctx context.Context, tx bun.Tx, rows []T) error {
	for start := 0; start < len(rows); start += insertChunk {
		part := rows[start:min(start+insertChunk, len(rows))]
		if _, err := tx.NewInsert().Model(&part).Exec(ctx); err != nil {
			return fmt.Errorf("%T: %w", part, err)
		}
	}
	return nil
}
