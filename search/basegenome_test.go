package search

import "testing"

func TestBaseGenome(t *testing.T) {
	sp, err := LoadSpace("search_t0_ndiv_depth")
	if err != nil {
		t.Fatal(err)
	}
	g, err := sp.BaseGenome()
	if err != nil {
		t.Fatal(err)
	}
	// T0: n_div 4 at every stage, depths 1-2-8-2.
	if got := sp.ShortName(g); got != "4-4-4-4_1-2-8-2" {
		t.Errorf("base genome %s, want 4-4-4-4_1-2-8-2", got)
	}
	// A space whose depths leave out T0's 8 blocks in stage 3 does not hold T0.
	out, err := ParseSpace("out.yaml", []byte("name: out\nbase: t0\nvary:\n  depth:\n    - [1]\n    - [2]\n    - [4, 6]\n    - [2]\nobjectives:\n  - min: macs\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := out.BaseGenome(); err == nil {
		t.Error("base outside the space: want an error")
	}
}
