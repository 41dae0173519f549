package fitreport

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/fit"
	"github.com/fnlab/fnlab/internal/outdir"
)

func sample() *fit.Report {
	red := 0.5
	return &fit.Report{Data: "generated", Teacher: "random", Gen: &fit.DefaultGen, Seconds: 1.5,
		Rows: []fit.Row{
			{Student: "conv", Stage: "1", Shape: "16x4x4", Redundancy: &red, Seeds: 2, Normalised: 1e-7, Params: 2304},
			{Student: "pconv+pwconv", Stage: "1", Shape: "16x4x4", Redundancy: &red, Seeds: 2, TestMSEMean: 0.1, Normalised: 0.25, NormalisedStd: 0.01, ItersMean: 3, Params: 272},
		},
		Rankings: map[string][]string{"1@redundancy=0.5": {"conv", "pconv+pwconv"}}}
}

func TestText(t *testing.T) {
	for _, c := range []struct {
		name  string
		write func(*bytes.Buffer) error
		want  []string
	}{
		{"table", func(b *bytes.Buffer) error { return Table(b, sample()) }, []string{
			"data: generated · teacher: random · generator:", "; 1.5 s\n", "pconv+pwconv", "0.25 ± 0.01", "  stage 1@redundancy=0.5: conv < pconv+pwconv\n"}},
		{"csv", func(b *bytes.Buffer) error { return CSV(b, sample()) }, []string{
			"student,stage,shape,redundancy,seeds,test_mse_mean,", "\npconv+pwconv,1,16x4x4,0.5,2,0.1,0,0.25,0.01,0,0,3,272,\n"}},
	} {
		var b bytes.Buffer
		if err := c.write(&b); err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s lacks %q:\n%s", c.name, w, b.String())
			}
		}
	}
}

func TestCharts(t *testing.T) {
	od, err := outdir.Open(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer od.Close()
	paths, err := Charts(sample(), od, "x_")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	if strings.Join(names, " ") != "x_fit_loss.png x_fit_loss.svg" {
		t.Errorf("charts %v", names)
	}
}
