package comment

import (
	"reflect"
	"testing"
)

func TestPiecesFindLinksLinesAndMentions(t *testing.T) {
	t.Parallel()
	got := Pieces("See https://example.com/a?b=1, then ask @pat manager.\n第二行 http://x.cn/路径 @王芳请看", []string{"Pat Manager", "王芳", "Pat"})
	want := []Piece{
		{Text: "See "}, {Text: "https://example.com/a?b=1", Href: "https://example.com/a?b=1"},
		{Text: ", then ask "}, {Text: "@pat manager", Mention: true}, {Text: "."},
		{Break: true},
		{Text: "第二行 "}, {Text: "http://x.cn/", Href: "http://x.cn/"}, {Text: "路径 "},
		{Text: "@王芳", Mention: true}, {Text: "请看"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("pieces\n got %+v\nwant %+v", got, want)
	}
}

func TestPiecesLinkOnlyWebAddresses(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>", "ftp://example.com", "vbscript:x"} {
		for _, p := range Pieces(body, nil) {
			if p.Href != "" {
				t.Errorf("%q made a link to %q", body, p.Href)
			}
		}
	}
	// A web address that hides a script after it stays a web address.
	ps := Pieces(`https://example.com/"onmouseover="alert(1)`, nil)
	if ps[0].Href != "https://example.com/" {
		t.Fatalf("pieces %+v", ps)
	}
}

func TestMentionsInNeedsTheWholeName(t *testing.T) {
	t.Parallel()
	members := []Member{{1, "Li"}, {2, "Lin Wei"}, {3, "王芳"}}
	got := MentionsIn("@Lin Wei and @Li, not @Lisa; @王芳看一下", members)
	if !reflect.DeepEqual(got, []int64{1, 2, 3}) {
		t.Fatalf("mentions %v", got)
	}
	if got := MentionsIn("@Lisa and li@example.com", members); len(got) != 0 {
		t.Fatalf("mentions %v", got)
	}
}
