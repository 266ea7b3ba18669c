package risk

import (
	"context"
	"slices"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/project"
)

// Starter is one of the risks almost every CRM rollout runs, offered when a
// project is created from the CRM template.
type Starter struct {
	Code                             string
	Category                         Category
	Probability, Impact              int
	Title, Description               string
	Mitigation, Contingency, Trigger string
}

// starterCodes are the starter risks in the order the form offers them.
var starterCodes = []string{"mock_migration", "integration_slip", "user_resistance", "vendor_capacity", "scope_creep", "dirty_data"}

// StarterCodes returns the codes of the starter risks, in form order.
func StarterCodes() []string { return slices.Clone(starterCodes) }

// starterRating is the rating a starter risk begins with: the project manager
// adjusts it at the first review.
var starterRating = map[string]struct {
	category            Category
	probability, impact int
}{
	"mock_migration":   {DataMigration, 3, 4},
	"integration_slip": {Integration, 3, 4},
	"user_resistance":  {Adoption, 4, 4},
	"vendor_capacity":  {Vendor, 2, 4},
	"scope_creep":      {Scope, 4, 3},
	"dirty_data":       {DataQuality, 4, 3},
}

// starterText holds each starter risk's words in each language: title,
// description, mitigation, contingency, trigger.
var starterText = map[string]map[string][5]string{
	"en": {
		"mock_migration": {
			"A mock data migration fails",
			"Customer, contact and opportunity data from the old tools has to arrive in the CRM complete and correct. Formats differ between departments, fields are missing or misused, and a first full run seldom reconciles.",
			"Map every field with its data owner and get the mapping signed off. Run at least two full mock migrations before go-live, and reconcile record counts and key totals after each one.",
			"Keep the old tools read-only and available; move go-live to the next window rather than starting on unreconciled data.",
			"A mock migration leaves records unloaded, or its counts do not reconcile with the source.",
		},
		"integration_slip": {
			"An integration slips",
			"The link to the ERP or to the lead sources is late or unreliable, and it holds up go-live because the main sales process depends on it.",
			"Connect only the one or two systems that matter most in phase one (lead sources, ERP orders). Agree on the data definitions on both sides early, and test end to end with real data.",
			"Exchange files in a scheduled batch for the first weeks, and put the remaining interfaces into phase two.",
			"The interface specification is not signed off on time, or the end-to-end test fails twice.",
		},
		"user_resistance": {
			"Users resist the new system",
			"Sales and service staff find data entry a burden, fear being watched, and keep working in spreadsheets and chat groups. The CRM then holds too little to be worth anything.",
			"Show each role what it gains (fewer duplicate reports, fewer questions across departments). Involve key users in prototype tests, train around a typical working day, tie incentives to use, and review usage figures weekly with the business owners.",
			"Coach people at their desks, have leaders run their meetings from the CRM's dashboards, and simplify the screens people complain about.",
			"Weekly active use stays below 60 % two weeks after go-live, or data keeps turning up in spreadsheets instead of the CRM.",
		},
		"vendor_capacity": {
			"The vendor lacks local implementation capacity",
			"The vendor was chosen for features and price; its local team is thin, consultants change, and support is slow to answer.",
			"Check references of similar local projects, name the consultants in the contract, and agree response times for support in writing.",
			"Bring in a certified local partner, and build an internal team of key users who can configure the standard objects.",
			"A named consultant is replaced, or support answers later than agreed twice in a month.",
		},
		"scope_creep": {
			"Scope creeps into phase one",
			"Every department adds its wishes; nothing is ranked and nobody says no, so phase one grows, testing gets harder and the date slips.",
			"Rank every requirement must / important / optional; phase one carries only what the main process needs. New requests go through a change request to the steering committee.",
			"Move optional and important items to phase two and re-plan phase one around the main process.",
			"The phase-one backlog grows by more than 10 % after it was agreed.",
		},
		"dirty_data": {
			"Data is dirtier than thought",
			"Duplicate customers, misspelt names and dead phone numbers pile up in the old systems. Loaded as they are, they make the CRM a place nobody trusts.",
			"Profile the data early. Set naming rules, de-duplication rules and required fields, name a data owner for each object, and clean in stages before each mock migration.",
			"Migrate active customers only and clean the rest after go-live, with owners and deadlines.",
			"Profiling finds more than 5 % duplicate customer records, or required fields empty in more than one record in ten.",
		},
	},
	"zh-CN": {
		"mock_migration": {
			"模拟数据迁移失败",
			"旧工具里的客户、联系人和商机数据要完整、正确地迁入CRM。各部门的数据格式不一，字段缺失或被挪作他用，第一次完整迁移很少能对得上账。",
			"与数据责任人逐个字段确认映射关系并签字。上线前至少完成两轮完整的模拟迁移，每轮之后核对记录数和关键汇总数。",
			"旧工具保持只读可用；数据对不上账时，宁可把上线推迟到下一个窗口，也不带着问题数据上线。",
			"某轮模拟迁移有记录未能导入，或记录数与源系统对不上。",
		},
		"integration_slip": {
			"系统集成延期",
			"与ERP或线索来源系统的接口迟迟未完成或不稳定，而主销售流程依赖它，拖住了整体上线。",
			"首期只打通业务最关键的一两个系统（如线索来源和ERP订单）。尽早与对方系统统一数据口径，并用真实数据做端到端测试。",
			"上线初期先用定时批量文件交换，其余接口放到二期。",
			"接口规格未能按期确认，或端到端测试连续两次失败。",
		},
		"user_resistance": {
			"用户抵触新系统",
			"销售和客服觉得录入麻烦，担心被“监控”，继续用Excel和聊天群工作，CRM里的数据少到没有价值。",
			"向每个岗位讲清楚用CRM能带来什么（少做重复报表、少跨部门来回询问）。让关键用户参与原型测试，围绕典型工作日做培训，把激励与使用挂钩，每周与业务负责人复盘使用数据。",
			"安排现场辅导，领导例会直接用CRM看板，并优先简化用户抱怨最多的页面。",
			"上线两周后周活跃率仍低于60%，或数据仍在Excel里流转而不进CRM。",
		},
		"vendor_capacity": {
			"供应商本地实施能力不足",
			"选型时只看功能和价格，供应商本地团队人手单薄、顾问频繁更换、售后响应慢。",
			"考察其在本地同类项目的案例，在合同中写明顾问人选，并以书面形式约定支持响应时限。",
			"引入有认证的本地合作伙伴，同时培养一支能配置标准对象的内部关键用户团队。",
			"合同指定的顾问被更换，或一个月内两次超出约定的响应时限。",
		},
		"scope_creep": {
			"首期范围蔓延",
			"各部门不断往里加需求，没有优先级，也没人敢说“不”，首期越做越大，测试越来越难，上线一拖再拖。",
			"所有需求按“必需、重要、可选”分级，首期只做支撑主业务流程的部分。新需求一律走变更申请，由指导委员会决定。",
			"把“可选”和“重要”的需求移到二期，围绕主流程重新规划首期。",
			"首期需求池在确认后又增长超过 10%。",
		},
		"dirty_data": {
			"数据比预想的更脏",
			"旧系统里堆积了重复客户、错别字和无效电话。原样导入，CRM就会变成没人信任的“垃圾库”。",
			"尽早做数据摸底。制定客户命名规范、去重规则和必填字段，为每类数据指定责任人，在每轮模拟迁移前分阶段清洗。",
			"只迁移活跃客户，其余数据在上线后按责任人和期限清理。",
			"摸底发现重复客户超过5%，或超过一成记录的必填字段为空。",
		},
	},
}

