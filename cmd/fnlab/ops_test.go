package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
