package search

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const validSpace = `name: ok
base: t0
set: [embed_dim=8, feature_dim=16, num_classes=10, "input=3x32x32"]
vary:
  n_div: [2, 4]
  depth: [[1], [1, 2], {min: 1, max: 3}, [1, 2]]
  mixer: [pconv, dwconv, "gconv:4"]
  embed_dim: [8, 16]
  mlp_ratio: [1.5, 2]
  resolution: [32, 64]
constraints: {latency_ms: 5, params: 60K, macs: 10M, peak_memory: 1MiB}
objectives: [{min: latency}, {max: naswot}, params]
proxy: {batch: 4, resolution: 32, seed: 3}
`

func TestParseSpaceValid(t *testing.T) {
	sp, err := ParseSpace("ok.yaml", []byte(validSpace))
	if err != nil {
		t.Fatal(err)
	}
	// n_div 4 stages, depth stages 1..3, mixer 4 stages, embed_dim, mlp_ratio, resolution.
	if got := len(sp.Genes); got != 4+3+4+3 {
		t.Errorf("%d genes, want 14", got)
	}
	if sp.Size() != 16*(2*3*2)*81*8 {
		t.Errorf("size %d", sp.Size())
	}
	if len(sp.Constraints) != 4 || sp.Constraints[1].Max != 60e3 || sp.Constraints[3].Max != 1<<20 {
		t.Errorf("constraints %+v", sp.Constraints)
	}
	if len(sp.Objectives) != 3 || !sp.Objectives[1].Maximize || sp.Objectives[2].Maximize {
		t.Errorf("objectives %+v", sp.Objectives)
	}
	if sp.Proxy.Seed != 3 || sp.Proxy.Batch != 4 {
		t.Errorf("proxy %+v", sp.Proxy)
	}
	g := sp.Decode(sp.Size()-1, nil)
	k := sp.Key(g)
	back, err := sp.ParseKey(k)
	if err != nil || sp.Key(back) != k {
		t.Errorf("key round trip %q: %v", k, err)
	}
	s, err := sp.Spec(g)
	if err != nil {
		t.Fatal(err)
	}
	if s.Stages[3].Mixer != "gconv" || s.Stages[3].Groups != 4 || s.Input.Height != 64 || s.EmbedDim != 16 {
		t.Errorf("last candidate spec %+v", s)
	}
	for _, name := range EmbeddedSpaces() {
		if _, err := LoadSpace(name); err != nil {
			t.Errorf("embedded %s: %v", name, err)
		}
	}
}

