package sheet

import "strings"

// Table is an import sheet as the domains read it: the columns its header
// row names and the data rows below it.
type Table struct {
	Header  []string // nil for a sheet without one
	Columns Columns
	Rows    []TableRow
}

// TableRow is one data row and its line in the file (the first line is 1),
// as the previews and messages name it.
type TableRow struct {
	Line  int
	cells []string
}

// Cell returns a row's cell for a column key, trimmed; "" when absent.
func (t *Table) Cell(r TableRow, key string) string {
	return strings.TrimSpace(t.Columns.Get(r.cells, key))
}

// Has reports whether the header names a column.
func (t *Table) Has(key string) bool {
	_, ok := t.Columns[key]
	return ok
}

// ReadTable reads an import sheet: its first row with a value is the header,
// whose columns are found by their names (see Header); the rows below it are
// the data, blank ones left out. It returns the required columns the header
// lacks. A sheet without a header has no rows and no columns.
func ReadTable(rows [][]string, names map[string][]string, required ...string) (*Table, []string) {
	head := 0
	for head < len(rows) && blankTrimmed(rows[head]) {
		head++
	}
	t := &Table{Columns: Columns{}}
	if head == len(rows) {
		return t, nil
	}
	var missing []string
	t.Header = rows[head]
	t.Columns, missing = Header(t.Header, names, required...)
	for i, r := range rows[head+1:] {
		if !blankTrimmed(r) {
			t.Rows = append(t.Rows, TableRow{Line: head + i + 2, cells: r})
		}
	}
	return t, missing
}

// blankTrimmed reports whether a row holds nothing but spaces.
func blankTrimmed(r []string) bool {
	for _, c := range r {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// Recorded is what an import has already recorded, by a key identifying
// what a row records. Imports that skip rows already recorded, or repeating
// an earlier row of the file, use it, so a file uploaded twice records
// nothing twice.
type Recorded map[string]bool

// Repeat reports whether key is recorded already, and records it.
func (r Recorded) Repeat(key string) bool {
	seen := r[key]
	r[key] = true
	return seen
}
