package analyze_test

import (
	"encoding/json"
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
