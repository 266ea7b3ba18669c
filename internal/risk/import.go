package risk

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"golang.org/x/text/width"

	"rollout/internal/apperr"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/project"
	"rollout/internal/sheet"
)

// Columns of a risks sheet, by key, with the names each may go by in English
// and Chinese (compared without case). The export writes names from this list,
// so an exported sheet imports again.
var columns = map[string][]string{
	"key":                  {"key", "risk key", "编号", "风险编号"},
	"title":                {"title", "risk", "标题", "风险", "风险名称"},
	"category":             {"category", "类别", "分类", "风险类别"},
	"probability":          {"probability", "likelihood", "可能性", "概率"},
	"impact":               {"impact", "影响", "影响程度"},
	"residual_probability": {"residual probability", "residual_probability", "剩余可能性", "残余可能性"},
	"residual_impact":      {"residual impact", "residual_impact", "剩余影响", "残余影响"},
	"owner_email":          {"owner email", "owner_email", "owner e-mail", "负责人邮箱", "负责人电子邮箱"},
	"status":               {"status", "状态"},
	"next_review":          {"next review", "next_review", "next_review_on", "next review on", "下次评审", "下次评审日期", "下次复核", "下次复核日期"},
	"mitigation":           {"mitigation", "mitigation plan", "缓解措施", "应对措施"},
	"contingency":          {"contingency", "contingency plan", "应急预案", "应急计划"},
	"trigger":              {"trigger", "触发条件", "触发因素"},
	"description":          {"description", "描述", "说明"},
	"version":              {"version", "版本"},
}

// ColumnKeys are the columns of a risks sheet in the order the export writes them.
var ColumnKeys = []string{"key", "title", "category", "probability", "impact", "residual_probability",
	"residual_impact", "owner_email", "status", "next_review", "mitigation", "contingency", "trigger", "description", "version"}

// requiredColumns must be in every risks sheet.
var requiredColumns = []string{"title", "category", "probability", "impact"}

// fieldColumn maps an Input field (as in error messages) to its sheet column.
var fieldColumn = map[string]string{
	"title": "title", "description": "description", "category": "category", "probability": "probability",
	"impact": "impact", "residual_probability": "residual_probability", "residual_impact": "residual_impact",
	"owner_id": "owner_email", "mitigation": "mitigation", "contingency": "contingency", "trigger": "trigger",
	"status": "status", "next_review_on": "next_review",
}

// Vocabulary is what a sheet may write for a category or a status besides its
// code: the translated names, in every language. The web layer fills it from
// the messages, so the domain stays language-free.
type Vocabulary struct {
	categories map[string]Category
	statuses   map[string]Status
}

// NewVocabulary knows the codes themselves.
func NewVocabulary() *Vocabulary {
	v := &Vocabulary{categories: map[string]Category{}, statuses: map[string]Status{}}
	for _, c := range Categories {
		v.AddCategory(string(c), c)
	}
	for _, s := range Statuses {
		v.AddStatus(string(s), s)
	}
	return v
}

func vocabKey(s string) string { return strings.ToLower(strings.TrimSpace(width.Narrow.String(s))) }

// AddCategory lets name stand for a category.
func (v *Vocabulary) AddCategory(name string, c Category) { v.categories[vocabKey(name)] = c }

// AddStatus lets name stand for a status.
func (v *Vocabulary) AddStatus(name string, s Status) { v.statuses[vocabKey(name)] = s }

// ImportRow is one data row of a risks sheet: its line in the file (the
// header is line 1) and its cells by column key. A column missing from the
// sheet is missing from Cells; for a row with a key, that field keeps the
// risk's current value.
type ImportRow struct {
	Line  int               `json:"line"`
	Cells map[string]string `json:"cells"`
}

// Problem is what is wrong with one cell of a row (Column is "" for the row).
type Problem struct {
	Column  string
	Message apperr.Message
}

// RowResult is a row checked against the project: the risk it creates or
// updates, or what is wrong with it.
type RowResult struct {
	ImportRow
	Number    int    // the risk the row updates; 0 when it creates one
	Key       string // that risk's key
	Planned   Input  // what the row writes (meaningful when Problems is empty)
	OwnerName string
	Problems  []Problem
}

// ReadRows maps a sheet's header (its first non-blank row) and returns its
// data rows. A missing column is an Invalid error on "file" naming it.
func ReadRows(rows [][]string) ([]ImportRow, error) {
	t, missing := sheet.ReadTable(rows, columns, requiredColumns...)
	if len(missing) > 0 {
		return nil, apperr.InvalidField("file", "risk_import.missing_columns", "Columns", strings.Join(missing, ", "))
	}
	out := make([]ImportRow, len(t.Rows))
	for i, r := range t.Rows {
		cells := make(map[string]string, len(t.Columns))
		for key := range t.Columns {
			cells[key] = t.Cell(r, key)
		}
		out[i] = ImportRow{Line: r.Line, Cells: cells}
	}
	if len(out) == 0 {
		return nil, apperr.InvalidField("file", "risk_import.no_rows")
	}
	return out, nil
}

