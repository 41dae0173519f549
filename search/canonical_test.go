package search

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/arch"
)

// TestCanonicalBuildsTheSameModel: for random genomes of every embedded
// space and the test space, the canonical genome builds the same model,
// and genomes that build the same model share one key.
func TestCanonicalBuildsTheSameModel(t *testing.T) {
	spaces := []string{"testdata/tiny.yaml"}
	spaces = append(spaces, EmbeddedSpaces()...)
	for _, name := range spaces {
		sp, err := LoadSpace(name)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		byModel := map[string]string{}
		reduced := 0
		for i := 0; i < 300; i++ {
			g := sp.Random(rng, nil)
			c := sp.Canonical(g, nil)
			a, errA := sp.Spec(g)
			b, errB := sp.Spec(c)
			if (errA == nil) != (errB == nil) {
				t.Fatalf("%s %v: valid %v, canonical %v valid %v", name, g, errA == nil, c, errB == nil)
			}
			if errA != nil {
				continue
			}
			ma, mb := modelSig(t, a), modelSig(t, b)
			if ma != mb {
				t.Fatalf("%s: %v and its canonical %v build different models", name, g, c)
			}
			if !sp.IsCanonical(c) {
				t.Fatalf("%s: canonical %v is not canonical", name, c)
			}
			if k, ok := byModel[ma]; ok && k != sp.Key(g) {
				t.Fatalf("%s: one model under keys %q and %q", name, k, sp.Key(g))
			}
			byModel[ma] = sp.Key(g)
			if !sp.IsCanonical(g) {
				reduced++
			}
		}
		t.Logf("%s: %d of 300 random genomes had genes that change nothing", name, reduced)
	}
}

// modelSig is what a spec's compiled model is: its layers with their
// attributes and output shapes (names and unused settings aside).
func modelSig(t *testing.T, s *arch.Spec) string {
	t.Helper()
	g, err := arch.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := range g.Layers {
		l := &g.Layers[i]
		fmt.Fprintf(&b, "%s %s %d %d %d %d %d %d %s %v;", l.Name, l.Op, l.InC, l.OutC, l.KH, l.Groups, l.ChannelsSplit, l.Stride, l.Act, g.OutShape(l))
	}
	return b.String()
}