func TestParseSpaceRecon(t *testing.T) {
	base := "base: t0\nvary: {n_div: [2, 4]}\n"
	cap1, err := ParseSpace("s.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	cap2, err := ParseSpace("s.yaml", []byte(base+"recon: {method: capacity}\n"))
	if err != nil {
		t.Fatal(err)
	}
	fit1, err := ParseSpace("s.yaml", []byte(base+"recon: {method: fit}\n"))
	if err != nil {
		t.Fatal(err)
	}
	fit2, err := ParseSpace("s.yaml", []byte(base+"recon: {method: fit, seeds: 3, max_iter: 5}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cap1.Hash != cap2.Hash || cap1.Hash == fit1.Hash || fit1.Hash == fit2.Hash {
		t.Errorf("hashes: capacity %s %s, fit %s %s", cap1.Hash, cap2.Hash, fit1.Hash, fit2.Hash)
	}
	if cap1.ReconScorer().Name() != "capacity" || fit2.ReconScorer().Name() != "fit(seeds=3,max_iter=5,samples=1.5)" {
		t.Errorf("scorers %s, %s", cap1.ReconScorer().Name(), fit2.ReconScorer().Name())
	}
	if fit1.ReconScorer() != fit1.ReconScorer() {
		t.Error("a space's fitted scorer must be shared, so its fits are cached once")
	}
}

func TestParseSpaceErrors(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"empty", ``, "empty space"},
		{"not yaml", "base: [", "invalid YAML"},
		{"top list", "- 1\n", "expected a mapping"},
		{"unknown key", "base: t0\nvary: {n_div: [2]}\nfoo: 1\n", "s.yaml:3: foo: unknown key"},
		{"repeated key", "base: t0\nbase: t1\n", "s.yaml:2: base: key repeated (first at line 1)"},
		{"missing base", "vary: {n_div: [2, 4]}\n", "base: missing"},
		{"bad base", "base: nosuch\nvary: {n_div: [2, 4]}\n", "s.yaml:1: base: spec \"nosuch\": not a preset"},
		{"missing vary", "base: t0\n", "vary: missing"},
		{"empty vary", "base: t0\nvary: {}\n", "no dimension to search"},
		{"unknown dim", "base: t0\nvary: {width: [1]}\n", "s.yaml:2: vary.width: unknown key"},
		{"n_div not int", "base: t0\nvary:\n  n_div: [2, four]\n", "s.yaml:3: vary.n_div[1]: expected an integer from 1 to 65536, found \"four\""},
		{"n_div zero", "base: t0\nvary: {n_div: [0, 2]}\n", "vary.n_div[0]: expected an integer from 1 to 65536, found 0"},
		{"n_div too wide", "base: t0\nvary:\n  n_div: [4, 64]\n", "s.yaml:3: vary.stages.0.n_div: choice 64 does not fit base t0"},
		{"duplicate choice", "base: t0\nvary: {n_div: [2, 2]}\n", "2 listed twice"},
		{"depth range reversed", "base: t0\nvary:\n  depth: {min: 3, max: 1}\n", "s.yaml:3: vary.depth.max: 1 is below min 3"},
		{"depth range half", "base: t0\nvary: {depth: {min: 3}}\n", "a range needs min and max"},
		{"per-stage count", "base: t0\nvary:\n  depth: [[1], [2]]\n", "s.yaml:3: vary.depth: 2 per-stage entries, but base t0 has 4 stages"},
		{"bad mixer", "base: t0\nvary: {mixer: [pconv, attention]}\n", "vary.mixer[1]: expected pconv, conv, dwconv, gconv or gconv:G"},
		{"gconv groups", "base: t0\nvary: {mixer: [pconv, \"gconv:7\"]}\n", "choice gconv:7 does not fit base t0"},
		{"mlp_ratio negative", "base: t0\nvary: {mlp_ratio: [2, -1]}\n", "vary.mlp_ratio[1]: expected a number above 0"},
		{"tied with stages", "base: t0\nvary: {n_div: {tied: true, stages: [[2],[2],[2],[2]]}}\n", "tied needs values"},
		{"constraint unit", "base: t0\nvary: {n_div: [2, 4]}\nconstraints: {params: 4 lots}\n", "constraints.params: expected a positive number with an optional K, M, G suffix"},
		{"constraint unknown", "base: t0\nvary: {n_div: [2, 4]}\nconstraints: {speed: 1}\n", "constraints.speed: unknown key"},
		{"objective metric", "base: t0\nvary: {n_div: [2, 4]}\nobjectives: [{min: accuracy}]\n", "objectives[0]: unknown metric \"accuracy\""},
		{"objective direction", "base: t0\nvary: {n_div: [2, 4]}\nobjectives: [{lower: latency}]\n", "objectives[0]: expected min or max"},
		{"no objectives", "base: t0\nvary: {n_div: [2, 4]}\nobjectives: []\n", "objectives: expected a list of one or more objectives such as [{min: latency}, {max: naswot}], found an empty list"},
		{"objective twice", "base: t0\nvary: {n_div: [2, 4]}\nobjectives: [latency, {max: latency}]\n", "latency is already an objective"},
		{"too many objectives", "base: t0\nvary: {n_div: [2, 4]}\nobjectives: [latency, params, macs, flops, bytes]\n", "5 objectives, at most 4"},
		{"proxy batch", "base: t0\nvary: {n_div: [2, 4]}\nproxy: {batch: 1}\n", "proxy.batch: expected an integer from 2 to 256, found 1"},
		{"set syntax", "base: t0\nset: [embed_dim]\nvary: {n_div: [2, 4]}\n", "set[0]: expected \"key.path=value\""},
		{"set invalid", "base: t0\nset: [embed_dim=0]\nvary: {n_div: [2, 4]}\n", "base: set embed_dim"},
		{"recon method", "base: t0\nvary: {n_div: [2, 4]}\nrecon: {method: train}\n", "s.yaml:3: recon.method: expected one of capacity, fit, found \"train\""},
		{"recon seeds", "base: t0\nvary: {n_div: [2, 4]}\nrecon: {method: fit, seeds: 0}\n", "recon.seeds: expected an integer from 1 to 10, found 0"},
		{"recon seeds capacity", "base: t0\nvary: {n_div: [2, 4]}\nrecon: {seeds: 2}\n", "recon: seeds and max_iter apply to method: fit only"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSpace("s.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q\nwant it to contain %q", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestLoadSpaceRelativeBase(t *testing.T) {
	dir := t.TempDir()
	base := "embed_dim: 8\ndepths: [1, 1, 1, 1]\ninput: 3x32x32\n"
	if err := os.WriteFile(filepath.Join(dir, "base.yaml"), []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	sp := "base: base.yaml\nvary: {n_div: [2, 4]}\nobjectives: [params]\n"
	p := filepath.Join(dir, "space.yaml")
	if err := os.WriteFile(p, []byte(sp), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSpace(p)
	if err != nil {
		t.Fatal(err)
	}
	if s.Base != filepath.Join(dir, "base.yaml") || s.Size() != 16 {
		t.Errorf("base %s size %d", s.Base, s.Size())
	}
	if _, err := LoadSpace(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzParseSpace(f *testing.F) {
	f.Add([]byte(validSpace))
	f.Add([]byte("base: t0\nvary: {n_div: [2, 4], depth: {min: 1, max: 3}}\n"))
	f.Add([]byte("base: t0\nvary: {mixer: {values: [pconv, conv], tied: true}}\nobjectives: [latency]\n"))
	f.Add([]byte("base: t0\nvary: {resolution: [32, 64]}\nconstraints: {peak_memory: 8MiB}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sp, err := ParseSpace("fuzz.yaml", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		if len(sp.Genes) == 0 || len(sp.Objectives) == 0 || sp.Size() < 1 {
			t.Fatalf("accepted a space without genes or objectives: %+v", sp)
		}
		g := sp.Decode(0, nil)
		if _, err := sp.ParseKey(sp.Key(g)); err != nil {
			t.Fatalf("key round trip: %v", err)
		}
	})
}
