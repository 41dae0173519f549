package optable

import "testing"

// TestMACsMatchPaper checks every Table 1 cell the paper prints.
func TestMACsMatchPaper(t *testing.T) {
	for op, p := range PaperTable1 {
		for i, sz := range PaperSizes {
			row, _, err := Cost(op, sz, 10)
			if err != nil {
				t.Fatal(err)
			}
			if row.PaperMatch == nil || !*row.PaperMatch {
				t.Errorf("%s %s: %d MACs, paper prints %s M", op, sz, row.MACs, p.MMACs[i])
			}
		}
	}
	// Exact values from the reference facts.
	for _, c := range []struct {
		op   string
		sz   Size
		macs int64
	}{{"conv", PaperSizes[0], 2601123840}, {"dwconv", PaperSizes[0], 27095040}, {"pconv", PaperSizes[3], 162570240}, {"pconv_slicing", PaperSizes[1], 162570240}} {
		row, _, err := Cost(c.op, c.sz, 10)
		if err != nil || row.MACs != c.macs {
			t.Errorf("%s %s: %d MACs (%v), want %d", c.op, c.sz, row.MACs, err, c.macs)
		}
	}
	// Not 10 layers: no paper figures.
	if row, _, _ := Cost("conv", PaperSizes[0], 3); row.PaperMMACs != nil {
		t.Error("3 layers compared with the paper's 10")
	}
	if _, _, err := Cost("conv7", PaperSizes[0], 10); err == nil {
		t.Error("unknown operator: want an error")
	}
}

func TestRoundedMillions(t *testing.T) {
	for _, c := range []struct {
		macs  int64
		paper string
		want  string
	}{{2601123840, "2601", "2601"}, {27095040, "27.09", "27.09"}, {13547520, "13.54", "13.54"}, {3386880, "3.38", "3.38"}, {162570240, "162", "162"}, {163000000, "162", "163"}} {
		if got := RoundedMillions(c.macs, c.paper); got != c.want {
			t.Errorf("RoundedMillions(%d, %s) = %s, want %s", c.macs, c.paper, got, c.want)
		}
	}
}

func TestMeasure(t *testing.T) {
	row, err := Measure("pconv+pwconv", Size{C: 16, H: 8, W: 8}, 2, 1, 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	if row.Runs < 3 || row.MedianMS <= 0 || row.GFLOPS <= 0 || row.MACs != 2*(8*8*(4*4*9)+8*8*16*16) {
		t.Errorf("row %+v", row)
	}
}
