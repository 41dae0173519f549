package engine

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/internal/atomicfile"
	"github.com/fnlab/fnlab/tensorio"
)

// WeightsSpecSets loads the weights in file and returns them with the
// overrides of spec ref that their shapes imply (embed_dim, depths,
// mixers, ...), keeping only those that change the spec.
func WeightsSpecSets(file, ref string) (Weights, []string, error) {
	st, err := tensorio.Load(file)
	if err != nil {
		return nil, nil, err
	}
	w := WeightsOf(st)
	sets, err := SpecSets(w.Shapes())
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", file, err)
	}
	base, err := arch.Load(ref, nil)
	if err != nil {
		return nil, nil, err
	}
	return w, Changing(base, sets), nil
}

// OutputFile is one output of a forward pass written as .npy; Top5 holds
// the five largest logits' classes of the first image, for logits.
type OutputFile struct {
	Path  string `json:"path"`
	Shape []int  `json:"shape"`
	Top5  []int  `json:"top5,omitempty"`
}

// WriteOutputs writes p's outputs as float32 .npy files: to path, or with
// several outputs (or forkFeat) to PATH_out0.EXT, PATH_out1.EXT, ... All
// files or none: a failure leaves every file as it was.
func WriteOutputs(p *Program, path string, forkFeat bool) ([]OutputFile, error) {
	var outs []OutputFile
	var group atomicfile.Group
	for i, o := range p.Outputs {
		file := path
		if len(p.Outputs) > 1 || forkFeat {
			ext := filepath.Ext(path)
			file = fmt.Sprintf("%s_out%d%s", strings.TrimSuffix(path, ext), i, ext)
		}
		t := &tensorio.Tensor{Shape: append([]int(nil), o.Shape...), Data: o.Data}
		if err := group.Add(file, func(w io.Writer) error { return tensorio.WriteNPY(w, t) }); err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		d := OutputFile{Path: file, Shape: t.Shape}
		if len(o.Shape) == 2 {
			d.Top5 = topk(o.Data[:o.Shape[1]], 5)
		}
		outs = append(outs, d)
	}
	if err := group.Commit(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return outs, nil
}

// topk is the indices of the k largest values of x, largest first (ties
// in index order).
func topk(x []float32, k int) []int {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] > x[idx[b]] })
	return idx[:min(k, len(idx))]
}
