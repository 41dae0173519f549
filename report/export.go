package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/fnlab/fnlab/onnx"
)

// ExportText prints an exported model file: its settings, inputs and
// outputs, node histogram and initializers.
func ExportText(w io.Writer, d onnx.FileDoc) error {
	s := d.Summary
	bn := "BN folded"
	if d.KeepBN {
		bn = "BN kept"
	}
	fmt.Fprintf(w, "%s (spec %s) -> %s: %s, opset %d, IR %d, %s, weights %s\n",
		d.Model, d.SpecHash, d.Path, Bytes(int64(d.Bytes)), s.Opset, s.IRVersion, bn, d.Weights)
	for _, io := range s.Inputs {
		fmt.Fprintf(w, "  input   %-8s [%s]\n", io.Name, strings.Join(io.Shape, ", "))
	}
	for _, io := range s.Outputs {
		fmt.Fprintf(w, "  output  %-8s [%s]\n", io.Name, strings.Join(io.Shape, ", "))
	}
	fmt.Fprintf(w, "  %d nodes: %s\n", s.Nodes, s.Histogram())
	_, err := fmt.Fprintf(w, "  %d initializers holding %s numbers (the model has %s parameters; folding BN changes the count)\n",
		s.Initializers, Comma(s.Elements), Comma(d.Params))
	return err
}