type importMember struct {
	UserID int64
	Name   string
	Email  string
	Role   project.Role
}

// CheckRows checks every row against the project's risks and members (two
// queries) and reports whether all of them are good.
func CheckRows(ctx context.Context, db bun.IDB, projectID int64, rows []ImportRow, vocab *Vocabulary, today date.Date) ([]RowResult, bool, error) {
	var projectKey string
	if err := db.NewSelect().Table("projects").Column("key").Where("id = ?", projectID).Scan(ctx, &projectKey); err != nil {
		return nil, false, database.MapError(err)
	}
	var risks []Risk
	if err := db.NewSelect().Model(&risks).Where("project_id = ?", projectID).Scan(ctx); err != nil {
		return nil, false, database.MapError(err)
	}
	byNumber := make(map[int]*Risk, len(risks))
	for i := range risks {
		risks[i].Key = KeyOf(projectKey, risks[i].Number)
		byNumber[risks[i].Number] = &risks[i]
	}
	var ms []importMember
	if err := db.NewSelect().TableExpr("members AS m").ColumnExpr("m.user_id, m.role, u.name, u.email").
		Join("JOIN users AS u ON u.id = m.user_id").Where("m.project_id = ?", projectID).Scan(ctx, &ms); err != nil {
		return nil, false, database.MapError(err)
	}
	byEmail := make(map[string]importMember, len(ms))
	byID := make(map[int64]importMember, len(ms))
	for _, m := range ms {
		byEmail[strings.ToLower(m.Email)] = m
		byID[m.UserID] = m
	}
	ok := true
	seen := map[int]int{} // risk number → line that updates it
	results := make([]RowResult, len(rows))
	for i, row := range rows {
		res := checkRow(row, projectKey, byNumber, byEmail, byID, seen, vocab, today)
		if len(res.Problems) > 0 {
			ok = false
		}
		results[i] = res
	}
	return results, ok, nil
}

func checkRow(row ImportRow, projectKey string, byNumber map[int]*Risk, byEmail map[string]importMember,
	byID map[int64]importMember, seen map[int]int, vocab *Vocabulary, today date.Date) RowResult {
	res := RowResult{ImportRow: row}
	problem := func(col, id string, kv ...any) {
		res.Problems = append(res.Problems, Problem{Column: col, Message: apperr.Msg(id, kv...)})
	}
	cell := func(key string) (string, bool) {
		v, ok := row.Cells[key]
		return strings.TrimSpace(v), ok
	}
	var existing *Risk
	if k, _ := cell("key"); k != "" {
		n, ok := parseKey(k, projectKey)
		existing = byNumber[n]
		switch {
		case !ok || existing == nil:
			problem("key", "risk_import.unknown_key", "Key", k)
		case seen[n] != 0:
			problem("key", "risk_import.duplicate_key", "Key", existing.Key, "Line", seen[n])
			existing = nil
		default:
			seen[n] = row.Line
			res.Number, res.Key = n, existing.Key
		}
	}
	in := Input{Status: Open}
	if existing != nil {
		in = InputOf(existing)
	}
	if v, ok := cell("title"); ok {
		in.Title = v
	}
	if v, ok := cell("description"); ok {
		in.Description = v
	}
	if v, ok := cell("mitigation"); ok {
		in.Mitigation = v
	}
	if v, ok := cell("contingency"); ok {
		in.Contingency = v
	}
	if v, ok := cell("trigger"); ok {
		in.Trigger = v
	}
	if v, ok := cell("category"); ok {
		c, known := vocab.categories[vocabKey(v)]
		switch {
		case v == "":
			problem("category", "validation.required")
		case !known:
			problem("category", "risk_import.bad_category", "Value", v)
		default:
			in.Category = c
		}
	}
	if v, ok := cell("status"); ok && v != "" {
		if s, known := vocab.statuses[vocabKey(v)]; known {
			in.Status = s
		} else {
			problem("status", "risk_import.bad_status", "Value", v)
		}
	}
	rating := func(col string, required bool, dst **int) {
		v, ok := cell(col)
		if !ok {
			return
		}
		if v == "" {
			if required {
				problem(col, "risk."+strings.TrimPrefix(col, "residual_")+"_range")
			}
			*dst = nil
			return
		}
		n, err := parseRating(v)
		if err != nil {
			problem(col, "risk_import.bad_rating", "Value", v)
			return
		}
		*dst = &n
	}
	p, i := &in.Probability, &in.Impact
	rating("probability", true, &p)
	rating("impact", true, &i)
	if p != nil {
		in.Probability = *p
	}
	if i != nil {
		in.Impact = *i
	}
	rating("residual_probability", false, &in.ResidualProbability)
	rating("residual_impact", false, &in.ResidualImpact)
	if v, ok := cell("next_review"); ok {
		if d, err := sheet.ParseDay(v); v != "" && err != nil {
			problem("next_review", "risk_import.bad_date", "Value", v)
		} else {
			in.NextReviewOn = d
		}
	}
	if v, ok := cell("owner_email"); ok {
		in.OwnerID = 0
		if v != "" {
			if m, known := byEmail[strings.ToLower(v)]; known {
				in.OwnerID = m.UserID
			} else {
				problem("owner_email", "risk_import.unknown_owner", "Email", v)
			}
		}
	}
	if v, _ := cell("version"); v != "" && existing != nil {
		if n, err := strconv.Atoi(v); err != nil || n != existing.Version {
			problem("version", "risk_import.stale", "Key", existing.Key, "Version", v, "Current", existing.Version)
		}
	}
	// The rules of Input, cell by cell, for whatever the row did not already fail.
	fields, err := in.checkFields(today)
	if err != nil {
		problem("", "error.invalid")
	}
	switch m, known := byID[in.OwnerID]; {
	case in.OwnerID != 0:
		res.OwnerName = m.Name
		if msg := ownerProblem(known, m.Role); msg.ID != "" {
			fields["owner_id"] = msg
		}
	case !hasProblem(res.Problems, "owner_email"):
		fields["owner_id"] = apperr.Msg("risk.owner_required")
	}
	for _, f := range []string{"title", "category", "probability", "impact", "residual_probability", "residual_impact",
		"owner_id", "status", "next_review_on", "mitigation", "contingency", "trigger", "description"} {
		if m, bad := fields[f]; bad && !hasProblem(res.Problems, fieldColumn[f]) {
			res.Problems = append(res.Problems, Problem{Column: fieldColumn[f], Message: m})
		}
	}
	res.Planned = in
	return res
}

