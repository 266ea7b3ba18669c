package web

import "testing"

// The keys frozen in a gate-review pack link to the items of the project
// the pack belongs to now, whatever key they were frozen under.
func TestKeyPathLinksIntoTheCurrentProject(t *testing.T) {
	for _, c := range []struct{ project, key, want string }{
		{"CRM", "CRM-42", "/projects/CRM/requirements/42"},
		{"CRM", "CRM-R-3", "/projects/CRM/risks/3"},
		{"CRM", "CRM-CR-7", "/projects/CRM/changes/7"},
		{"COPY", "CRM-42", "/projects/COPY/requirements/42"},
		{"COPY", "CRM-R-3", "/projects/COPY/risks/3"},
		{"COPY", "CRM-CR-7", "/projects/COPY/changes/7"},
		{"CRM", "Lead capture", ""},
		{"CRM", "CRM-R-", ""},
		{"CRM", "CRM-x", ""},
	} {
		if got := keyPathOf(c.project, c.key); got != c.want {
			t.Errorf("keyPathOf(%q, %q) = %q, want %q", c.project, c.key, got, c.want)
		}
	}
}
