package sheet

import (
	"archive/zip"
	"bytes"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

const (
	// maxPartBytes bounds each part of a workbook that is not a sheet or
	// its shared strings (styles, workbook, relations): excelize reads
	// those whole.
	maxPartBytes = 8 << 20
	// inMemoryBytes is the largest sheet (or shared strings) excelize keeps
	// in memory; larger ones are unpacked to a temporary file and streamed.
	inMemoryBytes = 2 << 20
)

// checkZip refuses, from the sizes the archive declares (which the zip
// reader holds it to), a workbook that unpacks past MaxUnpackedBytes or one
// of whose settings parts alone is past maxPartBytes, before anything is
// unpacked.
func checkZip(raw []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return ErrFormat
	}
	var total uint64
	for _, e := range zr.File {
		size := e.UncompressedSize64
		if size > MaxUnpackedBytes {
			return ErrUnpacked
		}
		if total += size; total > MaxUnpackedBytes {
			return ErrUnpacked
		}
		name := strings.ToLower(strings.ReplaceAll(e.Name, `\`, "/"))
		data := strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml"
		parsed := strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".rels")
		if parsed && !data && size > maxPartBytes {
			return ErrUnpacked
		}
	}
	return nil
}

func readXLSX(raw []byte, prefer []string, st *readStats) ([][]string, error) {
	if err := checkZip(raw); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw), excelize.Options{
		UnzipSizeLimit: MaxUnpackedBytes, UnzipXMLSizeLimit: inMemoryBytes,
	})
	if err != nil {
		if f != nil {
			f.Close()
		}
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
	// The stored values first: this pass meets any limit, then the values
	// as shown, then the two are reconciled cell by cell.
	raws, err := streamRows(f, name, true, st)
	if err != nil {
		return nil, err
	}
	rows, err := streamRows(f, name, false, st)
	if err != nil {
		return nil, err
	}
	if err := numbersAndDays(f, name, rows, raws); err != nil {
		return nil, ErrFormat
	}
	return rows, nil
}

// streamRows reads a sheet row by row through excelize's iterator, stopping
// at the first limit passed. raw asks for the values as stored rather than
// as shown.
func streamRows(f *excelize.File, sheet string, raw bool, st *readStats) ([][]string, error) {
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, ErrFormat
	}
	defer it.Close()
	var c collector
	defer func() { st.rowsSeen = max(st.rowsSeen, c.seen) }()
	for it.Next() {
		var cells []string
		if raw {
			cells, err = it.Columns(excelize.Options{RawCellValue: true})
		} else {
			cells, err = it.Columns()
		}
		if err != nil {
			return nil, ErrFormat
		}
		if err := c.add(cells); err != nil {
			return nil, err
		}
	}
	if it.Error() != nil {
		return nil, ErrFormat
	}
	return c.rows, nil
}

// numbersAndDays reconciles the cells holding numbers. Those whose format
// shows a day come out as YYYY-MM-DD (with the time, HH:MM, when the format
// shows one too): excelize formats them as the workbook says, and
// "03-01-26" means a different day to an American and to a Chinese reader
// (and some East Asian formats it does not apply at all, leaving the day's
// serial number). Other numbers come out as stored, so that 1500 shown as
// "1,500" or "¥1,500.00" is read as 1500; percentages and times of day stay
// as shown. Formats are read once per style.
func numbersAndDays(f *excelize.File, sheet string, rows, raws [][]string) error {
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
			stored := raws[i][j]
			value, err := strconv.ParseFloat(stored, 64)
			if err != nil || math.IsInf(value, 0) || math.IsNaN(value) {
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
			switch {
			case kind == keepShown:
				continue
			case kind == notDate && rows[i][j] == stored:
				continue
			}
			if typ, err := f.GetCellType(sheet, cell); err != nil || !numeric(typ) {
				continue // digits typed as text stay text
			}
			if kind == notDate {
				rows[i][j] = plainNumber(value)
				continue
			}
			if value < 0 {
				continue
			}
			t, err := excelize.ExcelDateToTime(value, date1904)
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

// plainNumber writes a stored number as people write it: to the fifteen
// significant digits Excel keeps (0.1+0.2 is 0.3), without an exponent
// unless it is very large or very small.
func plainNumber(v float64) string {
	v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64)
	if a := math.Abs(v); a != 0 && (a >= 1e15 || a < 1e-6) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
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
	keepShown // a percentage or a time of day: the number as shown
)

// builtInDates are the built-in number formats that show a day: 14–17 and 22
// everywhere, 27–31, 36 and 50–58 in the East Asian locales (of which 55 and
// 56 are times of day in Chinese), and those that show a percentage (9, 10)
// or a time of day (18–21, 45–47, 32–35, 55, 56).
var builtInDates = map[int]dateFormat{14: dateOnly, 15: dateOnly, 16: dateOnly, 17: dateOnly, 22: dateAndTime,
	27: dateOnly, 28: dateOnly, 29: dateOnly, 30: dateOnly, 31: dateOnly, 36: dateOnly,
	50: dateOnly, 51: dateOnly, 52: dateOnly, 53: dateOnly, 54: dateOnly, 57: dateOnly, 58: dateOnly,
	9: keepShown, 10: keepShown, 18: keepShown, 19: keepShown, 20: keepShown, 21: keepShown,
	32: keepShown, 33: keepShown, 34: keepShown, 35: keepShown, 45: keepShown, 46: keepShown, 47: keepShown,
	55: keepShown, 56: keepShown}

// styleDateFormat says how a cell style shows numbers: as days, as they
// are, or in a way to keep (percentages, times).
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
// y means a day (m alone may be minutes), an h or an s a time too; without
// a day, an h or an s is a time of day and a % a percentage, kept as shown.
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
	case !strings.ContainsAny(s, "dy") && strings.ContainsAny(s, "hs%"):
		return keepShown
	case !strings.ContainsAny(s, "dy"):
		return notDate
	case strings.ContainsAny(s, "hs"):
		return dateAndTime
	}
	return dateOnly
}
