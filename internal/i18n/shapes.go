package i18n

import "strings"

// Every placeholder of every message is a plain {{.Name}}
// (TestPlaceholdersArePlain keeps it so), so a message whose data are all
// strings reads the same as its text translated once with a marker in each
// value's place and the values put back in. Lists translate their row
// labels ("Move DEMO-12 up") this way: go-i18n would otherwise run its
// template for every row.

// shape is a message cut at its placeholders: parts[0] slot[0] parts[1] …
type shape struct {
	parts []string
	slots []int // which value (in the call's order) goes after parts[i]
}

const maxStringValues = 8

// marker stands for the i-th value while the message is translated.
func marker(i int) string { return "\x00" + string(rune('0'+i)) + "\x00" }

// withStrings translates id when every value in kv is a string; ok is false
// when it cannot (a number may pick a plural form: T takes the long way).
func (t *Translator) withStrings(id string, kv []any) (string, bool) {
	if len(kv)%2 != 0 || len(kv)/2 > maxStringValues {
		return "", false
	}
	var key strings.Builder
	key.WriteString(id)
	for i := 0; i < len(kv); i += 2 {
		name, ok := kv[i].(string)
		if !ok {
			return "", false
		}
		if _, ok := kv[i+1].(string); !ok {
			return "", false
		}
		key.WriteByte(0)
		key.WriteString(name)
	}
	var sh *shape
	if v, ok := t.shapes.Load(key.String()); ok {
		sh = v.(*shape)
	} else {
		data := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			data[kv[i].(string)] = marker(i / 2)
		}
		s := t.TData(id, data)
		if s == id {
			return "", false // no such message: T shows the ID as always
		}
		sh = cut(s, len(kv)/2)
		t.shapes.Store(key.String(), sh)
	}
	var b strings.Builder
	for i, p := range sh.parts {
		b.WriteString(p)
		if i < len(sh.slots) {
			b.WriteString(kv[2*sh.slots[i]+1].(string))
		}
	}
	return b.String(), true
}

// cut splits a message translated with markers at each marker.
func cut(s string, n int) *shape {
	sh := &shape{}
	for {
		at, slot := -1, 0
		for i := 0; i < n; i++ {
			if j := strings.Index(s, marker(i)); j >= 0 && (at < 0 || j < at) {
				at, slot = j, i
			}
		}
		if at < 0 {
			sh.parts = append(sh.parts, s)
			return sh
		}
		sh.parts = append(sh.parts, s[:at])
		sh.slots = append(sh.slots, slot)
		s = s[at+len(marker(slot)):]
	}
}
