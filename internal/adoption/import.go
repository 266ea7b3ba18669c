package adoption

import (
	"strings"

	"golang.org/x/text/width"

	"rollout/internal/apperr"
	"rollout/internal/project"
	"rollout/internal/sheet"
)

// Columns of an adoption sheet, in English and Chinese. The export of the
// adoption page writes the English or Chinese names, so it imports again.
var columns = map[string][]string{
	"week":                  {"week", "iso week", "week_on", "周", "周次", "星期"},
	"department":            {"department", "dept", "部门"},
	"role":                  {"role", "角色", "岗位"},
	"licensed_users":        {"licensed_users", "licensed users", "licences", "licenses", "授权用户", "许可用户数", "授权用户数"},
	"active_users":          {"active_users", "active users", "活跃用户", "活跃用户数"},
	"leads_created":         {"leads_created", "leads created", "leads", "新建线索", "线索"},
	"opportunities_created": {"opportunities_created", "opportunities created", "opportunities", "新建商机", "商机"},
	"followups_created":     {"followups_created", "follow-ups created", "follow-ups", "followups", "新建跟进", "跟进记录", "跟进"},
	"required_filled":       {"required_filled", "required fields filled", "required fields filled %", "必填字段完整率", "必填完整率", "必填字段填写率"},
}

// Row is one data row of a sheet, as text, with its line in the file.
type Row struct {
	Line                 int    `json:"line"`
	Week                 string `json:"week"`
	Department           string `json:"department"`
	Role                 string `json:"role"`
	LicensedUsers        string `json:"licensed_users"`
	ActiveUsers          string `json:"active_users"`
	LeadsCreated         string `json:"leads_created"`
	OpportunitiesCreated string `json:"opportunities_created"`
	FollowUpsCreated     string `json:"followups_created"`
	RequiredFilled       string `json:"required_filled"`
}

// ReadRows maps a sheet's header and returns its data rows. A missing
// column is an Invalid error on "file" naming it.
func ReadRows(rows [][]string) ([]Row, error) {
	t, missing := sheet.ReadTable(rows, columns, "week", "licensed_users", "active_users")
	if len(missing) > 0 {
		return nil, apperr.InvalidField("file", "import.missing_columns", "Columns", strings.Join(missing, ", "))
	}
	out := make([]Row, len(t.Rows))
	for i, r := range t.Rows {
		out[i] = Row{Line: r.Line, Week: t.Cell(r, "week"), Department: t.Cell(r, "department"), Role: t.Cell(r, "role"),
			LicensedUsers: t.Cell(r, "licensed_users"), ActiveUsers: t.Cell(r, "active_users"),
			LeadsCreated: t.Cell(r, "leads_created"), OpportunitiesCreated: t.Cell(r, "opportunities_created"),
			FollowUpsCreated: t.Cell(r, "followups_created"), RequiredFilled: t.Cell(r, "required_filled")}
	}
	if len(out) == 0 {
		return nil, apperr.InvalidField("file", "import.no_rows")
	}
	return out, nil
}

// departmentNames reads a department as its code or its name in either language.
var departmentNames = map[string]project.Department{
	"销售": project.DeptSales, "客服": project.DeptService, "服务": project.DeptService, "市场": project.DeptMarketing,
	"运营": project.DeptOperations, "财务": project.DeptFinance, "信息技术": project.DeptIT, "it": project.DeptIT,
	"供应商": project.DeptVendor, "其他": project.DeptOther, "全部": "", "all": "", "合计": "", "total": "",
}

// Parse turns the text of a row into an input; cells that are not numbers
// come back as problems by field.
func (r Row) Parse() (Input, map[string]apperr.Message) {
	problems := map[string]apperr.Message{}
	in := Input{Week: r.Week, Role: r.Role}
	dept := strings.ToLower(strings.TrimSpace(r.Department))
	if d, ok := departmentNames[dept]; ok {
		dept = string(d)
	}
	for _, d := range project.Departments {
		if strings.EqualFold(dept, string(d)) {
			dept = string(d)
		}
	}
	in.Department = dept
	count := func(name, s string) *int64 {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil
		}
		v, err := sheet.ParseNumber(s)
		if err != nil || v != float64(int64(v)) {
			problems[name] = apperr.Msg("adoption.bad_count", "Value", s)
			return nil
		}
		n := int64(v)
		return &n
	}
	in.LicensedUsers = count("licensed_users", r.LicensedUsers)
	in.ActiveUsers = count("active_users", r.ActiveUsers)
	in.LeadsCreated = count("leads_created", r.LeadsCreated)
	in.OpportunitiesCreated = count("opportunities_created", r.OpportunitiesCreated)
	in.FollowUpsCreated = count("followups_created", r.FollowUpsCreated)
	if s := strings.TrimSpace(width.Narrow.String(r.RequiredFilled)); s != "" {
		v, err := sheet.ParseNumber(strings.TrimSpace(strings.TrimSuffix(s, "%")))
		if err != nil {
			problems["required_filled"] = apperr.Msg("import.bad_number", "Value", r.RequiredFilled)
		} else {
			in.RequiredFilled = &v
		}
	}
	return in, problems
}

// Inputs parses every row; problems[i] holds row i's cells that are not numbers.
func Inputs(rows []Row) ([]Input, []map[string]apperr.Message) {
	ins := make([]Input, len(rows))
	problems := make([]map[string]apperr.Message, len(rows))
	for i, r := range rows {
		ins[i], problems[i] = r.Parse()
	}
	return ins, problems
}
