package sheet

import (
	"errors"
	"testing"
)

// One reader for every number people type: the two kinds of quantity
// differ only in what a single comma means.
func TestParseQuantity(t *testing.T) {
	for _, c := range []struct {
		in     string
		commas Commas
		want   float64
		err    error // nil: want is the value
	}{
		{"1.5", DecimalComma, 1.5, nil},
		{"1,5", DecimalComma, 1.5, nil},
		{" １,５ ", DecimalComma, 1.5, nil},
		{",5", DecimalComma, 0.5, nil},
		{"12,25", DecimalComma, 12.25, nil},
		{"3", DecimalComma, 3, nil},
		{"1,500", DecimalComma, 0, ErrAmbiguous},
		{"12,500", DecimalComma, 0, ErrAmbiguous},
		{"1,500.5", DecimalComma, 1500.5, nil}, // a dot after it: the comma separates thousands
		{"1,234,567", DecimalComma, 1234567, nil},
		{"1,2,3", DecimalComma, 0, errSyntax},
		{"1.5,0", DecimalComma, 0, errSyntax},
		{"1,500", Thousands, 1500, nil},
		{"1,234.5", Thousands, 1234.5, nil},
		{"−5", Thousands, -5, nil},
		{"12,5", Thousands, 0, errSyntax},
		{"1,5", Thousands, 0, errSyntax},
		{"", DecimalComma, 0, errSyntax},
		{"abc", DecimalComma, 0, errSyntax},
		{"NaN", DecimalComma, 0, errSyntax},
		{"1e999", Thousands, 0, errSyntax},
		{"0x10", Thousands, 0, errSyntax},
	} {
		got, err := ParseQuantity(c.in, c.commas)
		switch {
		case c.err == nil && (err != nil || got != c.want):
			t.Errorf("ParseQuantity(%q, %d) = %v, %v; want %v", c.in, c.commas, got, err, c.want)
		case c.err == ErrAmbiguous && !errors.Is(err, ErrAmbiguous):
			t.Errorf("ParseQuantity(%q, %d) = %v, %v; want it refused as ambiguous", c.in, c.commas, got, err)
		case c.err == errSyntax && (err == nil || errors.Is(err, ErrAmbiguous)):
			t.Errorf("ParseQuantity(%q, %d) = %v, %v; want it refused as no number", c.in, c.commas, got, err)
		}
	}
}

var errSyntax = errors.New("no number")
