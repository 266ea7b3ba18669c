// Package sheet reads and writes the spreadsheets business people bring and take
// away: .xlsx (through excelize) and .csv (UTF-8, or GB18030 as saved by a
// Chinese Excel). Domain packages get plain rows of strings and map columns by
// their header, in English or Chinese.
package sheet

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Columns maps a column's key to its index in the rows.
type Columns map[string]int

// Header finds each wanted column in the header row by any of its names
// (compared without case and surrounding space). It returns the keys of the
// required columns it did not find.
func Header(header []string, names map[string][]string, required ...string) (Columns, []string) {
	cols := Columns{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		for key, aliases := range names {
			for _, a := range aliases {
				if h == strings.ToLower(a) {
					if _, seen := cols[key]; !seen {
						cols[key] = i
					}
				}
			}
		}
	}
	var missing []string
	for _, key := range required {
		if _, ok := cols[key]; !ok {
			missing = append(missing, key)
		}
	}
	return cols, missing
}

// Get returns a row's cell for a column key, "" when absent.
func (c Columns) Get(row []string, key string) string {
	i, ok := c[key]
	if !ok || i >= len(row) {
		return ""
	}
	return row[i]
}

// Workbook is an .xlsx file being written, one sheet per table.
type Workbook struct {
	f      *excelize.File
	sheets int
}

// NewWorkbook starts an empty workbook.
func NewWorkbook() *Workbook { return &Workbook{f: excelize.NewFile()} }

// AddSheet adds a sheet with a bold header row and the given rows.
func (w *Workbook) AddSheet(name string, header []string, rows [][]any) error {
	if w.sheets == 0 {
		if err := w.f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
	} else if _, err := w.f.NewSheet(name); err != nil {
		return err
	}
	w.sheets++
	bold, err := w.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	hdr := make([]any, len(header))
	for i, h := range header {
		hdr[i] = h
	}
	if err := w.f.SetSheetRow(name, "A1", &hdr); err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(max(len(header), 1), 1)
	if err := w.f.SetCellStyle(name, "A1", last, bold); err != nil {
		return err
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := w.f.SetSheetRow(name, cell, &row); err != nil {
			return err
		}
	}
	return w.f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// Write sends the workbook.
func (w *Workbook) Write(out io.Writer) error {
	defer w.f.Close()
	_, err := w.f.WriteTo(out)
	return err
}

// WriteCSV writes a header and rows as UTF-8 CSV with a byte order mark, so
// that Excel opens Chinese text correctly.
func WriteCSV(out io.Writer, header []string, rows [][]string) error {
	if _, err := out.Write([]byte("\xef\xbb\xbf")); err != nil {
		return err
	}
	w := csv.NewWriter(out)
	if err := w.Write(header); err != nil {
		return err
	}
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	return w.Error()
}
