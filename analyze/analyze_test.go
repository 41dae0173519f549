package analyze_test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
)

func count(t testing.TB, ref string, bn analyze.BNMode, sets ...string) *analyze.Report {
	t.Helper()
	s, err := arch.Load(ref, sets)
	if err != nil {
		t.Fatal(err)
	}
	g, err := arch.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	return analyze.Count(g, bn)
}

// FACTS: exact params, BN-fused MACs and fvcore flops with BN in eval mode
// of the six official variants at 1x3x224x224.
func TestPresetsMatchReference(t *testing.T) {
	cases := []struct {
		preset       string
		params, macs int64
		fvcoreEval   int64
	}{
		{"t0", 3905500, 335422720, 338041280},
		{"t1", 7595368, 850511872, 854701568},
		{"t2", 14982888, 1904334848, 1910619392},
		{"s", 31181032, 4549740544, 4560126976},
		{"m", 53521464, 8721938432, 8741525888},
		{"l", 93465192, 15494383616, 15520500224},
	}
	for _, c := range cases {
		t.Run(c.preset, func(t *testing.T) {
			eval := count(t, c.preset, analyze.BNEval)
			fused := count(t, c.preset, analyze.BNFused)
			if eval.Totals.Params != c.params {
				t.Errorf("params = %d, want %d", eval.Totals.Params, c.params)
			}
			if fused.Totals.MACs != c.macs || eval.Totals.MACs != c.macs {
				t.Errorf("MACs = %d (fused) %d (eval), want %d", fused.Totals.MACs, eval.Totals.MACs, c.macs)
			}
			if eval.Totals.FvcoreFLOPs != c.fvcoreEval {
				t.Errorf("fvcore flops (BN eval) = %d, want %d", eval.Totals.FvcoreFLOPs, c.fvcoreEval)
			}
			if fused.Totals.FvcoreFLOPs != c.macs+avgpoolElems(fused) {
				t.Errorf("fvcore flops (BN fused) = %d, want MACs + avgpool = %d", fused.Totals.FvcoreFLOPs, c.macs+avgpoolElems(fused))
			}
		})
	}
}

func avgpoolElems(r *analyze.Report) int64 {
	for _, l := range r.Layers {
		if l.Op == "avgpool" {
			return l.InShape.Numel()
		}
	}
	return 0
}

// The seed's two fvcore tables (sections 3.2 and 3.3), row by row.
func TestSeedFvcoreTables(t *testing.T) {
	for _, c := range []struct {
		file string
		sets []string
	}{
		{"testdata/seed_pconv.txt", []string{"depths=[1,1,1,1]", "input=3x256x256"}},
		{"testdata/seed_conv.txt", []string{"depths=[1,1,1,1]", "input=3x256x256", "mixer=conv"}},
	} {
		t.Run(c.file, func(t *testing.T) {
			want, err := os.ReadFile(c.file)
			if err != nil {
				t.Fatal(err)
			}
			r := count(t, "t2", analyze.BNTrain, c.sets...)
			got := normaliseTable(r.FvcoreTable(3))
			wantRows := strings.Split(strings.TrimSpace(string(want)), "\n")
			gotRows := strings.Split(strings.TrimSpace(got), "\n")
			if len(gotRows) != len(wantRows) {
				t.Errorf("%d rows, want %d\n%s", len(gotRows), len(wantRows), r.FvcoreTable(3))
			}
			for i := 0; i < min(len(gotRows), len(wantRows)); i++ {
				if strings.TrimSpace(gotRows[i]) != strings.TrimSpace(wantRows[i]) {
					t.Errorf("row %d:\n got  %q\n want %q", i, gotRows[i], wantRows[i])
				}
			}
		})
	}
}

var spaces = regexp.MustCompile(`\s+`)

