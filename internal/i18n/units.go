package i18n

import "strings"

// chineseUnits are the common units of goals written in Chinese.
var chineseUnits = map[string]string{"day": "天", "days": "天", "d": "天", "h": "小时", "hr": "小时", "hrs": "小时",
	"hour": "小时", "hours": "小时", "min": "分钟", "mins": "分钟", "minute": "分钟", "minutes": "分钟",
	"week": "周", "weeks": "周", "month": "个月", "months": "个月"}

// Unit writes a goal's unit in the translator's language when it is a
// common one (days → 天, h → 小时); any other unit as it was typed. Pages
// and messages both use it, so a unit reads the same in the weekly mail as
// on the goals page.
func (t *Translator) Unit(u string) string {
	if t.Lang == Chinese {
		if zh, ok := chineseUnits[strings.ToLower(strings.TrimSpace(u))]; ok {
			return zh
		}
	}
	return u
}
