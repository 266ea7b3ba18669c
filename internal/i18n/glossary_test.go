package i18n

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var monoCell = regexp.MustCompile(`class="[^"]*\bmono\b[^"]*"[^>]*>[^<]*<`)

func mustGlossary(t *testing.T) *Glossary {
	t.Helper()
	g, err := LoadGlossary()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// texts are the strings of a message value: a plain text, or go-i18n's
// plural forms {"one": …, "other": …}.
func texts(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case map[string]any:
		var out []string
		for k, x := range v {
			if k != "description" && k != "hash" {
				out = append(out, texts(x)...)
			}
		}
		return out
	}
	return nil
}

// Every Chinese message reads as Chinese: full-width punctuation, 您, and
// the glossary's one term per concept.
func TestChineseMessagesFollowTheGlossary(t *testing.T) {
	g := mustGlossary(t)
	files, err := fs.Glob(locales, "locales/*."+Chinese+".json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Chinese message files (%v)", err)
	}
	for _, f := range files {
		raw, err := locales.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var msgs map[string]any
		if err := json.Unmarshal(raw, &msgs); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		area := strings.TrimSuffix(filepath.Base(f), "."+Chinese+".json")
		for id, v := range msgs {
			for _, s := range texts(v) {
				for _, p := range g.Check(area, s) {
					t.Errorf("%s %s: %s", filepath.Base(f), id, p)
				}
			}
		}
	}
}

// Chinese written straight into Go code (template milestones, starter
// risks, sheet headers, the demo), into JSON the app reads (the pitfall
// catalogue) and into templates follows the same rules.
func TestChineseInCodeAndTemplatesFollowsTheGlossary(t *testing.T) {
	g := mustGlossary(t)
	root := filepath.Join("..", "..")
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
				path == filepath.Join(root, "internal", "i18n", "glossary.go") { // names what it forbids
				return err
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			// An importer's lists of the headers and words it reads are what
			// people write in their sheets, variants included.
			reader := filepath.Base(path) == "import.go"
			ast.Inspect(f, func(n ast.Node) bool {
				if c, ok := n.(*ast.CompositeLit); ok && reader {
					if a, ok := c.Type.(*ast.ArrayType); ok {
						if id, ok := a.Elt.(*ast.Ident); ok && id.Name == "string" {
							return false
						}
					}
				}
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				for _, p := range g.Check("", s) {
					t.Errorf("%s: %s", fset.Position(lit.Pos()), p)
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// JSON the app shows from (the pitfall catalogue, its questions and
	// advice): every string value holding Chinese.
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case string:
			for _, p := range g.Check("", v) {
				t.Errorf("%s: %s", path, p)
			}
		case []any:
			for _, x := range v {
				walk(path, x)
			}
		case map[string]any:
			for _, x := range v {
				walk(path, x)
			}
		}
	}
	jsons := 0
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") || strings.Contains(path, string(filepath.Separator)+"locales"+string(filepath.Separator)) ||
			filepath.Base(path) == "glossary.json" { // names what it forbids
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil || !HasHan(string(raw)) {
			return err
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		jsons++
		walk(path, v)
		return nil
	})
	if err != nil || jsons == 0 {
		t.Fatalf("JSON files with Chinese: %d (%v)", jsons, err)
	}
	err = filepath.WalkDir(filepath.Join(root, "templates"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(raw), "\n") {
			// Monospaced cells list the column names an import reads, in both languages.
			line = monoCell.ReplaceAllString(line, "><")
			for _, p := range g.Check("", line) {
				t.Errorf("%s:%d: %s", path, i+1, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The glossary itself holds together: one entry per concept, and no term is
// another concept's forbidden variant.
func TestGlossaryHoldsTogether(t *testing.T) {
	g := mustGlossary(t)
	if len(g.Terms) < 30 {
		t.Fatalf("%d terms", len(g.Terms))
	}
	seen := map[string]bool{}
	for _, term := range g.Terms {
		if term.EN == "" || term.ZH == "" || seen[term.EN] {
			t.Errorf("term %+v: empty or twice", term)
		}
		seen[term.EN] = true
		for _, other := range g.Terms {
			if slices.Contains(other.Forbidden, term.ZH) {
				t.Errorf("%s (%s) is forbidden for %s", term.ZH, term.EN, other.EN)
			}
		}
	}
}

func TestGlossaryCheck(t *testing.T) {
	g := mustGlossary(t)
	for _, c := range []struct {
		area, text string
		bad        bool
	}{
		{"", "请先保存,再提交。", true},
		{"", "请先保存，再提交。", false},
		{"", "范围 (不含 ERP)", true},
		{"", "{{.Name}}: 已删除", true},
		{"", "{{.Name}}：已删除", false},
		{"", "预算 1,000,000 元，10:00 开始", false},
		{"", "详见 https://example.com/a,b 页面", false},
		{"", "CSV (UTF-8) 文件", false},
		{"", "你的目标", true},
		{"", "您的目标", false},
		{"", "三项变更请求", true},
		{"risk", "下次评审", true},
		{"milestone", "关口评审", false},
		{"", "Plain English, no Chinese: fine (really)", false},
	} {
		if got := g.Check(c.area, c.text); (len(got) > 0) != c.bad {
			t.Errorf("Check(%q, %q) = %v, want bad=%v", c.area, c.text, got, c.bad)
		}
	}
}
