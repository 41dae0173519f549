package engine

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/tensorio"
)

// Weights maps reference tensor names to float32 tensors.
type Weights map[string]*tensorio.Tensor

// LoadWeights reads a .safetensors or PyTorch checkpoint and checks it
// strictly against g: every tensor of the ledger present with its shape,
// nothing unexpected (BatchNorm's num_batches_tracked is ignored).
func LoadWeights(path string, g *arch.Graph) (Weights, error) {
	want := map[string][]int{}
	for _, p := range g.Params() {
		want[p.Name] = p.Shape
	}
	st, err := tensorio.LoadExpect(path, tensorio.ExpectShapes(want)) // shapes checked before any data is read
	if err != nil {
		return nil, err
	}
	w := Weights{}
	for _, name := range st.Names {
		w[name] = st.Tensors[name]
	}
	if err := w.Check(g); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return w, nil
}

// Check lists, in one error, the tensors g needs that w lacks, the ones w
// has that g does not use, and the ones whose shapes differ.
func (w Weights) Check(g *arch.Graph) error {
	need := map[string]arch.Shape{}
	var missing, misshaped []string
	for _, p := range g.Params() {
		need[p.Name] = p.Shape
		t, ok := w[p.Name]
		if !ok {
			missing = append(missing, p.Name)
			continue
		}
		if !slices.Equal(t.Shape, []int(p.Shape)) {
			misshaped = append(misshaped, fmt.Sprintf("%s: file %v, model %v", p.Name, t.Shape, []int(p.Shape)))
		}
	}
	var unexpected []string
	for name := range w {
		if _, ok := need[name]; !ok && !strings.HasSuffix(name, "num_batches_tracked") {
			unexpected = append(unexpected, name)
		}
	}
	sort.Strings(unexpected)
	if len(missing)+len(unexpected)+len(misshaped) == 0 {
		return nil
	}
	var parts []string
	add := func(what string, list []string) {
		if len(list) == 0 {
			return
		}
		shown := list
		more := ""
		if len(shown) > 4 {
			shown, more = shown[:4], fmt.Sprintf(" and %d more", len(list)-4)
		}
		parts = append(parts, fmt.Sprintf("%d %s (%s%s)", len(list), what, strings.Join(shown, "; "), more))
	}
	add("missing", missing)
	add("unexpected", unexpected)
	add("mis-shaped", misshaped)
	msg := fmt.Sprintf("weights do not fit model %s: %s", g.Spec.Name, strings.Join(parts, ", "))
	if hint := fitHint(g.Spec, w); hint != "" {
		msg += "; the weights' shapes say " + hint
	}
	return errors.New(msg)
}

// RandomWeights initialises every tensor of g from seed, at realistic
// scales so that every layer matters in the output: convs Kaiming-normal
// (std sqrt(2/fan_in)), linear std sqrt(1/in) with bias 0.1*N(0,1), BN
// weight 1+0.2*N, bias 0.1*N, running mean 0.1*N, running var 0.5+U(0,1),
// layer scale 0.5+U(0,1).
func RandomWeights(g *arch.Graph, seed uint64) Weights {
	r := rand.New(rand.NewPCG(seed, 0x666e6c6162))
	w := Weights{}
	fill := func(p arch.Param, f func() float64) {
		t := &tensorio.Tensor{Shape: append([]int(nil), p.Shape...), Data: make([]float32, p.Shape.Numel())}
		for i := range t.Data {
			t.Data[i] = float32(f())
		}
		w[p.Name] = t
	}
	for _, l := range g.Layers {
		for _, p := range l.Params {
			suffix := p.Name[strings.LastIndexByte(p.Name, '.')+1:]
			switch {
			case l.Op == arch.OpConv && suffix == "weight":
				std := math.Sqrt(2 / float64(p.Shape.Numel()/int64(p.Shape[0])))
				fill(p, func() float64 { return r.NormFloat64() * std })
			case l.Op == arch.OpLinear && suffix == "weight":
				std := math.Sqrt(1 / float64(p.Shape[1]))
				fill(p, func() float64 { return r.NormFloat64() * std })
			case l.Op == arch.OpBN && suffix == "weight":
				fill(p, func() float64 { return 1 + 0.2*r.NormFloat64() })
			case suffix == "bias", suffix == "running_mean":
				fill(p, func() float64 { return 0.1 * r.NormFloat64() })
			case suffix == "running_var":
				fill(p, func() float64 { return 0.5 + r.Float64() })
			case suffix == "layer_scale":
				fill(p, func() float64 { return 0.5 + r.Float64() })
			default:
				panic("engine: no initialiser for " + p.Name)
			}
		}
	}
	return w
}

// State returns w as a tensorio.State in g's ledger order, for saving.
func (w Weights) State(g *arch.Graph) *tensorio.State {
	st := tensorio.NewState()
	for _, p := range g.Params() {
		if t, ok := w[p.Name]; ok {
			_ = st.Add(p.Name, t)
		}
	}
	return st
}