// Starters returns the starter risks in a language (English when it has none).
func Starters(lang string) []Starter {
	text, ok := starterText[lang]
	if !ok {
		text = starterText["en"]
	}
	out := make([]Starter, len(starterCodes))
	for i, code := range starterCodes {
		r, t := starterRating[code], text[code]
		out[i] = Starter{Code: code, Category: r.category, Probability: r.probability, Impact: r.impact,
			Title: t[0], Description: t[1], Mitigation: t[2], Contingency: t[3], Trigger: t[4]}
	}
	return out
}

// starterReview is how long after creation a starter risk is first reviewed.
const starterReview = 14

// StarterRisks returns a project extension that adds the chosen starter risks
// (by code) to a project being created: written in the creator's language,
// owned by the creator (its first project manager), open, first reviewed two
// weeks later. An unknown code refuses the whole project.
func StarterRisks(codes []string) project.Extension {
	return func(ctx context.Context, tx bun.Tx, p *project.Project, lang string) error {
		for _, c := range codes {
			if !slices.Contains(starterCodes, c) {
				return apperr.InvalidField("starter_risks", "risk.unknown_starter", "Code", c)
			}
		}
		if len(codes) == 0 {
			return nil
		}
		var creator int64
		err := tx.NewSelect().Table("members").Column("user_id").
			Where("project_id = ? AND role = ?", p.ID, project.RoleProjectManager).OrderExpr("created_at").Limit(1).
			Scan(ctx, &creator)
		if err != nil {
			return database.MapError(err)
		}
		today := date.Today()
		for _, s := range Starters(lang) {
			if !slices.Contains(codes, s.Code) {
				continue
			}
			_, err := Create(ctx, tx, creator, p.ID, Input{Title: s.Title, Description: s.Description, Category: s.Category,
				Probability: s.Probability, Impact: s.Impact, OwnerID: creator, Mitigation: s.Mitigation,
				Contingency: s.Contingency, Trigger: s.Trigger, Status: Open, NextReviewOn: today.AddDays(starterReview)}, today)
			if err != nil {
				return err
			}
		}
		return nil
	}
}
