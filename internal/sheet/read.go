package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Limits of what an import reads. They are checked while the file is read,
// row by row, so that a file past one is refused as soon as it is: a small
// workbook that unpacks to a million rows costs a fraction of a second and a
// few megabytes, not the server.
const (
	// MaxRows is the most data rows an import takes at once.
	MaxRows = 10000
	// MaxColumns is the most columns a row may have.
	MaxColumns = 200
	// MaxCellChars is the longest cell, in characters: Excel's own limit.
	MaxCellChars = 32767
	// MaxFileBytes is the largest file an import takes, as uploaded.
	MaxFileBytes = 20 << 20
	// MaxUnpackedBytes is the most an .xlsx file may unpack to, all its
	// parts together; a workbook of MaxRows rows of twenty columns takes a
	// few megabytes.
	MaxUnpackedBytes = 64 << 20

	// maxRowsSeen bounds the rows read, blank ones included.
	maxRowsSeen = 5 * MaxRows
	// maxLineBytes is the longest line of a .csv file.
	maxLineBytes = 1 << 20
)

// Errors a user can act on; the web layer translates them. A cell or line
// past a limit comes as a *LineError naming the line.
var (
	ErrFormat   = errors.New("sheet: not an .xlsx or .csv file")
	ErrEmpty    = errors.New("sheet: the file has no rows")
	ErrTooLarge = fmt.Errorf("sheet: more than %d rows", MaxRows)
	// ErrFileTooLarge is a file of more than MaxFileBytes.
	ErrFileTooLarge = fmt.Errorf("sheet: a file of more than %d MB", MaxFileBytes>>20)
	// ErrUnpacked is a workbook that unpacks to more than MaxUnpackedBytes
	// (or one of whose settings parts alone is unreasonably large).
	ErrUnpacked = fmt.Errorf("sheet: a workbook that unpacks to more than %d MB", MaxUnpackedBytes>>20)
	// ErrTooWide is a row of more than MaxColumns columns.
	ErrTooWide = fmt.Errorf("sheet: a row of more than %d columns", MaxColumns)
	// ErrCellTooLong is a cell of more than MaxCellChars characters.
	ErrCellTooLong = fmt.Errorf("sheet: a cell of more than %d characters", MaxCellChars)
	// ErrLineTooLong is a line of a .csv file longer than a megabyte.
	ErrLineTooLong = errors.New("sheet: a line longer than 1 MB")
	// ErrControl is a cell holding a NUL or another control character
	// (tab and line breaks are text).
	ErrControl = errors.New("sheet: a cell holding a control character")
)

// LineError is a limit passed on one line of the file (the first is 1).
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%v (line %d)", e.Err, e.Line) }
func (e *LineError) Unwrap() error { return e.Err }

// Read returns the rows of a .csv file or of the first sheet of an .xlsx file,
// chosen by the file's name. Trailing empty rows are dropped; cells are trimmed;
// cells of an .xlsx that show a date come out as YYYY-MM-DD, whatever the
// display format of the workbook, and other numbers as they are stored
// (1500, not the 1,500 shown).
func Read(name string, r io.Reader) ([][]string, error) {
	return ReadPreferring(name, r)
}

// ReadPreferring is Read, except that from an .xlsx workbook it takes the
// first sheet whose name is one of sheetNames (compared without case and
// surrounding space), and the first sheet when none is: an export of several
// sheets can be uploaded again as it is.
func ReadPreferring(name string, r io.Reader, sheetNames ...string) ([][]string, error) {
	rows, _, err := read(name, r, sheetNames)
	return rows, err
}

// readStats is what a read cost, for the tests of the limits.
type readStats struct {
	rowsSeen int // rows read, blank ones included, by the pass that read most
}

func read(name string, r io.Reader, sheetNames []string) ([][]string, readStats, error) {
	var st readStats
	raw, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, st, err
	}
	if len(raw) > MaxFileBytes {
		return nil, st, ErrFileTooLarge
	}
	var rows [][]string
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx":
		rows, err = readXLSX(raw, sheetNames, &st)
	case ".csv":
		rows, err = readCSV(raw, &st)
	default:
		return nil, st, ErrFormat
	}
	if err != nil {
		return nil, st, err
	}
	if len(rows) == 0 {
		return nil, st, ErrEmpty
	}
	return rows, st, nil
}

// collector keeps the rows of a sheet as they are read, checking the
// limits on each: cells are trimmed, blank rows are kept only when a row
// with a value follows (so that row i is line i+1 of the file), and the
// rows with a value may be MaxRows and a header.
type collector struct {
	rows    [][]string
	blanks  int // blank rows waiting for a row with a value
	seen    int // rows read
	counted int // rows with a value
}

func (c *collector) add(row []string) error {
	c.seen++
	if c.seen > maxRowsSeen {
		return ErrTooLarge
	}
	if len(row) > MaxColumns {
		return &LineError{Line: c.seen, Err: ErrTooWide}
	}
	empty := true
	for i, cell := range row {
		if len(cell) > MaxCellChars && utf8.RuneCountInString(cell) > MaxCellChars {
			return &LineError{Line: c.seen, Err: ErrCellTooLong}
		}
		if hasControl(cell) {
			return &LineError{Line: c.seen, Err: ErrControl}
		}
		row[i] = strings.TrimSpace(cell)
		empty = empty && row[i] == ""
	}
	if empty {
		c.blanks++
		return nil
	}
	c.counted++
	if c.counted > MaxRows+1 {
		return ErrTooLarge
	}
	for ; c.blanks > 0; c.blanks-- {
		c.rows = append(c.rows, nil)
	}
	c.rows = append(c.rows, row)
	return nil
}

// hasControl reports whether s holds a control character other than a tab
// or a line break.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; (b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7f {
			return true
		}
	}
	return false
}

func readCSV(raw []byte, st *readStats) ([][]string, error) {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")) // Excel's UTF-8 byte order mark
	if !utf8.Valid(raw) {
		decoded, err := simplifiedchinese.GB18030.NewDecoder().Bytes(raw)
		if err != nil {
			return nil, ErrFormat
		}
		raw = decoded
	}
	lines := &lineLimit{r: bytes.NewReader(raw), line: 1}
	r := csv.NewReader(lines)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var c collector
	defer func() { st.rowsSeen = c.seen }()
	for {
		rec, err := r.Read()
		switch {
		case err == io.EOF:
			return c.rows, nil
		case errors.Is(err, ErrLineTooLong):
			return nil, &LineError{Line: lines.line, Err: ErrLineTooLong}
		case err != nil:
			return nil, ErrFormat
		}
		if err := c.add(rec); err != nil {
			return nil, err
		}
	}
}

// lineLimit passes a text on, failing with ErrLineTooLong at a line longer
// than maxLineBytes, so that the CSV reader never holds one in memory.
type lineLimit struct {
	r    io.Reader
	run  int // bytes since the last line break
	line int // the line being read
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '\n' {
			l.run = 0
			l.line++
			continue
		}
		if l.run++; l.run > maxLineBytes {
			return i, ErrLineTooLong
		}
	}
	return n, err
}
