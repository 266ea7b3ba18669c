package comment

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Piece is one run of a comment's text as a page shows it: plain text, a
// link, a mention or a line break. Pages print every Text escaped; Href is
// only ever an http or https address, so no comment can carry a script link.
type Piece struct {
	Text    string
	Href    string // a link's address
	Mention bool   // an @name of a mentioned member
	Break   bool   // a line break
}

// linkPattern finds http and https addresses; they end at a space, a
// character outside URLs (CJK text included) or the end of the text.
var linkPattern = regexp.MustCompile(`(?i)\bhttps?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+`)

// Pieces splits a comment's text into what a page shows: lines, links (http
// and https only, trailing punctuation left out of the address) and the
// @names of the members it mentions.
func Pieces(body string, mentioned []string) []Piece {
	var out []Piece
	for i, line := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n") {
		if i > 0 {
			out = append(out, Piece{Break: true})
		}
		rest := line
		for rest != "" {
			loc := linkPattern.FindStringIndex(rest)
			if loc == nil {
				out = append(out, mentionPieces(rest, mentioned)...)
				break
			}
			addr := strings.TrimRight(rest[loc[0]:loc[1]], ".,;:!?'")
			if strings.HasSuffix(addr, ")") && !strings.Contains(addr, "(") {
				addr = strings.TrimSuffix(addr, ")")
			}
			end := loc[0] + len(addr)
			out = append(out, mentionPieces(rest[:loc[0]], mentioned)...)
			out = append(out, Piece{Text: addr, Href: addr})
			rest = rest[end:]
		}
	}
	return out
}

// mentionPieces marks the @names of the mentioned members in a run of text.
func mentionPieces(text string, mentioned []string) []Piece {
	if text == "" {
		return nil
	}
	var out []Piece
	plain := 0
	for i := 0; i < len(text); {
		if text[i] != '@' {
			i++
			continue
		}
		name := longestName(text[i+1:], mentioned)
		if name == "" {
			i++
			continue
		}
		if plain < i {
			out = append(out, Piece{Text: text[plain:i]})
		}
		end := i + 1 + len(name)
		out = append(out, Piece{Text: text[i:end], Mention: true})
		i, plain = end, end
	}
	if plain < len(text) {
		out = append(out, Piece{Text: text[plain:]})
	}
	return out
}

// longestName returns the longest of names that text starts with (case
// insensitive), ending at a word boundary, as it is written in text.
func longestName(text string, names []string) string {
	best := ""
	for _, n := range names {
		if n == "" || len(n) > len(text) || len(n) <= len(best) || !strings.EqualFold(text[:len(n)], n) {
			continue
		}
		if wordGoesOn(n, text[len(n):]) {
			continue
		}
		best = text[:len(n)]
	}
	return best
}

// wordGoesOn reports whether the text after a name continues the name's last
// word (Li in @Lin); Chinese names are followed by text without a space, so
// only letters and digits of alphabetic scripts count.
func wordGoesOn(name, after string) bool {
	last, _ := utf8.DecodeLastRuneInString(name)
	next, _ := utf8.DecodeRuneInString(after)
	if after == "" || unicode.Is(unicode.Han, last) || unicode.Is(unicode.Han, next) {
		return false
	}
	return isWordRune(last) && isWordRune(next)
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

// Member is someone a comment may mention.
type Member struct {
	UserID int64
	Name   string
}

// MentionsIn returns the members whose @name the text holds, for forms
// that send the text only (the API names the mentions itself).
func MentionsIn(body string, members []Member) []int64 {
	names := make([]string, 0, len(members))
	for _, m := range members {
		names = append(names, m.Name)
	}
	var ids []int64
	for _, p := range Pieces(body, names) {
		if !p.Mention {
			continue
		}
		for _, m := range members {
			if strings.EqualFold(m.Name, p.Text[1:]) {
				ids = append(ids, m.UserID)
			}
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}
