// Package sheet reads and writes the spreadsheets business people bring and take
// away: .xlsx (through excelize) and .csv (UTF-8, or GB18030 as saved by a
// Chinese Excel). Domain packages get plain rows of strings and map columns by
// their header, in English or Chinese.
package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// MaxRows is the most data rows an import takes at once.
const MaxRows = 10000

// Errors a user can act on; the web layer translates them.
var (
	ErrFormat   = errors.New("sheet: not an .xlsx or .csv file")
	ErrEmpty    = errors.New("sheet: the file has no rows")
	ErrTooLarge = fmt.Errorf("sheet: more than %d rows", MaxRows)
)

// Read returns the rows of a .csv file or of the first sheet of an .xlsx file,
// chosen by the file's name. Trailing empty rows are dropped; cells are trimmed;
// cells of an .xlsx that show a date come out as YYYY-MM-DD, whatever the
// display format of the workbook.
func Read(name string, r io.Reader) ([][]string, error) {
	return ReadPreferring(name, r)
}

// ReadPreferring is Read, except that from an .xlsx workbook it takes the
// first sheet whose name is one of sheetNames (compared without case and
// surrounding space), and the first sheet when none is: an export of several
// sheets can be uploaded again as it is.
func ReadPreferring(name string, r io.Reader, sheetNames ...string) ([][]string, error) {
	raw, err := io.ReadAll(io.LimitReader(r, 32<<20))
	if err != nil {
		return nil, err
	}
	var rows [][]string
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx":
		rows, err = readXLSX(raw, sheetNames)
	case ".csv":
		rows, err = readCSV(raw)
	default:
		return nil, ErrFormat
	}
	if err != nil {
		return nil, err
	}
	for i := range rows {
		for j := range rows[i] {
			rows[i][j] = strings.TrimSpace(rows[i][j])
		}
	}
	for len(rows) > 0 && blank(rows[len(rows)-1]) {
		rows = rows[:len(rows)-1]
	}
	if len(rows) == 0 {
		return nil, ErrEmpty
	}
	if len(rows)-1 > MaxRows {
		return nil, ErrTooLarge
	}
	return rows, nil
}

func readXLSX(raw []byte, prefer []string) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		return nil, ErrFormat
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, ErrEmpty
	}
	name := sheets[0]
pick:
	for _, s := range sheets {
		for _, p := range prefer {
			if strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(p)) {
				name = s
				break pick
			}
		}
	}
	rows, err := f.GetRows(name)
	if err != nil {
		return nil, ErrFormat
	}
	if err := datesAsDays(f, name, rows); err != nil {
		return nil, ErrFormat
	}
	return rows, nil
}

// datesAsDays rewrites the cells whose number format shows a date as
// YYYY-MM-DD (with the time, HH:MM, when the format shows one too): excelize
// formats them as the workbook says, and "03-01-26" means a different day to
// an American and to a Chinese reader (and some East Asian formats it does not
// apply at all, leaving the day's serial number). Only numeric cells are
// looked at; the formats are read once per style.
func datesAsDays(f *excelize.File, sheet string, rows [][]string) error {
	raws, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return err
	}
	date1904 := false
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		date1904 = *props.Date1904
	}
	formats := map[int]dateFormat{} // by style index
	for i := range rows {
		if i >= len(raws) {
			break
		}
		for j := range rows[i] {
			if j >= len(raws[i]) {
				continue
			}
			serial, err := strconv.ParseFloat(raws[i][j], 64)
			if err != nil || serial < 0 {
				continue
			}
			cell, err := excelize.CoordinatesToCellName(j+1, i+1)
			if err != nil {
				return err
			}
			idx, err := f.GetCellStyle(sheet, cell)
			if err != nil {
				return err
			}
			kind, ok := formats[idx]
			if !ok {
				kind = styleDateFormat(f, idx)
				formats[idx] = kind
			}
			if kind == notDate {
				continue
			}
			if typ, err := f.GetCellType(sheet, cell); err != nil || !numeric(typ) {
				continue // digits typed as text stay text
			}
			t, err := excelize.ExcelDateToTime(serial, date1904)
			if err != nil {
				continue
			}
			if kind == dateAndTime {
				rows[i][j] = t.Format("2006-01-02 15:04")
			} else {
				rows[i][j] = t.Format("2006-01-02")
			}
		}
	}
	return nil
}

// numeric reports whether a cell holds a number (a day is a number).
func numeric(t excelize.CellType) bool {
	return t == excelize.CellTypeUnset || t == excelize.CellTypeNumber || t == excelize.CellTypeDate
}

type dateFormat int

const (
	notDate dateFormat = iota
	dateOnly
	dateAndTime
)

// builtInDates are the built-in number formats that show a day: 14–17 and 22
// everywhere, 27–31, 36 and 50–58 in the East Asian locales (of which 55 and
// 56 are times of day in Chinese: left out).
var builtInDates = map[int]dateFormat{14: dateOnly, 15: dateOnly, 16: dateOnly, 17: dateOnly, 22: dateAndTime,
	27: dateOnly, 28: dateOnly, 29: dateOnly, 30: dateOnly, 31: dateOnly, 36: dateOnly,
	50: dateOnly, 51: dateOnly, 52: dateOnly, 53: dateOnly, 54: dateOnly, 57: dateOnly, 58: dateOnly}

// styleDateFormat says whether a cell style shows numbers as days.
func styleDateFormat(f *excelize.File, idx int) dateFormat {
	st, err := f.GetStyle(idx)
	if err != nil || st == nil {
		return notDate
	}
	if st.CustomNumFmt != nil {
		return customDateFormat(*st.CustomNumFmt)
	}
	return builtInDates[st.NumFmt]
}

// customDateFormat reads a format code such as yyyy/m/d or "d-mmm-yy h:mm":
// once quoted text, escaped characters and [brackets] are left out, a d or a
// y means a day (m alone may be minutes), an h or an s a time too.
func customDateFormat(code string) dateFormat {
	code, _, _ = strings.Cut(code, ";") // the format of positive numbers
	var b strings.Builder
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(code)
			}
		case '[':
			if j := strings.IndexByte(code[i+1:], ']'); j >= 0 {
				i += j + 1
			} else {
				i = len(code)
			}
		case '\\', '_', '*':
			i++ // the next character is shown as it is, or used as padding
		default:
			b.WriteByte(c)
		}
	}
	s := strings.ToLower(b.String())
	switch {
	case !strings.ContainsAny(s, "dy"):
		return notDate
	case strings.ContainsAny(s, "hs"):
		return dateAndTime
	}
	return dateOnly
}

func readCSV(raw []byte) ([][]string, error) {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")) // Excel's UTF-8 byte order mark
	if !utf8.Valid(raw) {
		decoded, err := simplifiedchinese.GB18030.NewDecoder().Bytes(raw)
		if err != nil {
			return nil, ErrFormat
		}
		raw = decoded
	}
	r := csv.NewReader(bytes.NewReader(raw))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	rows, err := r.ReadAll()
	if err != nil {
		return nil, ErrFormat
	}
	return rows, nil
}

func blank(row []string) bool {
	for _, c := range row {
		if c != "" {
			return false
		}
	}
	return true
}

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
