package arch_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/arch"
)

// roundTrip checks that Parse reads Marshal(s) back to s (its source aside).
func roundTrip(t *testing.T, what string, s *arch.Spec) {
	t.Helper()
	text := arch.Marshal(s, "round trip")
	back, err := arch.Parse("back.yaml", text)
	if err != nil {
		t.Fatalf("%s: Parse(Marshal): %v\n%s", what, err, text)
	}
	want := *s
	want.Source, back.Source = "", ""
	if !reflect.DeepEqual(*back, want) {
		t.Errorf("%s: read back\n%+v\nwant\n%+v\nfrom\n%s", what, *back, want, text)
	}
	if d := arch.Diff(s, back); len(d) != 0 {
		t.Errorf("%s: Diff after a round trip: %v", what, d)
	}
}

func TestMarshalRoundTripPresets(t *testing.T) {
	for _, p := range arch.Presets() {
		s, err := arch.Load(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, p, s)
	}
}

// mutations draw one override each; a random spec is a preset with a few
// of them applied (the combinations arch refuses are skipped).
var mutations = []func(r *rand.Rand, stages int) string{
	func(r *rand.Rand, _ int) string { return fmt.Sprintf("n_div=%d", 1<<r.IntN(4)) },
	func(r *rand.Rand, _ int) string { return "mixer=" + string(arch.Mixers[r.IntN(len(arch.Mixers))]) },
	func(r *rand.Rand, _ int) string { return fmt.Sprintf("groups=%d", 1<<r.IntN(4)) },
	func(r *rand.Rand, _ int) string { return fmt.Sprintf("embed_dim=%d", 8*(1+r.IntN(8))) },
	func(r *rand.Rand, _ int) string {
		d := make([]string, 1+r.IntN(5))
		for i := range d {
			d[i] = fmt.Sprint(r.IntN(4))
		}
		return "depths=[" + strings.Join(d, ",") + "]"
	},
	func(r *rand.Rand, _ int) string {
		return "mlp_ratio=" + []string{"0.5", "1", "1.5", "2", "2.5", "3.25", "4"}[r.IntN(7)]
	},
	func(r *rand.Rand, _ int) string { return "act_layer=" + []string{"RELU", "GELU", "gelu"}[r.IntN(3)] },
	func(r *rand.Rand, _ int) string {
		return "pconv_fw_type=" + []string{"split_cat", "slicing"}[r.IntN(2)]
	},
	func(r *rand.Rand, _ int) string { return fmt.Sprintf("patch_norm=%v", r.IntN(2) == 0) },
	func(r *rand.Rand, _ int) string { return fmt.Sprintf("fork_feat=%v", r.IntN(2) == 0) },
	func(r *rand.Rand, _ int) string {
		return "layer_scale_init_value=" + []string{"0", "1e-6", "0.5", "1e-05"}[r.IntN(4)]
	},
	func(r *rand.Rand, _ int) string {
		return "drop_path_rate=" + []string{"0", "0.05", "0.1", "0.3"}[r.IntN(4)]
	},
	func(r *rand.Rand, _ int) string { return fmt.Sprintf("num_classes=%d", r.IntN(3)*500) },
	func(r *rand.Rand, _ int) string { return fmt.Sprintf("feature_dim=%d", 16<<r.IntN(7)) },
	func(r *rand.Rand, _ int) string {
		k := 1 + r.IntN(4)
		return fmt.Sprintf("patch_size=%d", k)
	},
	func(r *rand.Rand, _ int) string { return fmt.Sprintf("patch_stride2=%d", 1+r.IntN(2)) },
	func(r *rand.Rand, _ int) string {
		return fmt.Sprintf("input={channels: %d, height: %d, width: %d, batch: %d}", 1+r.IntN(4), 32+r.IntN(300), 32+r.IntN(300), 1+r.IntN(8))
	},
	func(r *rand.Rand, n int) string {
		i := r.IntN(n)
		switch r.IntN(4) {
		case 0:
			return fmt.Sprintf("stages.%d.depth=%d", i, r.IntN(4))
		case 1:
			return fmt.Sprintf("stages.%d.mixer=%s", i, arch.Mixers[r.IntN(len(arch.Mixers))])
		case 2:
			return fmt.Sprintf("stages.%d.n_div=%d", i, 1<<r.IntN(4))
		}
		return fmt.Sprintf("stages.%d.groups=%d", i, 1<<r.IntN(4))
	},
}

func TestMarshalRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 1))
	presets := arch.Presets()
	valid := 0
	for i := 0; i < 600; i++ {
		p := presets[r.IntN(len(presets))]
		base, err := arch.Load(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		var sets []string
		for range 1 + r.IntN(5) {
			sets = append(sets, mutations[r.IntN(len(mutations))](r, len(base.Depths)))
		}
		s, err := arch.Load(p, sets)
		if err != nil {
			continue
		}
		valid++
		roundTrip(t, p+" "+strings.Join(sets, " "), s)
	}
	if valid < 300 {
		t.Errorf("only %d of 600 random specs were valid", valid)
	}
}

// TestMarshalFileRoundTrip: what Marshal writes, Load reads from a file.
func TestMarshalFileRoundTrip(t *testing.T) {
	s, err := arch.Load("t0", []string{"stages.1.mixer=gconv", "stages.1.groups=4", `name="odd: name"`})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(p, arch.Marshal(s), 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := arch.Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if back.Name != "odd: name" || arch.Hash(back) != arch.Hash(s) {
		t.Errorf("read back %q (hash %s), want %q (hash %s)", back.Name, arch.Hash(back), s.Name, arch.Hash(s))
	}
}

func TestDiff(t *testing.T) {
	base, _ := arch.Load("t0", nil)
	cases := []struct {
		sets []string
		want []string
	}{
		{nil, nil},
		{[]string{"name=other"}, nil},
		{[]string{"n_div=8"}, []string{"n_div", "stages"}},
		{[]string{"stages.2.n_div=8"}, []string{"stages"}},
		{[]string{"depths=[1,1,1,1]"}, []string{"depths", "stages"}},
		{[]string{"input=3x256x256", "mlp_ratio=2.5"}, []string{"mlp_ratio", "input"}},
	}
	for _, c := range cases {
		s, err := arch.Load("t0", c.sets)
		if err != nil {
			t.Fatal(err)
		}
		if got := arch.Diff(base, s); !slices.Equal(got, c.want) {
			t.Errorf("Diff(t0, %v) = %v, want %v", c.sets, got, c.want)
		}
	}
}

// FuzzMarshal: every spec Parse accepts survives Marshal and Parse.
func FuzzMarshal(f *testing.F) {
	seeds, _ := filepath.Glob("../specs/*.yaml")
	for _, p := range seeds {
		data, _ := os.ReadFile(p)
		f.Add(data)
	}
	f.Add([]byte("extends: t0\nname: \"a\\tb\"\nstages: [{n_div: 8}, null, {mixer: gconv, groups: 2}]\ninput: 3x64x48\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := arch.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		roundTrip(t, "fuzz", s)
	})
}

// Every model field of Spec has its key in Fields, so Marshal, Hash, Diff
// and the writers built on them carry a new key once it is added there.
func TestFieldsCoverSpec(t *testing.T) {
	s := arch.Default()
	notKeys := map[string]bool{"Name": true, "Source": true}
	var fields []string
	for f := range reflect.TypeOf(s).Fields() {
		if !notKeys[f.Name] {
			fields = append(fields, f.Name)
		}
	}
	if got := len(arch.Fields(&s)); got != len(fields) {
		t.Errorf("Fields lists %d keys, Spec has %d model fields %v: add the new field's key to arch.Fields (and marshalOrder)", got, len(fields), fields)
	}
}