// normaliseTable drops the header and separator and collapses the
// indentation, as the seed's copy of the table has lost it.
func normaliseTable(tab string) string {
	var out []string
	for i, line := range strings.Split(strings.TrimSpace(tab), "\n") {
		if i < 2 {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for j := range cells {
			cells[j] = strings.TrimSpace(spaces.ReplaceAllString(cells[j], " "))
		}
		out = append(out, strings.Join(cells, " | "))
	}
	return strings.Join(out, "\n")
}

// The golden models' fvcore counts (BN eval) from the manifest.
func TestGoldenManifestCounts(t *testing.T) {
	data, err := os.ReadFile("testdata/golden_manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var man map[string]struct {
		Config     map[string]any `json:"config"`
		InputShape []int          `json:"input_shape"`
		Counts     struct {
			MACs        int64 `json:"macs_conv_linear"`
			Fvcore      int64 `json:"fvcore_flops"`
			Activations int64 `json:"activations"`
			Params      int64 `json:"params"`
		} `json:"counts_eval"`
	}
	if err := json.Unmarshal(data, &man); err != nil {
		t.Fatal(err)
	}
	if len(man) < 6 {
		t.Fatalf("manifest has %d models", len(man))
	}
	for name, m := range man {
		t.Run(name, func(t *testing.T) {
			sets := manifestSets(m.Config, m.InputShape)
			r := count(t, "t0", analyze.BNEval, sets...)
			got := r.Totals
			if got.MACs != m.Counts.MACs || got.FvcoreFLOPs != m.Counts.Fvcore || got.Activations != m.Counts.Activations || got.Params != m.Counts.Params {
				t.Errorf("got macs %d fvcore %d acts %d params %d, want %d %d %d %d", got.MACs, got.FvcoreFLOPs, got.Activations, got.Params,
					m.Counts.MACs, m.Counts.Fvcore, m.Counts.Activations, m.Counts.Params)
			}
		})
	}
}

// manifestSets turns a golden model's config into --set overrides.
func manifestSets(cfg map[string]any, in []int) []string {
	b, _ := json.Marshal(cfg["depths"])
	sets := []string{
		"depths=" + string(b),
		"embed_dim=" + jsonNum(cfg["embed_dim"]),
		"mlp_ratio=" + jsonNum(cfg["mlp_ratio"]),
		"n_div=" + jsonNum(cfg["n_div"]),
		"feature_dim=" + jsonNum(cfg["feature_dim"]),
		"num_classes=" + jsonNum(cfg["num_classes"]),
		"act_layer=" + cfg["act"].(string),
		"input={batch: " + jsonNum(in[0]) + ", channels: " + jsonNum(in[1]) + ", height: " + jsonNum(in[2]) + ", width: " + jsonNum(in[3]) + "}",
	}
	if m, ok := cfg["mixer"]; ok {
		sets = append(sets, "mixer="+m.(string))
	}
	if g, ok := cfg["groups"]; ok {
		sets = append(sets, "groups="+jsonNum(g))
	}
	if f, ok := cfg["fork_feat"]; ok && f.(bool) {
		sets = append(sets, "fork_feat=true")
	}
	return sets
}

func jsonNum(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Paper Table 1: ten stacked layers of each operator, batch 1, at the four
// feature-map sizes (MACs in millions; exact for Conv and DWConv).
func TestPaperTable1MACs(t *testing.T) {
	sizes := [][3]int{{96, 56, 56}, {192, 28, 28}, {384, 14, 14}, {768, 7, 7}}
	for _, c := range []struct {
		op     string
		millis []float64 // the paper's MACs in millions, as printed
	}{
		{"conv", []float64{2601, 2601, 2601, 2601}},
		{"gconv", []float64{162, 162, 162, 162}},
		{"dwconv", []float64{27.09, 13.54, 6.77, 3.38}},
		{"pconv", []float64{162, 162, 162, 162}},
	} {
		for i, sz := range sizes {
			g, err := arch.CompileOps(arch.OpStack{Op: c.op, Channels: sz[0], Height: sz[1], Width: sz[2], Layers: 10, NDiv: 4, Groups: 16})
			if err != nil {
				t.Fatal(err)
			}
			macs := analyze.Count(g, analyze.BNFused).Totals.MACs
			h, w, ch := int64(sz[1]), int64(sz[2]), int64(sz[0])
			var exact int64
			switch c.op {
			case "conv":
				exact = 10 * h * w * 9 * ch * ch
			case "gconv":
				exact = 10 * h * w * 9 * ch * ch / 16
			case "dwconv":
				exact = 10 * h * w * 9 * ch
			case "pconv":
				exact = 10 * h * w * 9 * (ch / 4) * (ch / 4)
			}
			if macs != exact {
				t.Errorf("%s %v: MACs %d, want %d", c.op, sz, macs, exact)
			}
			// The paper prints millions truncated or rounded to its digits.
			m := float64(macs) / 1e6
			if d := m - c.millis[i]; d < -0.01 || d > 1 {
				t.Errorf("%s %v: %.3fM MACs, paper prints %gM", c.op, sz, m, c.millis[i])
			}
		}
	}
	// Spot values from FACTS.md.
	g, _ := arch.CompileOps(arch.OpStack{Op: "conv", Channels: 96, Height: 56, Width: 56, Layers: 10})
	if got := analyze.Count(g, analyze.BNFused).Totals.MACs; got != 2601123840 {
		t.Errorf("conv 96x56x56 x10 = %d MACs, want 2,601,123,840", got)
	}
	g, _ = arch.CompileOps(arch.OpStack{Op: "dwconv", Channels: 96, Height: 56, Width: 56, Layers: 10})
	if got := analyze.Count(g, analyze.BNFused).Totals.MACs; got != 27095040 {
		t.Errorf("dwconv 96x56x56 x10 = %d MACs, want 27,095,040", got)
	}
}

// The paper's memory-access formula: PConv's is about 1/4 of Conv's where
// the feature map dominates (stage 0 of T0); weights shrink by 1/16.
func TestPaperMemAccess(t *testing.T) {
	find := func(r *analyze.Report, name string) analyze.LayerCost {
		for _, l := range r.Layers {
			if l.Name == name {
				return l
			}
		}
		t.Fatalf("no layer %s", name)
		return analyze.LayerCost{}
	}
	p := find(count(t, "t0", analyze.BNFused), "stages.0.blocks.0.spatial_mixing.partial_conv3").PaperMemAccess
	c := find(count(t, "t0", analyze.BNFused, "mixer=conv"), "stages.0.blocks.0.spatial_mixing.conv").PaperMemAccess
	if want := int64(56*56*2*10 + 9*10*10); p != want {
		t.Errorf("PConv stage 0: %d elements, want h*w*2*c_p + 9*c_p^2 = %d", p, want)
	}
	if want := int64(56*56*2*40 + 9*40*40); c != want {
		t.Errorf("Conv stage 0: %d elements, want h*w*2c + 9c^2 = %d", c, want)
	}
	if ratio := float64(p) / float64(c); ratio < 0.23 || ratio > 0.26 {
		t.Errorf("PConv/Conv memory access = %.3f, want about 1/4", ratio)
	}
}

// Analysing the largest preset, from spec to report, must stay well under 50 ms.
func BenchmarkAnalyzeL(b *testing.B) {
	for b.Loop() {
		s, err := arch.Load("l", nil)
		if err != nil {
			b.Fatal(err)
		}
		g, err := arch.Compile(s)
		if err != nil {
			b.Fatal(err)
		}
		_ = analyze.Count(g, analyze.BNEval).FvcoreTable(3)
	}
}

func ExampleCount() {
	s, _ := arch.Load("t0", nil)
	g, _ := arch.Compile(s)
	r := analyze.Count(g, analyze.BNEval)
	fmt.Println(r.Totals.Params, r.Totals.MACs, r.Totals.FvcoreFLOPs)
	// Output: 3905500 335422720 338041280
}

func ExampleQuantile() {
	times := []float64{4.1, 4.2, 4.4, 5.0, 9.0} // sorted
	fmt.Printf("median %.2f p10 %.2f p90 %.2f\n", analyze.Quantile(times, 0.5), analyze.Quantile(times, 0.1), analyze.Quantile(times, 0.9))
	// Output: median 4.40 p10 4.14 p90 7.40
}

func TestByRole(t *testing.T) {
	r := count(t, "t2", analyze.BNTrain, "depths=[1,1,1,1]", "input=3x256x256")
	parts := r.ByRole()
	var roles []arch.Role
	var sum analyze.Cost
	for _, p := range parts {
		roles = append(roles, p.Role)
		sum = sum.Add(p.Cost)
	}
	if want := []arch.Role{arch.RoleEmbed, arch.RoleMixer, arch.RoleMLP, arch.RoleMerge, arch.RoleHead}; fmt.Sprint(roles) != fmt.Sprint(want) {
		t.Errorf("roles %v, want %v", roles, want)
	}
	if sum != r.Totals {
		t.Errorf("parts add up to %+v, totals %+v", sum, r.Totals)
	}
	// The seed's model: four PConvs of 21.234M MACs each (fvcore counts a MAC as one flop).
	if parts[1].Cost != r.MixerCost() || parts[1].MACs != 4*21233664 {
		t.Errorf("mixer part %+v, MixerCost %+v", parts[1].Cost, r.MixerCost())
	}
}
