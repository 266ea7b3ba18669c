package requirement

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"golang.org/x/text/width"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/sheet"
	"rollout/internal/validate"
)

// The backlog in and out as a spreadsheet. An export writes every column
// below, the key and version included, with headers and values in the
// reader's language; an import reads headers and values in either language
// (or as codes), so an exported file, edited and uploaded again, updates the
// rows that carry a key and appends the rows that do not. Checking writes
// nothing (CheckRows); Import checks again and writes every row or none.

// Column is one column of a requirements sheet.
type Column struct {
	Key      string   // its name in code, in the JSON of an upload, in message IDs
	English  string   // the header an English export writes
	Chinese  string   // the header a Chinese export writes
	Aliases  []string // other headers the import understands
	Required bool     // an import without it is refused
}

// Columns are the columns of a requirements sheet, in the order an export
// writes them.
var Columns = []Column{
	{Key: "key", English: "Key", Chinese: "编号", Aliases: []string{"requirement key", "需求编号"}},
	{Key: "title", English: "Title", Chinese: "标题", Aliases: []string{"requirement", "需求", "需求名称", "名称"}, Required: true},
	{Key: "story", English: "User story", Chinese: "用户故事", Aliases: []string{"user_story", "description", "描述", "需求描述"}},
	{Key: "criteria", English: "Acceptance criteria", Chinese: "验收标准", Aliases: []string{"acceptance_criteria", "验收条件"}},
	{Key: "tier", English: "Tier", Chinese: "优先级", Aliases: []string{"priority", "级别"}, Required: true},
	{Key: "phase", English: "Phase", Chinese: "阶段", Aliases: []string{"phase name", "实施阶段"}},
	{Key: "kind", English: "Kind", Chinese: "类型", Aliases: []string{"type", "需求类型", "类别"}, Required: true},
	{Key: "approach", English: "Approach", Chinese: "实现方式", Aliases: []string{"配置或定制", "方式"}, Required: true},
	{Key: "owner", English: "Owner email", Chinese: "负责人邮箱", Aliases: []string{"owner_email", "owner", "负责人", "业务负责人"}},
	{Key: "goals", English: "Goals", Chinese: "关联目标", Aliases: []string{"goal", "goal_ids", "目标", "服务目标", "服务的目标"}},
	{Key: "status", English: "Status", Chinese: "状态"},
	{Key: "estimate", English: "Estimate (days)", Chinese: "估算（人天）", Aliases: []string{"estimate_days", "estimate(days)", "days", "估算", "估算(人天)", "人天", "工作量"}},
	{Key: "version", English: "Version", Chinese: "版本", Aliases: []string{"版本号"}},
}

// Header returns the column headers an export writes, in Chinese or English.
func Header(chinese bool) []string {
	out := make([]string, len(Columns))
	for i, c := range Columns {
		out[i] = c.English
		if chinese {
			out[i] = c.Chinese
		}
	}
	return out
}

// ColumnName returns a column's header in Chinese or English (the key when unknown).
func ColumnName(key string, chinese bool) string {
	for _, c := range Columns {
		if c.Key == key {
			if chinese {
				return c.Chinese
			}
			return c.English
		}
	}
	return key
}

var columnNames = func() map[string][]string {
	m := map[string][]string{}
	for _, c := range Columns {
		m[c.Key] = append([]string{c.Key, c.English, c.Chinese}, c.Aliases...)
	}
	return m
}()

// label is the words for one code of an enumeration.
type label struct {
	code, english, chinese string
	aliases                []string
}

// labels are the words a sheet may use for tiers, kinds, approaches and
// statuses, besides the codes themselves. An export writes the English or
// Chinese word; the pages show the same words (enum.* messages), and a test
// makes sure every one of those imports.
var labels = map[string][]label{
	"tier": {
		{string(Must), "Must", "必须", []string{"必需", "必要", "must have", "must-have"}},
		{string(Important), "Important", "重要", []string{"should", "should have"}},
		{string(Optional), "Optional", "可选", []string{"could", "nice to have", "可有可无"}},
	},
	"kind": {
		{string(Process), "Process", "业务流程", []string{"流程"}},
		{string(Feature), "Feature", "功能", []string{"function"}},
		{string(Report), "Report", "报表", []string{"dashboard", "reports", "报告", "看板"}},
		{string(Integration), "Integration", "系统集成", []string{"interface", "接口", "集成"}},
		{string(DataMigration), "Data migration", "数据迁移", []string{"migration", "data"}},
		{string(Training), "Training", "培训", nil},
		{string(ChangeManagement), "Change management", "变革管理", []string{"change", "communication", "变革", "推广沟通"}},
		{string(OtherKind), "Other", "其他", []string{"其它"}},
	},
	"approach": {
		{string(Configuration), "Configuration", "配置", []string{"configure", "config", "standard", "标准配置"}},
		{string(Customization), "Customisation", "定制开发", []string{"customization", "custom", "custom code", "定制", "二次开发"}},
	},
	"status": {
		{string(Proposed), "Proposed", "已提出", []string{"new", "提出", "待评审", "新建"}},
		{string(Approved), "Approved", "已批准", []string{"批准", "已确认"}},
		{string(InProgress), "In progress", "进行中", []string{"doing", "开发中", "实施中"}},
		{string(Done), "Done", "已完成", []string{"complete", "completed", "完成"}},
		{string(Rejected), "Rejected", "已拒绝", []string{"拒绝", "不做"}},
		{string(Deferred), "Deferred", "已推迟", []string{"postponed", "later", "延后", "推迟", "已延后"}},
	},
}

