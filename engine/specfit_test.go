package engine

import (
	"testing"

	"github.com/fnlab/fnlab/arch"
)

// TestSpecSetsRoundTrip: the keys read from a model's parameter shapes
// rebuild the same spec, for every preset and for specs with per-stage
// mixers, layer scale, no head and a detection head.
func TestSpecSetsRoundTrip(t *testing.T) {
	cases := [][]string{nil, {"stages.1.mixer=dwconv", "stages.2.mixer=gconv", "stages.2.groups=8", "stages.3.n_div=2"},
		{"layer_scale_init_value=0.5"}, {"num_classes=0"}, {"fork_feat=true"}, {"patch_norm=false", "mlp_ratio=3"}}
	for _, preset := range arch.Presets() {
		for _, sets := range cases {
			s, err := arch.Load(preset, sets)
			if err != nil {
				continue // a case that does not apply to this preset
			}
			g, err := arch.Compile(s)
			if err != nil {
				t.Fatal(err)
			}
			shapes := map[string][]int{}
			for _, p := range g.Params() {
				shapes[p.Name] = p.Shape
			}
			got, err := SpecSets(shapes)
			if err != nil {
				t.Fatalf("%s %v: %v", preset, sets, err)
			}
			// On the base with the layer scale value reset (only its presence is in the weights).
			back, err := arch.Load(preset, append(append([]string(nil), sets...), got...))
			if err != nil {
				t.Fatalf("%s %v: %v", preset, got, err)
			}
			back.LayerScaleInitValue = s.LayerScaleInitValue
			if string(arch.Marshal(back)) != string(arch.Marshal(s)) {
				t.Errorf("%s %v: read back as\n%s\nwant\n%s", preset, sets, arch.Marshal(back), arch.Marshal(s))
			}
			// And on a base that differs everywhere it can.
			other, err := arch.Load("t0", append([]string{"act_layer=" + string(s.Act), "pconv_fw_type=" + string(s.PConvFwType)}, got...))
			if err != nil {
				t.Fatalf("%s on t0: %v", preset, err)
			}
			g2, err := arch.Compile(other)
			if err != nil {
				t.Fatal(err)
			}
			p1, p2 := g.Params(), g2.Params()
			same := len(p1) == len(p2)
			for i := 0; same && i < len(p1); i++ {
				same = p1[i].Name == p2[i].Name && p1[i].Shape.String() == p2[i].Shape.String()
			}
			if !same {
				t.Errorf("%s %v: the ledger of the spec read on t0 differs", preset, sets)
			}
		}
	}
}
