package optable

import (
	"fmt"

	"github.com/fnlab/fnlab/internal/atomicfile"
	"github.com/fnlab/fnlab/internal/outdir"
)

// Save writes d's charts (WriteCharts, recorded in d.Charts) and d as
// ops.json into od.
func Save(d *Doc, od *outdir.Dir) error {
	paths, err := WriteCharts(d, od)
	if err != nil {
		return err
	}
	d.Charts = paths
	if err := od.Claim("ops.json"); err != nil {
		return err
	}
	return atomicfile.WriteJSON(od.Join("ops.json"), d)
}

// ExportAll writes every stack of ops at sizes as ONNX into dir
// (ExportONNX) and returns the files, in ops then sizes order.
func ExportAll(ops []string, sizes []Size, layers int, dir, producer string) ([]string, error) {
	var files []string
	for _, id := range ops {
		for _, sz := range sizes {
			path, err := ExportONNX(id, sz, layers, dir, producer)
			if err != nil {
				return nil, err
			}
			files = append(files, path)
		}
	}
	return files, nil
}

// StackError: a stack of Check's cannot be built.
type StackError struct {
	Op   string
	Size Size
	Err  error
}

func (e *StackError) Error() string { return fmt.Sprintf("%s at %s: %v", e.Op, e.Size, e.Err) }
func (e *StackError) Unwrap() error { return e.Err }

// Check counts every stack of ops at sizes (Cost) without timing
// anything, so that a run refuses a bad one before it measures; the first
// that cannot be built is a *StackError.
func Check(ops []string, sizes []Size, layers int) error {
	for _, id := range ops {
		for _, sz := range sizes {
			if _, _, err := Cost(id, sz, layers); err != nil {
				return &StackError{Op: id, Size: sz, Err: err}
			}
		}
	}
	return nil
}