// Label returns the word for a code ("must", "data_migration") of one of the
// enumerations tier, kind, approach and status, in Chinese or English.
func Label(enum, code string, chinese bool) string {
	for _, l := range labels[enum] {
		if l.code == code {
			if chinese {
				return l.chinese
			}
			return l.english
		}
	}
	return code
}

// Labels returns the English and Chinese words of every code of an enumeration.
func Labels(enum string) (codes, english, chinese []string) {
	for _, l := range labels[enum] {
		codes, english, chinese = append(codes, l.code), append(english, l.english), append(chinese, l.chinese)
	}
	return
}

// plain makes words comparable: half-width, lower case, with _ and - read
// as spaces and runs of spaces as one.
func plain(s string) string {
	s = strings.ToLower(width.Narrow.String(s))
	s = strings.NewReplacer("_", " ", "-", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// ParseLabel finds the code a word of an enumeration stands for: the code
// itself, its English or Chinese word, or a common synonym.
func ParseLabel(enum, s string) (string, bool) {
	p := plain(s)
	for _, l := range labels[enum] {
		if p == plain(l.code) || p == plain(l.english) || p == plain(l.chinese) {
			return l.code, true
		}
		for _, a := range l.aliases {
			if p == plain(a) {
				return l.code, true
			}
		}
	}
	return "", false
}

// ImportRow is one data row of a requirements sheet, as text.
type ImportRow struct {
	Line     int    `json:"line"` // line in the file, counting the header as 1
	Key      string `json:"key,omitempty"`
	Title    string `json:"title,omitempty"`
	Story    string `json:"story,omitempty"`
	Criteria string `json:"criteria,omitempty"`
	Tier     string `json:"tier,omitempty"`
	Phase    string `json:"phase,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Approach string `json:"approach,omitempty"`
	Owner    string `json:"owner,omitempty"`
	Goals    string `json:"goals,omitempty"`
	Status   string `json:"status,omitempty"`
	Estimate string `json:"estimate,omitempty"`
	Version  string `json:"version,omitempty"`
}

// cell returns the text of a column.
func (r *ImportRow) cell(key string) *string {
	switch key {
	case "key":
		return &r.Key
	case "title":
		return &r.Title
	case "story":
		return &r.Story
	case "criteria":
		return &r.Criteria
	case "tier":
		return &r.Tier
	case "phase":
		return &r.Phase
	case "kind":
		return &r.Kind
	case "approach":
		return &r.Approach
	case "owner":
		return &r.Owner
	case "goals":
		return &r.Goals
	case "status":
		return &r.Status
	case "estimate":
		return &r.Estimate
	case "version":
		return &r.Version
	}
	return nil
}

// ImportFile is what a requirements sheet holds: the columns it has (an
// update leaves the fields of absent columns as they are) and its rows. It
// travels from the preview to the confirmation as JSON.
type ImportFile struct {
	Columns []string    `json:"columns"`
	Rows    []ImportRow `json:"rows"`
	// Seq is how many requirements the project had numbered when CheckRows
	// checked the file. Import refuses a file with new rows if more have been
	// numbered since: a confirmation sent twice adds nothing twice.
	Seq *int `json:"seq,omitempty"`
}

// Has reports whether the file has a column.
func (f *ImportFile) Has(key string) bool { return slices.Contains(f.Columns, key) }

// ReadRows maps a sheet's header (its first non-blank row) and returns its
// data rows. A missing column is an Invalid error on "file" naming it.
func ReadRows(rows [][]string) (*ImportFile, error) {
	var required []string
	for _, c := range Columns {
		if c.Required {
			required = append(required, c.Key)
		}
	}
	t, missing := sheet.ReadTable(rows, columnNames, required...)
	if len(missing) > 0 {
		names := make([]string, len(missing))
		for i, k := range missing {
			names[i] = ColumnName(k, false) + " (" + ColumnName(k, true) + ")"
		}
		return nil, apperr.InvalidField("file", "reqimport.missing_columns", "Columns", strings.Join(names, ", "))
	}
	f := &ImportFile{}
	for _, c := range Columns {
		if t.Has(c.Key) {
			f.Columns = append(f.Columns, c.Key)
		}
	}
	for _, r := range t.Rows {
		row := ImportRow{Line: r.Line}
		for _, key := range f.Columns {
			*row.cell(key) = unguard(t.Cell(r, key))
		}
		f.Rows = append(f.Rows, row)
	}
	if len(f.Rows) == 0 {
		return nil, apperr.InvalidField("file", "reqimport.no_rows")
	}
	return f, nil
}

// Guard protects a cell of a CSV export from being run as a formula by a
// spreadsheet (CSV injection): text starting with = + - @ gets a leading
// apostrophe, which spreadsheets hide and the import takes off again.
func Guard(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func unguard(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

// Action says what an import does with a row.
type Action string

// Actions of an import.
const (
	ActionCreate    Action = "create"
	ActionUpdate    Action = "update"
	ActionUnchanged Action = "unchanged" // an update that changes nothing: skipped
)

// RowError is one problem of a row, in one of its columns ("" for the row as a whole).
type RowError struct {
	Column  string
	Message apperr.Message
}

// RowResult is a row checked against the project: what it will do, or what
// is wrong with it.
type RowResult struct {
	ImportRow
	Action    Action // "" when the row has errors
	Number    int    // the requirement an update changes
	Changed   []string
	Errors    []RowError
	PhaseName string // the phase and owner the row resolves to, for the preview
	OwnerName string

	input Input
}

// Input returns what a good row writes.
func (r RowResult) Input() Input { return r.input }

func (r *RowResult) fail(column, id string, kv ...any) {
	r.Errors = append(r.Errors, RowError{Column: column, Message: apperr.Msg(id, kv...)})
}

func (r *RowResult) failed(column string) bool {
	for _, e := range r.Errors {
		if e.Column == column {
			return true
		}
	}
	return false
}

// checkContext is what rows are checked against, read in a few queries.
type checkContext struct {
	key      string
	seq      int                   // the project's requirement_seq
	phases   map[string][]phaseRef // by plain name
	phaseSeq []phaseRef            // in the project's order
	owners   map[int64]string      // emails of the current owners of the rows' requirements
	members  map[string]userRef    // by lower-case email
	names    map[string][]userRef  // members by plain name
	users    map[string]bool       // lower-case emails of accounts outside the project
	goals    map[int64]string
	byTitle  map[string][]int64 // goal ids by plain title
	existing map[int]*Requirement
}

type phaseRef struct {
	ID   int64
	Name string
}

type userRef struct {
	ID          int64
	Email, Name string
}

// CheckRows checks every row of a file against the project (in seven
// queries at most, whatever the number of rows) and reports whether all are
// good; it notes in f.Seq how far the backlog's numbering has got. Nothing
// is written.
func CheckRows(ctx context.Context, db bun.IDB, projectID int64, f *ImportFile) ([]RowResult, bool, error) {
	results, ok, cc, err := checkRows(ctx, db, projectID, f, false)
	if err == nil {
		f.Seq = &cc.seq
	}
	return results, ok, err
}

func checkRows(ctx context.Context, db bun.IDB, projectID int64, f *ImportFile, lock bool) ([]RowResult, bool, *checkContext, error) {
	cc, err := loadCheckContext(ctx, db, projectID, f, lock)
	if err != nil {
		return nil, false, nil, err
	}
	ok := true
	results := make([]RowResult, len(f.Rows))
	seen := map[int]int{} // requirement number → line of the file that names it
	for i, row := range f.Rows {
		res := RowResult{ImportRow: row}
		cc.checkRow(f, &res, seen)
		if len(res.Errors) > 0 {
			ok = false
			res.Action, res.Changed = "", nil
		}
		results[i] = res
	}
	return results, ok, cc, nil
}

func loadCheckContext(ctx context.Context, db bun.IDB, projectID int64, f *ImportFile, lock bool) (*checkContext, error) {
	cc := &checkContext{phases: map[string][]phaseRef{}, owners: map[int64]string{}, members: map[string]userRef{}, names: map[string][]userRef{},
		users: map[string]bool{}, goals: map[int64]string{}, byTitle: map[string][]int64{}, existing: map[int]*Requirement{}}
	if err := db.NewSelect().Table("projects").Column("key", "requirement_seq").Where("id = ?", projectID).Scan(ctx, &cc.key, &cc.seq); err != nil {
		return nil, database.MapError(err)
	}
	var phases []phaseRef
	if err := db.NewSelect().Table("phases").Column("id", "name").Where("project_id = ?", projectID).
		OrderExpr("position").Scan(ctx, &phases); err != nil {
		return nil, database.MapError(err)
	}
	cc.phaseSeq = phases
	for _, p := range phases {
		cc.phases[plain(p.Name)] = append(cc.phases[plain(p.Name)], p)
	}
	var members []userRef
	if err := db.NewSelect().TableExpr("members AS m").Join("JOIN users AS u ON u.id = m.user_id").
		ColumnExpr("u.id, u.email, u.name").Where("m.project_id = ?", projectID).Scan(ctx, &members); err != nil {
		return nil, database.MapError(err)
	}
	for _, m := range members {
		cc.members[strings.ToLower(m.Email)] = m
		cc.names[plain(m.Name)] = append(cc.names[plain(m.Name)], m)
	}
	var strangers []string
	for _, r := range f.Rows {
		if e := strings.ToLower(strings.TrimSpace(r.Owner)); strings.Contains(e, "@") {
			if _, ok := cc.members[e]; !ok && !slices.Contains(strangers, e) {
				strangers = append(strangers, e)
			}
		}
	}
	if len(strangers) > 0 {
		var known []string
		if err := db.NewSelect().Table("users").ColumnExpr("lower(email)").
			Where("lower(email) IN (?)", bun.List(strangers)).Scan(ctx, &known); err != nil {
			return nil, database.MapError(err)
		}
		for _, e := range known {
			cc.users[e] = true
		}
	}
	var goals []struct {
		ID    int64
		Title string
	}
	if err := db.NewSelect().Table("goals").Column("id", "title").Where("project_id = ?", projectID).Scan(ctx, &goals); err != nil {
		return nil, database.MapError(err)
	}
	for _, g := range goals {
		cc.goals[g.ID] = g.Title
		cc.byTitle[plain(g.Title)] = append(cc.byTitle[plain(g.Title)], g.ID)
	}
	var numbers []int
	for _, r := range f.Rows {
		if n, ok := parseKey(r.Key, cc.key); ok && n > 0 && !slices.Contains(numbers, n) {
			numbers = append(numbers, n)
		}
	}
	if len(numbers) > 0 {
		var rs []Requirement
		q := selectWithGoals(db, &rs).Where("r.project_id = ? AND r.number IN (?)", projectID, bun.List(numbers))
		if lock {
			q = q.For("UPDATE OF r")
		}
		if err := q.Scan(ctx); err != nil {
			return nil, database.MapError(err)
		}
		var owners []int64
		for i := range rs {
			cc.existing[rs[i].Number] = &rs[i]
			if o := rs[i].OwnerID; o != nil && !slices.Contains(owners, *o) {
				owners = append(owners, *o)
			}
		}
		// An owner may have left the project since: an unchanged cell keeps them.
		if len(owners) > 0 {
			var us []userRef
			if err := db.NewSelect().Table("users").Column("id", "email").Where("id IN (?)", bun.List(owners)).Scan(ctx, &us); err != nil {
				return nil, database.MapError(err)
			}
			for _, u := range us {
				cc.owners[u.ID] = u.Email
			}
		}
	}
	return cc, nil
}

// parseKey reads a requirement key: CRM-42 (the project's own key), or the
// number alone. ok is false for anything else; n is 0 for an empty key.
func parseKey(s, projectKey string) (n int, ok bool) {
	s = strings.ToUpper(width.Narrow.String(strings.TrimSpace(s)))
	if s == "" {
		return 0, true
	}
	s = strings.TrimPrefix(s, "#")
	if prefix, num, found := strings.Cut(s, "-"); found {
		if strings.TrimSpace(prefix) != projectKey {
			return 0, false
		}
		s = strings.TrimSpace(num)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || strings.HasPrefix(s, "+") {
		return 0, false
	}
	return n, true
}

func (cc *checkContext) checkRow(f *ImportFile, res *RowResult, seen map[int]int) {
	n, keyOK := parseKey(res.Key, cc.key)
	var current *Requirement
	switch {
	case !keyOK:
		res.fail("key", "reqimport.bad_key", "Value", res.Key, "Project", cc.key)
	case n != 0:
		key := cc.key + "-" + strconv.Itoa(n)
		current = cc.existing[n]
		switch line, dup := seen[n]; {
		case current == nil:
			res.fail("key", "reqimport.unknown_key", "Key", key)
		case dup:
			res.fail("key", "reqimport.duplicate_key", "Key", key, "Line", line)
			current = nil
		default:
			seen[n] = res.Line
			v, err := strconv.Atoi(strings.TrimSpace(res.Version))
			switch {
			case strings.TrimSpace(res.Version) == "":
				res.fail("version", "reqimport.version_missing", "Key", key)
			case err != nil:
				res.fail("version", "reqimport.bad_version", "Key", key, "Value", res.Version)
			case v != current.Version:
				res.fail("key", "reqimport.stale", "Key", key)
			}
		}
	}
	if !keyOK || (n != 0 && current == nil) {
		// Nothing to compare with: the other columns are still checked.
		current = nil
	}

	in := Input{Status: Proposed}
	if current != nil {
		in = InputOf(current)
		res.Number = current.Number
	}
	text := func(key string) (string, bool) {
		if !f.Has(key) {
			return "", false
		}
		return *res.cell(key), true
	}
	if v, ok := text("title"); ok && (current == nil || !sameText(v, current.Title)) {
		in.Title = v
		if v == "" {
			res.fail("title", "reqimport.required")
		}
	}
	if v, ok := text("story"); ok && (current == nil || !sameText(v, current.UserStory)) {
		in.UserStory = v
	}
	if v, ok := text("criteria"); ok && (current == nil || v != FormatCriteria(current.AcceptanceCriteria)) {
		in.AcceptanceCriteria = SplitCriteria(v)
	}
	for _, enum := range []string{"tier", "kind", "approach", "status"} {
		v, ok := text(enum)
		if !ok || (enum == "status" && v == "") {
			continue
		}
		code, known := ParseLabel(enum, v)
		switch {
		case v == "":
			res.fail(enum, "reqimport.required")
			continue
		case !known:
			_, en, zh := Labels(enum)
			res.fail(enum, "reqimport.unknown_value", "Value", v, "Allowed", strings.Join(en, ", ")+" ("+strings.Join(zh, ", ")+")")
			continue
		}
		switch enum {
		case "tier":
			in.Tier = Tier(code)
		case "kind":
			in.Kind = Kind(code)
		case "approach":
			in.Approach = Approach(code)
		case "status":
			in.Status = Status(code)
		}
	}
	if v, ok := text("phase"); ok && (current == nil || v != cc.phaseName(current.PhaseID)) {
		in.PhaseID = nil
		if v != "" {
			switch ps := cc.phases[plain(v)]; len(ps) {
			case 0:
				names := make([]string, len(cc.phaseSeq))
				for i, p := range cc.phaseSeq {
					names[i] = p.Name
				}
				res.fail("phase", "reqimport.unknown_phase", "Value", v, "Phases", strings.Join(names, ", "))
			case 1:
				in.PhaseID = &ps[0].ID
			default:
				res.fail("phase", "reqimport.ambiguous_phase", "Value", v)
			}
		}
	}
	if v, ok := text("owner"); ok && (current == nil || current.OwnerID == nil || !strings.EqualFold(v, cc.owners[*current.OwnerID])) {
		in.OwnerID = nil
		if v != "" {
			if u, found := cc.owner(v, res); found {
				in.OwnerID = &u.ID
			}
		}
	}
	if v, ok := text("goals"); ok && (current == nil || v != cc.goalRefs(current.GoalIDs)) {
		in.GoalIDs = cc.goalIDs(v, res)
	}
	if v, ok := text("estimate"); ok {
		in.EstimateDays = nil
		if v != "" {
			switch d, m := ParseEstimate(v); {
			case m == nil:
				in.EstimateDays = &d
			case m.ID == "validation.number_ambiguous":
				res.Errors = append(res.Errors, RowError{Column: "estimate", Message: *m})
			default:
				res.fail("estimate", "reqimport.bad_estimate", "Value", v)
			}
		}
	}

	in.normalize()
	if err := validate.Struct(&in); err != nil {
		if ae, ok := err.(*apperr.Error); ok {
			for field, m := range ae.Fields {
				col := columnOfField(field)
				if !res.failed(col) {
					res.Errors = append(res.Errors, RowError{Column: col, Message: m})
				}
			}
		}
	}
	slices.SortStableFunc(res.Errors, func(a, b RowError) int { return columnIndex(a.Column) - columnIndex(b.Column) })
	if current != nil {
		in.Version = current.Version
		res.Changed = changedColumns(InputOf(current), in)
		res.Action = ActionUpdate
		if len(res.Changed) == 0 {
			res.Action = ActionUnchanged
		} else if o := in.OwnerID; o != nil && !cc.isMember(*o) && !res.failed("owner") {
			// Kept from before, but its owner has left the project: the
			// update would be refused.
			res.fail("owner", "reqimport.owner_not_member", "Email", cc.owners[*o])
		}
	} else {
		res.Action = ActionCreate
	}
	res.PhaseName = cc.phaseName(in.PhaseID)
	if in.OwnerID != nil {
		res.OwnerName = cc.owners[*in.OwnerID]
		for _, m := range cc.members {
			if m.ID == *in.OwnerID {
				res.OwnerName = m.Name
			}
		}
	}
	res.input = in
}

func (cc *checkContext) phaseName(id *int64) string {
	if id == nil {
		return ""
	}
	for _, p := range cc.phaseSeq {
		if p.ID == *id {
			return p.Name
		}
	}
	return ""
}

func (cc *checkContext) isMember(userID int64) bool {
	for _, m := range cc.members {
		if m.ID == userID {
			return true
		}
	}
	return false
}

// sameText compares a cell with a stored text, whatever their line endings
// (a CSV reader turns CR LF into LF).
func sameText(cell, stored string) bool {
	n := strings.NewReplacer("\r\n", "\n", "\r", "\n")
	return n.Replace(cell) == n.Replace(stored)
}

// owner finds the member a cell names: by email, or by their exact name when
// no other member has it.
func (cc *checkContext) owner(v string, res *RowResult) (userRef, bool) {
	if strings.Contains(v, "@") {
		e := strings.ToLower(v)
		if m, ok := cc.members[e]; ok {
			return m, true
		}
		if cc.users[e] {
			res.fail("owner", "reqimport.owner_not_member", "Email", v)
		} else {
			res.fail("owner", "reqimport.unknown_owner", "Email", v)
		}
		return userRef{}, false
	}
	switch ms := cc.names[plain(v)]; len(ms) {
	case 1:
		return ms[0], true
	case 0:
		res.fail("owner", "reqimport.unknown_owner_name", "Name", v)
	default:
		res.fail("owner", "reqimport.ambiguous_owner", "Name", v)
	}
	return userRef{}, false
}

// goalIDs reads the goals a cell names, separated by semicolons or lines:
// titles (any case), or numbers as #12.
func (cc *checkContext) goalIDs(v string, res *RowResult) []int64 {
	var ids []int64
	for _, ref := range splitList(v) {
		ids2 := cc.byTitle[plain(ref)]
		if id, ok := goalNumber(ref); ok && (strings.HasPrefix(ref, "#") || len(ids2) == 0) {
			if _, known := cc.goals[id]; known {
				ids = append(ids, id)
			} else {
				res.fail("goals", "reqimport.unknown_goal_id", "Value", ref)
			}
			continue
		}
		switch len(ids2) {
		case 0:
			res.fail("goals", "reqimport.unknown_goal", "Value", ref)
		case 1:
			ids = append(ids, ids2[0])
		default:
			res.fail("goals", "reqimport.ambiguous_goal", "Value", ref)
		}
	}
	return ids
}

func goalNumber(ref string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimPrefix(width.Narrow.String(ref), "#"), 10, 64)
	return id, err == nil && id > 0
}

// goalRefs writes goals as a cell: titles separated by "; ", or #id for a
// goal whose title would not read back as that one goal.
func (cc *checkContext) goalRefs(ids []int64) string {
	refs := make([]string, len(ids))
	for i, id := range ids {
		refs[i] = goalRef(id, cc.goals[id], len(cc.byTitle[plain(cc.goals[id])]) == 1)
	}
	return strings.Join(refs, "; ")
}

func goalRef(id int64, title string, unique bool) string {
	_, numeric := goalNumber(title)
	if !unique || numeric || title == "" || strings.ContainsAny(title, ";；\n") || strings.HasPrefix(title, "#") || strings.TrimSpace(title) != title {
		return "#" + strconv.FormatInt(id, 10)
	}
	return title
}

// splitList splits a cell at semicolons (either width) and line breaks.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '；' || r == '\n' || r == '\r' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// SplitCriteria reads acceptance criteria from a cell: one per line, or,
// in a cell of one line, separated by semicolons.
func SplitCriteria(s string) []string {
	var parts []string
	if strings.ContainsAny(s, "\n\r") {
		parts = strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	} else {
		parts = strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '；' })
	}
	out := []string{}
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// FormatCriteria writes acceptance criteria as a cell, one per line. (A cell
// left as exported keeps the criteria exactly, even one holding a semicolon.)
func FormatCriteria(cs []string) string { return strings.Join(cs, "\n") }

// MaxEstimateDays bounds an estimate: more is a typing mistake.
const MaxEstimateDays = 100000

// ParseEstimate reads an estimate in days as people type it, in the form
// and in a sheet alike: 3, 2.5 or 2,5 (a decimal comma), "3 days", "3 天",
// "5人天". "1,500" is refused as ambiguous (1500 or 1.5?) rather than
// guessed. The message says what is wrong, with the text as typed.
func ParseEstimate(s string) (float64, *apperr.Message) {
	typed := strings.TrimSpace(s)
	s = strings.ToLower(width.Narrow.String(typed))
	for _, unit := range []string{"days", "day", "d", "人天", "天"} {
		if t, ok := strings.CutSuffix(s, unit); ok {
			s = strings.TrimSpace(t)
			break
		}
	}
	d, err := sheet.ParseQuantity(s, sheet.DecimalComma)
	switch {
	case errors.Is(err, sheet.ErrAmbiguous):
		m := apperr.Msg("validation.number_ambiguous", "Value", typed)
		return 0, &m
	case err != nil || d < 0 || d > MaxEstimateDays || strings.ContainsAny(s, "+-eE"):
		m := apperr.Msg("requirement.estimate_invalid")
		return 0, &m
	}
	return d, nil
}

// columnOfField maps an Input field (as validate names it) to its column.
func columnOfField(field string) string {
	field, _, _ = strings.Cut(field, "[")
	switch field {
	case "user_story":
		return "story"
	case "acceptance_criteria":
		return "criteria"
	case "phase_id":
		return "phase"
	case "owner_id":
		return "owner"
	case "goal_ids":
		return "goals"
	case "estimate_days":
		return "estimate"
	}
	return field
}

func columnIndex(key string) int {
	return slices.IndexFunc(Columns, func(c Column) bool { return c.Key == key })
}

// changedColumns lists the columns whose values differ between two inputs.
func changedColumns(a, b Input) []string {
	var out []string
	add := func(col string, same bool) {
		if !same {
			out = append(out, col)
		}
	}
	add("title", a.Title == b.Title)
	add("story", a.UserStory == b.UserStory)
	add("criteria", slices.Equal(a.AcceptanceCriteria, b.AcceptanceCriteria))
	add("tier", a.Tier == b.Tier)
	add("phase", samePhase(a.PhaseID, b.PhaseID))
	add("kind", a.Kind == b.Kind)
	add("approach", a.Approach == b.Approach)
	add("owner", samePhase(a.OwnerID, b.OwnerID))
	ga, gb := slices.Clone(a.GoalIDs), slices.Clone(b.GoalIDs)
	slices.Sort(ga)
	slices.Sort(gb)
	add("goals", slices.Equal(ga, gb))
	add("status", a.Status == b.Status)
	add("estimate", (a.EstimateDays == nil && b.EstimateDays == nil) ||
		(a.EstimateDays != nil && b.EstimateDays != nil && *a.EstimateDays == *b.EstimateDays))
	return out
}

// Import writes every row of a file or none, in one transaction: rows with a
// key update that requirement (if it is still at the version the file was
// exported with), rows without one are added at the bottom of the backlog in
// the order of the file; rows that change nothing are skipped. Each write
// has its audit entry with Ref "import". When a row is bad, nothing is
// written and the results say what is wrong with each row.
func Import(ctx context.Context, db bun.IDB, actorID, projectID int64, f *ImportFile) ([]RowResult, error) {
	switch {
	case f == nil || len(f.Rows) == 0:
		return nil, apperr.InvalidField("file", "reqimport.no_rows")
	case len(f.Rows) > sheet.MaxRows:
		return nil, apperr.InvalidField("file", "reqimport.too_many_rows", "Max", sheet.MaxRows)
	}
	for _, c := range Columns {
		if c.Required && !f.Has(c.Key) {
			return nil, apperr.InvalidField("file", "reqimport.missing_columns", "Columns", c.English+" ("+c.Chinese+")")
		}
	}
	var results []RowResult
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		// The project row serialises imports with each other and with every
		// creation (which takes the next number from it); the rows to update
		// are locked while they are checked, so what was checked is what is written.
		if _, err := tx.NewRaw("SELECT id FROM projects WHERE id = ? FOR UPDATE", projectID).Exec(ctx); err != nil {
			return database.MapError(err)
		}
		var ok bool
		var cc *checkContext
		var err error
		results, ok, cc, err = checkRows(ctx, tx, projectID, f, true)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.InvalidField("file", "reqimport.rows_invalid")
		}
		if f.Seq != nil && *f.Seq != cc.seq && slices.ContainsFunc(results, func(r RowResult) bool { return r.Action == ActionCreate }) {
			results = nil
			return apperr.InvalidField("file", "reqimport.backlog_moved")
		}
		var creates []int // indexes of the rows to add, in file order
		for i := range results {
			r := &results[i]
			switch r.Action {
			case ActionCreate:
				creates = append(creates, i)
			case ActionUpdate:
				if _, err := update(ctx, tx, actorID, projectID, r.Number, r.input, "import"); err != nil {
					return rowError(r, err)
				}
			}
		}
		ins := make([]Input, len(creates))
		for j, i := range creates {
			ins[j] = results[i].input
		}
		created, err := createMany(ctx, tx, actorID, projectID, ins, "import")
		if err != nil {
			return err
		}
		for j, i := range creates {
			results[i].Number = created[j].Number
		}
		return nil
	})
	return results, err
}

// createMany adds requirements at the bottom of the backlog, in order, with
// their audit entries, in a few statements whatever their number (create
// costs seven round trips a row, and a spreadsheet of thousands of rows must
// fit in a request). The inputs must have passed Input.check's rules:
// checkRows makes the same checks for a whole file at once, against the
// project's phases, members and goals as they stand inside the transaction.
func createMany(ctx context.Context, tx bun.Tx, actorID, projectID int64, ins []Input, ref string) ([]Requirement, error) {
	if len(ins) == 0 {
		return nil, nil
	}
	// Numbers and ranks as a create takes them (see insert), n at once: the
	// tail moves past the last new rank.
	var last int
	var tail int64
	if err := tx.NewRaw(`UPDATE projects SET requirement_seq = requirement_seq + ?,
		requirement_rank_tail = greatest(requirement_rank_tail, (SELECT coalesce(max(rank), 0) FROM requirements WHERE project_id = ?)) + ?
		WHERE id = ? RETURNING requirement_seq, requirement_rank_tail`,
		len(ins), projectID, int64(len(ins))*gap, projectID).Scan(ctx, &last, &tail); err != nil {
		return nil, database.MapError(err)
	}
	top := tail - int64(len(ins))*gap
	rs := make([]Requirement, len(ins))
	for i, in := range ins {
		rs[i] = Requirement{ProjectID: projectID, Version: 1, Number: last - len(ins) + 1 + i, Rank: top + int64(i+1)*gap}
		apply(&rs[i], in)
	}
	var reqIDs, goalIDs []int64
	writes := make([]audit.Write, 0, len(rs))
	for chunk := range slices.Chunk(rs, 1000) {
		want := make([]int, len(chunk))
		for i := range chunk {
			want[i] = chunk[i].Number
		}
		if _, err := tx.NewInsert().Model(&chunk).Returning("*").Exec(ctx); err != nil {
			return nil, database.MapError(err)
		}
		for i := range chunk {
			if chunk[i].Number != want[i] { // RETURNING keeps the order of VALUES; make sure
				return nil, apperr.Internal(fmt.Errorf("requirement: bulk insert returned number %d for %d", chunk[i].Number, want[i]))
			}
		}
	}
	for i := range rs {
		for _, g := range rs[i].GoalIDs {
			reqIDs, goalIDs = append(reqIDs, rs[i].ID), append(goalIDs, g)
		}
		writes = append(writes, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "requirement",
			EntityID: rs[i].ID, Action: audit.Create, After: &rs[i], Ref: ref})
	}
	if len(reqIDs) > 0 {
		if _, err := tx.NewRaw("INSERT INTO requirement_goals (requirement_id, goal_id) SELECT unnest(?::bigint[]), unnest(?::bigint[])",
			pgArray(reqIDs), pgArray(goalIDs)).Exec(ctx); err != nil {
			return nil, database.MapError(err)
		}
	}
	for chunk := range slices.Chunk(writes, 1000) {
		if err := audit.RecordMany(ctx, tx, chunk); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

// rowError attaches a refusal of the store to its row (the checks above
// should have caught it) and stops the import.
func rowError(r *RowResult, err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalid {
		return err
	}
	for field, m := range ae.Fields {
		r.Errors = append(r.Errors, RowError{Column: columnOfField(field), Message: m})
	}
	r.Action = ""
	return apperr.InvalidField("file", "reqimport.rows_invalid")
}

// Export returns the header and the rows of every requirement that matches
// the filter (all of them: no paging), in rank order, with the words of the
// reader's language. Imported again, the rows change nothing.
func Export(ctx context.Context, db bun.IDB, projectID int64, f Filter, chinese bool) ([]string, [][]any, error) {
	f.After, f.Limit = 0, 0
	var rs []struct {
		View       `bun:",extend"`
		OwnerEmail string `bun:"owner_email"`
	}
	q := selectWithGoals(db, &rs).
		ColumnExpr("p.key || '-' || r.number AS key").
		ColumnExpr("coalesce(u.email, '') AS owner_email").
		ColumnExpr("coalesce(ph.name, '') AS phase_name").
		Join("JOIN projects AS p ON p.id = r.project_id").
		Join("LEFT JOIN users AS u ON u.id = r.owner_id").
		Join("LEFT JOIN phases AS ph ON ph.id = r.phase_id").
		Where("r.project_id = ?", projectID).
		OrderExpr("r.rank")
	applyFilter(q, f)
	if err := q.Scan(ctx); err != nil {
		return nil, nil, database.MapError(err)
	}
	var goals []struct {
		ID    int64
		Title string
	}
	if err := db.NewSelect().Table("goals").Column("id", "title").Where("project_id = ?", projectID).Scan(ctx, &goals); err != nil {
		return nil, nil, database.MapError(err)
	}
	cc := &checkContext{goals: map[int64]string{}, byTitle: map[string][]int64{}}
	for _, g := range goals {
		cc.goals[g.ID] = g.Title
		cc.byTitle[plain(g.Title)] = append(cc.byTitle[plain(g.Title)], g.ID)
	}
	rows := make([][]any, len(rs))
	for i, r := range rs {
		var estimate any = ""
		if r.EstimateDays != nil {
			estimate = *r.EstimateDays
		}
		rows[i] = []any{r.Key, r.Title, r.UserStory, FormatCriteria(r.AcceptanceCriteria),
			Label("tier", string(r.Tier), chinese), r.PhaseName, Label("kind", string(r.Kind), chinese),
			Label("approach", string(r.Approach), chinese), r.OwnerEmail, cc.goalRefs(r.GoalIDs),
			Label("status", string(r.Status), chinese), estimate, r.Version}
	}
	return Header(chinese), rows, nil
}

// CellText writes an exported value as the text a CSV cell (or a spreadsheet
// showing it) holds: numbers in full, without exponent or trailing zeros.
func CellText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}
