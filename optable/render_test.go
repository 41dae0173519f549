package optable

import (
	"bytes"
	"strings"
	"testing"
)

func TestRenderings(t *testing.T) {
	row, _, err := Cost("pconv", PaperSizes[0], 10)
	if err != nil {
		t.Fatal(err)
	}
	row.MedianMS, row.P10MS, row.P90MS, row.GFLOPS = 2, 1.5, 2.5, 160
	d := &Doc{Layers: 10, Rows: []Row{row}, FMAPeak: 320}
	var tb, cb bytes.Buffer
	if err := WriteTable(&tb, d); err != nil {
		t.Fatal(err)
	}
	if err := WriteCSV(&cb, d); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"10 stacked layers, batch 1", "pconv", "96x56x56", "162 ✓", "1.500-2.500", " 50 "} {
		if !strings.Contains(tb.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, tb.String())
		}
	}
	lines := strings.Split(strings.TrimSpace(cb.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "op,size,layers,") || !strings.HasPrefix(lines[1], "pconv,96x56x56,10,") {
		t.Errorf("csv:\n%s", cb.String())
	}
}
