package archive

import (
	"encoding/json"
	"fmt"
	"strings"
)

// packIDsVersion is the first format whose gate-review packs name items by
// archive id. Packs of older archives hold the exporting installation's
// database ids and are restored as they were.
const packIDsVersion = 2

// packLineIDs are the lists of a pack's sections (milestone.Section) whose
// lines carry the id of an item: the review page's pack and the API name
// the items by them.
var packLineIDs = []struct {
	list string
	kind kind
}{
	{"deliverables", kindDeliverable}, {"goals", kindGoal}, {"risks", kindRisk},
}

// packPathKinds are the pages a health delivery item of a pack may lead to
// by an item's id ("/milestones/12"); the others lead by number (a risk's)
// or to a list (the budget) and stay as they are.
var packPathKinds = []struct {
	prefix string
	kind   kind
}{
	{"/milestones/", kindMilestone}, {"/goals/", kindGoal}, {"/reviews/", kindGateReview},
}

// remapPack maps the ids inside a frozen gate-review pack (milestone.Pack)
// and leaves the rest as it was frozen: names, dates, scores, the keys of
// risks, requirements and change requests (their pages are found by
// number), and the Extra sections of other packages, which no package
// writes today and whose shape the archive cannot know. Mapped are the
// milestone under review, the deliverables (and who ticked them), goals and
// risks of its sections, and the links of the health section's delivery
// items. The walk's order is fixed, so that ids given to deleted items come
// out the same every time.
func remapPack(m mapper, raw json.RawMessage) (json.RawMessage, error) {
	doc, err := decodeFrozen(raw)
	if err != nil || doc == nil {
		return raw, err
	}
	if ms, ok := doc["milestone"].(map[string]any); ok {
		if err := remapIDField(m, ms, "id", kindMilestone); err != nil {
			return nil, err
		}
	}
	sections, _ := doc["sections"].([]any)
	for _, s := range sections {
		section, ok := s.(map[string]any)
		if !ok {
			continue
		}
		for _, lines := range packLineIDs {
			for _, line := range objects(section[lines.list]) {
				if err := remapIDField(m, line, "id", lines.kind); err != nil {
					return nil, err
				}
				if lines.kind != kindDeliverable || line["done_by"] == nil {
					continue
				}
				var err error
				if line["done_by"], err = m.user(line["done_by"]); err != nil {
					return nil, err
				}
			}
		}
		health, _ := section["health"].(map[string]any)
		combined, _ := health["combined"].(map[string]any)
		for _, item := range objects(combined["delivery_items"]) {
			path, ok := item["path"].(string)
			if !ok {
				continue
			}
			var err error
			if item["path"], err = remapPackPath(m, path); err != nil {
				return nil, err
			}
		}
	}
	return json.Marshal(doc)
}

// remapIDField maps obj[field], an id of an item of kind k, if it is one.
func remapIDField(m mapper, obj map[string]any, field string, k kind) error {
	n, ok := obj[field].(json.Number)
	if !ok {
		return nil
	}
	mapped, err := m.item(k, n)
	if err != nil {
		return err
	}
	obj[field] = mapped
	return nil
}

// remapPackPath maps the id of a link such as "/goals/12" (relative to the
// project's pages); other links are kept.
func remapPackPath(m mapper, path string) (string, error) {
	for _, p := range packPathKinds {
		rest, ok := strings.CutPrefix(path, p.prefix)
		if !ok {
			continue
		}
		if _, err := parseID(json.Number(rest)); err != nil {
			return path, nil // not an id: keep what was written
		}
		mapped, err := m.item(p.kind, json.Number(rest))
		if err != nil {
			return "", err
		}
		return p.prefix + fmt.Sprint(mapped), nil
	}
	return path, nil
}

// objects is the JSON objects of a list (none when v is not a list).
func objects(v any) []map[string]any {
	list, _ := v.([]any)
	out := make([]map[string]any, 0, len(list))
	for _, x := range list {
		if obj, ok := x.(map[string]any); ok {
			out = append(out, obj)
		}
	}
	return out
}
