// Package pitfall knows the ten classic ways CRM rollouts fail (catalogue.json,
// written for Rollout from DOMAIN.md and the source articles), keeps each
// project's own assessment of them, and derives findings from the project's
// data — goals, requirements, members, milestones, risks, measurements and
// change requests — with a fixed number of aggregate queries. The findings and
// assessments add up to a health score from 0 to 100.
package pitfall

import (
	_ "embed"
	"encoding/json"
)

//go:embed catalogue.json
var catalogueJSON []byte

// Text is a sentence in both languages.
type Text map[string]string

// In returns the text in lang, English when missing.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	return t["en"]
}

// Texts are lists of sentences in both languages.
type Texts map[string][]string

// In returns the list in lang, English when missing.
func (t Texts) In(lang string) []string {
	if s, ok := t[lang]; ok && len(s) > 0 {
		return s
	}
	return t["en"]
}

// Pitfall is one entry of the catalogue.
type Pitfall struct {
	Code      string `json:"code"`
	Title     Text   `json:"title"`
	LooksLike Text   `json:"looks_like"`
	Instead   Text   `json:"instead"`
	Questions Texts  `json:"questions"`
}

// Catalogue is the versioned list of pitfalls and the symptom self-check.
type Catalogue struct {
	Version  string    `json:"version"`
	Pitfalls []Pitfall `json:"pitfalls"`
	Symptoms struct {
		Title     Text  `json:"title"`
		Questions Texts `json:"questions"`
	} `json:"symptoms"`
}

// SymptomsCode is the assessment code of the symptom self-check.
const SymptomsCode = "SYM"

var catalogue = func() Catalogue {
	var c Catalogue
	if err := json.Unmarshal(catalogueJSON, &c); err != nil {
		panic("pitfall: catalogue.json: " + err.Error()) // embedded at build time; the tests read it too
	}
	return c
}()

// Get returns the catalogue.
func Get() Catalogue { return catalogue }

// ByCode returns one pitfall of the catalogue.
func ByCode(code string) (Pitfall, bool) {
	for _, p := range catalogue.Pitfalls {
		if p.Code == code {
			return p, true
		}
	}
	return Pitfall{}, false
}

// Codes lists the pitfall codes, P01 … P10.
func Codes() []string {
	out := make([]string, len(catalogue.Pitfalls))
	for i, p := range catalogue.Pitfalls {
		out[i] = p.Code
	}
	return out
}
