package engine

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/fnlab/fnlab/arch"
)

func TestWriteOutputs(t *testing.T) {
	dir := t.TempDir()
	logits := Output{Shape: arch.Shape{1, 6}, Data: []float32{0.1, 0.9, 0.3, 0.9, -1, 0.5}}
	feat := Output{Shape: arch.Shape{1, 2, 1, 1}, Data: []float32{1, 2}}
	for _, c := range []struct {
		outs     []Output
		forkFeat bool
		want     string
	}{
		{[]Output{logits}, false, "[{y.npy [1 6] [1 3 5 2 0]}]"},
		{[]Output{feat}, true, "[{y_out0.npy [1 2 1 1] []}]"},
		{[]Output{feat, feat}, false, "[{y_out0.npy [1 2 1 1] []} {y_out1.npy [1 2 1 1] []}]"},
	} {
		files, err := WriteOutputs(&Program{Outputs: c.outs}, filepath.Join(dir, "y.npy"), c.forkFeat)
		if err != nil {
			t.Fatal(err)
		}
		for i := range files {
			files[i].Path = filepath.Base(files[i].Path)
		}
		if got := fmt.Sprint(files); got != c.want {
			t.Errorf("%s, want %s", got, c.want)
		}
	}
}
