package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpsMACsMatchPaper checks every Table 1 cell the paper prints.
func TestOpsMACsMatchPaper(t *testing.T) {
	for op, p := range paperTable1 {
		for i, sz := range paperSizes {
			row, _, err := costOps(op, sz, 10)
			if err != nil {
				t.Fatal(err)
			}
			if row.PaperMatch == nil || !*row.PaperMatch {
				t.Errorf("%s %s: %d MACs, paper prints %s M", op, sz, row.MACs, p.mmacs[i])
			}
		}
	}
	// Exact values from FACTS.md.
	for _, c := range []struct {
		op   string
		sz   opSize
		macs int64
	}{{"conv", paperSizes[0], 2601123840}, {"dwconv", paperSizes[0], 27095040}, {"pconv", paperSizes[3], 162570240}, {"pconv_slicing", paperSizes[1], 162570240}} {
		row, _, err := costOps(c.op, c.sz, 10)
		if err != nil || row.MACs != c.macs {
			t.Errorf("%s %s: %d MACs (%v), want %d", c.op, c.sz, row.MACs, err, c.macs)
		}
	}
}

func TestRoundedMillions(t *testing.T) {
	for _, c := range []struct {
		macs  int64
		paper string
		want  string
	}{{2601123840, "2601", "2601"}, {27095040, "27.09", "27.09"}, {13547520, "13.54", "13.54"}, {3386880, "3.38", "3.38"}, {162570240, "162", "162"}, {163000000, "162", "163"}} {
		if got := roundedMillions(c.macs, c.paper); got != c.want {
			t.Errorf("roundedMillions(%d, %s) = %s, want %s", c.macs, c.paper, got, c.want)
		}
	}
}

func TestOpsCommand(t *testing.T) {
	dir := t.TempDir()
	out, errText, code := run(t, "ops", "--sizes", "32x8x8,16x6x6", "--layers", "2", "--ops", "conv,pconv_slicing,dwconv+pwconv",
		"--runs", "3", "--budget", "1ms", "--threads", "1", "--format", "json", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errText)
	}
	var doc struct {
		Roofline map[string]any   `json:"roofline"`
		Rows     []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(doc.Rows) != 6 || doc.Roofline["peak_gflops"].(float64) <= 0 || doc.Roofline["bandwidth_gbs"].(float64) <= 0 {
		t.Fatalf("got %d rows, roofline %v", len(doc.Rows), doc.Roofline)
	}
	for _, r := range doc.Rows {
		for _, k := range []string{"op", "size", "macs", "bytes", "arithmetic_intensity", "median_ms", "p10_ms", "p90_ms", "gflops", "roofline_gflops"} {
			if _, ok := r[k]; !ok {
				t.Errorf("row lacks %q: %v", k, r)
			}
		}
		if r["median_ms"].(float64) <= 0 || r["gflops"].(float64) <= 0 {
			t.Errorf("row not measured: %v", r)
		}
	}
	for _, f := range []string{"ops.json", "ops_latency.png", "ops_latency.svg", "ops_gflops.png", "ops_roofline.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	table, _, code := run(t, "ops", "--sizes", "16x4x4", "--layers", "1", "--ops", "pconv", "--runs", "2", "--budget", "1ms", "--threads", "1")
	if code != 0 || !strings.Contains(table, "roofline: peak") || !strings.Contains(table, "pconv") {
		t.Errorf("table output:\n%s", table)
	}
}

func TestOpsBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ops", "--sizes", "96x56"}, "--sizes"},
		{[]string{"ops", "--sizes", "0x5x5"}, "--sizes"},
		{[]string{"ops", "--ops", "conv,winograd"}, "unknown operator \"winograd\""},
		{[]string{"ops", "--ops", "gconv", "--sizes", "24x4x4"}, "groups 16 does not divide"},
		{[]string{"ops", "--layers", "0"}, "--layers"},
		{[]string{"ops", "--threads", "-1"}, "--threads"},
		{[]string{"ops", "--format", "xml"}, "--format"},
		{[]string{"ops", "--budget", "0s"}, "--budget"},
		{[]string{"ops", "extra"}, "takes no arguments"},
	} {
		_, errText, code := run(t, c.args...)
		if code != 2 || !strings.Contains(errText, c.want) || strings.Contains(errText, "\n") {
			t.Errorf("%v: exit %d, error %q; want exit 2 mentioning %q on one line", c.args, code, errText, c.want)
		}
	}
}
