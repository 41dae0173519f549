package engine

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/arch"
)

func TestInferDoc(t *testing.T) {
	d := &InferDoc{ForwardMS: 1.5, Model: "m", Spec: arch.Ref{Name: "m", Hash: "h"}, Threads: 2, Weights: "w.pth",
		SetsFromWeights: []string{"embed_dim=8", "depths=[1,1,1,1]"},
		Outputs:         []OutputFile{{Path: "y.npy", Shape: []int{1, 10}, Top5: []int{3, 1, 2, 0, 4}}, {Path: "f.npy", Shape: []int{1, 8, 2, 2}}}}
	var b strings.Builder
	if err := d.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "spec from the weights' shapes: embed_dim=8 depths=[1,1,1,1]\n" + d.Spec.String() + ": forward pass 1.50 ms on 2 thread(s), weights w.pth\n" +
		"wrote y.npy [1 10]  top-5 classes of image 0: [3 1 2 0 4]\nwrote f.npy [1 8 2 2]\n"
	if b.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", b.String(), want)
	}
	// The keys in the order a map gives them, as fnlab infer has always written them.
	data, _ := json.Marshal(d)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(data, &m)
	fromMap, _ := json.Marshal(m)
	if string(data) != string(fromMap) {
		t.Errorf("key order:\n%s\nwant\n%s", data, fromMap)
	}
}
