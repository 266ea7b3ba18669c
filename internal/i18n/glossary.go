package i18n

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

//go:embed glossary.json
var glossaryJSON []byte

// Term is one concept of the glossary: its English and its one Chinese
// term, the Chinese variants that must not stand for it, and variants that
// are wrong only in some areas' message files (OnlyIn: area → variants).
type Term struct {
	EN        string              `json:"en"`
	ZH        string              `json:"zh"`
	Note      string              `json:"note,omitempty"`
	Forbidden []string            `json:"forbidden,omitempty"`
	OnlyIn    map[string][]string `json:"only_in,omitempty"`
}

// Glossary is Rollout's vocabulary in both languages (glossary.json).
type Glossary struct {
	About string `json:"about"`
	Rules struct {
		FullWidth map[string]string `json:"full_width"`
	} `json:"rules"`
	Terms []Term `json:"terms"`
}

// LoadGlossary reads the embedded glossary.
func LoadGlossary() (*Glossary, error) {
	var g Glossary
	if err := json.Unmarshal(glossaryJSON, &g); err != nil {
		return nil, fmt.Errorf("glossary.json: %w", err)
	}
	return &g, nil
}

// placeholders are template actions and URLs: their characters are neither
// Chinese nor punctuation of the sentence around them.
var placeholders = regexp.MustCompile(`\{\{.*?\}\}|https?://\S+`)

// IsCJK reports whether r is a Chinese character or full-width punctuation.
func IsCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef) ||
		r == '“' || r == '”' || r == '‘' || r == '’' || r == '…' || r == '—'
}

// HasHan reports whether s holds a Chinese character.
func HasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// Check returns what is wrong with one Chinese text of an area (the message
// file's area, such as "risk"; "" for texts outside the message files): a
// half-width , ; : ( ) whose nearest neighbour (spaces skipped) is Chinese,
// 你 instead of 您, and terms the glossary forbids. Numbers (1,000), times
// (10:00), URLs and template placeholders pass.
func (g *Glossary) Check(area, text string) []string {
	if !HasHan(text) {
		return nil
	}
	var problems []string
	masked := []rune(placeholders.ReplaceAllStringFunc(text, func(s string) string { return strings.Repeat("x", len([]rune(s))) }))
	neighbour := func(i, step int) rune {
		for j := i + step; j >= 0 && j < len(masked); j += step {
			if masked[j] != ' ' {
				return masked[j]
			}
		}
		return 0
	}
	for i, r := range masked {
		if _, ok := g.Rules.FullWidth[string(r)]; !ok {
			continue
		}
		// A comma, semicolon or colon belongs to the sentence on either side;
		// a bracket to what it encloses, or to a word it touches.
		bad := IsCJK(neighbour(i, -1)) || IsCJK(neighbour(i, 1))
		switch r {
		case '(':
			bad = IsCJK(neighbour(i, 1)) || (i > 0 && IsCJK(masked[i-1]))
		case ')':
			bad = IsCJK(neighbour(i, -1)) || (i+1 < len(masked) && IsCJK(masked[i+1]))
		}
		if bad {
			lo, hi := max(0, i-8), min(len(masked), i+9)
			problems = append(problems, fmt.Sprintf("half-width %q in Chinese (use %s): …%s…", r, g.Rules.FullWidth[string(r)], string([]rune(text)[lo:hi])))
		}
	}
	if strings.Contains(text, "你") {
		problems = append(problems, "你 (use 您)")
	}
	for _, t := range g.Terms {
		// A variant inside the term itself (偏离 in 偏离轨道) is the term.
		text := text
		if t.ZH != "" {
			text = strings.ReplaceAll(text, t.ZH, "\x00")
		}
		for _, v := range t.Forbidden {
			if strings.Contains(text, v) {
				problems = append(problems, fmt.Sprintf("%s for %q (the glossary says %s)", v, t.EN, t.ZH))
			}
		}
		for a, vs := range t.OnlyIn {
			if area == "" || !strings.HasPrefix(area, a) {
				continue
			}
			for _, v := range vs {
				if strings.Contains(text, v) {
					problems = append(problems, fmt.Sprintf("%s for %q in %s (the glossary says %s)", v, t.EN, a, t.ZH))
				}
			}
		}
	}
	return problems
}