func hasProblem(ps []Problem, col string) bool {
	for _, p := range ps {
		if p.Column == col {
			return true
		}
	}
	return false
}

// parseKey reads a risk key of this project (CRM-R-7, any case) or a bare number.
func parseKey(s, projectKey string) (int, bool) {
	s = strings.ToUpper(strings.TrimSpace(width.Narrow.String(s)))
	if rest, ok := strings.CutPrefix(s, strings.ToUpper(projectKey)+"-R-"); ok {
		s = rest
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// parseRating reads a whole number as typed or as a spreadsheet stores it
// ("4", "4.0", full-width "４"); the range is checked with the other rules.
func parseRating(s string) (int, error) {
	s = strings.TrimSpace(width.Narrow.String(s))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1000 {
		return 0, strconv.ErrSyntax
	}
	return int(f), nil
}

// Import writes every row or none: if any row is bad, nothing is written and
// the results say what is wrong with each. Rows with a key update that risk
// (the fields of columns present in the sheet); rows without one create a
// risk. Each write is audited with the reference "import".
func Import(ctx context.Context, db bun.IDB, actorID, projectID int64, rows []ImportRow, vocab *Vocabulary, today date.Date) ([]RowResult, error) {
	switch {
	case len(rows) == 0:
		return nil, apperr.InvalidField("file", "risk_import.no_rows")
	case len(rows) > sheet.MaxRows:
		return nil, apperr.InvalidField("file", "risk_import.too_many_rows", "Max", sheet.MaxRows)
	}
	var results []RowResult
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		// Hold the project (its risk counter) and its risks while checking and
		// writing, so that what was checked is what gets written.
		if _, err := tx.NewSelect().Table("projects").Column("id").Where("id = ?", projectID).For("UPDATE").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		if _, err := tx.NewSelect().Table("risks").Column("id").Where("project_id = ?", projectID).For("UPDATE").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		var ok bool
		var err error
		results, ok, err = CheckRows(ctx, tx, projectID, rows, vocab, today)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.InvalidField("file", "risk_import.rows_invalid")
		}
		for i, r := range results {
			if r.Number == 0 {
				created, err := create(ctx, tx, actorID, projectID, r.Planned, today, "import")
				if err != nil {
					return err
				}
				results[i].Number, results[i].Key = created.Number, created.Key
				continue
			}
			before, err := lock(ctx, tx, projectID, r.Number)
			if err != nil {
				return err
			}
			if _, err := update(ctx, tx, actorID, before, r.Planned, today, "import"); err != nil {
				return err
			}
		}
		return nil
	})
	return results, err
}

// ReviewRow is a review with its risk's key, for the export.
type ReviewRow struct {
	Review `bun:",extend"`
	Key    string `bun:"key"`
	Title  string `bun:"title"`
}

// ProjectReviews returns every review of the project's risks, by risk then date.
func ProjectReviews(ctx context.Context, db bun.IDB, projectID int64) ([]ReviewRow, error) {
	var rows []ReviewRow
	err := db.NewSelect().Model(&rows).
		ColumnExpr("rv.*, coalesce(u.name, '') AS reviewer_name, p.key || '-R-' || r.number AS key, r.title").
		Join("JOIN risks AS r ON r.id = rv.risk_id").
		Join("JOIN projects AS p ON p.id = r.project_id").
		Join("LEFT JOIN users AS u ON u.id = rv.reviewer_id").
		Where("r.project_id = ?", projectID).
		OrderExpr("r.number, rv.reviewed_on, rv.id").
		Scan(ctx)
	for i := range rows {
		rows[i].evaluate()
	}
	return rows, database.MapError(err)
}
