package engine

import (
	"fmt"
	"io"
	"strings"

	"github.com/fnlab/fnlab/arch"
)

// InferDoc is one forward pass from a file to files. The fields are in
// alphabetical order, the order of the JSON keys fnlab infer has always
// written.
type InferDoc struct {
	ForwardMS       float64      `json:"forward_ms"`
	Model           string       `json:"model"`
	Outputs         []OutputFile `json:"outputs"`
	SetsFromWeights []string     `json:"sets_from_weights"` // the spec keys the weights' shapes set
	Spec            arch.Ref     `json:"spec"`
	Threads         int          `json:"threads"`
	Weights         string       `json:"weights"`
}

// WriteText prints the pass: the spec keys read from the weights, the
// time and each file written (with the top-5 classes of logits).
func (d *InferDoc) WriteText(w io.Writer) error {
	if len(d.SetsFromWeights) > 0 {
		fmt.Fprintf(w, "spec from the weights' shapes: %s\n", strings.Join(d.SetsFromWeights, " "))
	}
	fmt.Fprintf(w, "%s: forward pass %.2f ms on %d thread(s), weights %s\n", d.Spec, d.ForwardMS, d.Threads, d.Weights)
	for _, o := range d.Outputs {
		fmt.Fprintf(w, "wrote %s %v", o.Path, o.Shape)
		if o.Top5 != nil {
			fmt.Fprintf(w, "  top-5 classes of image 0: %v", o.Top5)
		}
		if _, err := fmt.Fprintln(w); err != nil {
			return err
		}
	}
	return nil
}
