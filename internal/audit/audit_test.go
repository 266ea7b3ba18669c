package audit

import (
	"encoding/json"
	"testing"
)

// An update keeps only what changed; bookkeeping fields never count.
func TestDiffKeepsOnlyChanges(t *testing.T) {
	type item struct {
		Name    string  `json:"name"`
		Tier    string  `json:"tier"`
		PhaseID *int64  `json:"phase_id"`
		Version int     `json:"version"`
		Score   float64 `json:"score"`
	}
	three := int64(3)
	before, after, err := diff(item{"Lead capture", "must", nil, 1, 2}, item{"Lead capture", "important", &three, 2, 2})
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != `{"phase_id":null,"tier":"must"}` || string(after) != `{"phase_id":3,"tier":"important"}` {
		t.Fatalf("before %s after %s", before, after)
	}
	created, _, err := diff(nil, nil)
	if err != nil || created != nil {
		t.Fatalf("nothing: %s %v", created, err)
	}
	_, onlyAfter, _ := diff(nil, item{Name: "x"})
	var m map[string]any
	_ = json.Unmarshal(onlyAfter, &m)
	if _, ok := m["version"]; ok || m["name"] != "x" {
		t.Fatalf("create entry %s", onlyAfter)
	}
	if _, _, err := diff([]int{1}, nil); err == nil {
		t.Fatal("a list is not an object")
	}
}

func TestChangesAreSortedForDisplay(t *testing.T) {
	e := Entry{Before: json.RawMessage(`{"tier":"must","name":"a"}`), After: json.RawMessage(`{"tier":"optional","name":"b","goal_ids":[1,2]}`)}
	cs := e.Changes()
	if len(cs) != 3 || cs[0].Field != "goal_ids" || cs[0].After != "[1,2]" || cs[2].Before != "must" {
		t.Fatalf("%+v", cs)
	}
}
