package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/onnx"
	"github.com/fnlab/fnlab/report"
)

func init() { extraCommands = append(extraCommands, newExportCmd) }

func newExportCmd() *cobra.Command {
	var (
		sf     specFlags
		mf     modelFlags
		input  string
		out    string
		batch  string
		opset  int
		keepBN bool
		force  bool
		format string
	)
	c := &cobra.Command{
		Use:   "export SPEC --out MODEL.onnx",
		Short: "Write SPEC as a compact ONNX model (BN folded, reference names) for ONNX Runtime and Netron",
		Long: `export writes SPEC as an ONNX model built from fnlab's own compiled graph:
Conv (BatchNorm folded in; --keep-bn keeps BatchNormalization nodes, for tools
that fine-tune), Relu or GELU (the exact erf form, which ONNX Runtime fuses;
the Gelu operator with --opset 20 or later), Add for the residual, Mul for the
layer scale, GlobalAveragePool, the pre-head 1x1 conv, Flatten and Gemm.
PConv is Split -> Conv -> Concat for both forwards: ONNX has no in-place
write, so pconv_fw_type slicing exports like split_cat.

The input is "input" [batch, C, H, W] with a dynamic batch unless --batch fixes
it; the output is "logits" (out0..out3 for fork_feat specs). Initializers carry
the reference's state-dict names; the metadata holds fnlab's version, the
resolved spec (YAML), its hash and the --set overrides. Without --weights the
weights are the same seeded ones infer and bench use (--seed), so a timing
export is reproducible; --weights loads a checkpoint strictly, as infer does.

The file is written atomically. An existing --out is replaced only if it is an
ONNX model fnlab wrote; --force replaces any regular file.`,
		Example: `  fnlab export t0 --out t0.onnx
  fnlab export t0 --weights fasternet_t0.pth --out t0.onnx --batch 8
  fnlab export my_variant.yaml --set n_div=8 --input 3x256x256 --out v.onnx --keep-bn --format json`,
		Args: exactArgs(1, "SPEC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{errors.New("--out MODEL.onnx is required")}
			}
			fixed := 0
			if batch != "dynamic" {
				n, err := strconv.Atoi(batch)
				if err != nil || n < 1 {
					return usageError{fmt.Errorf("--batch %q: expected dynamic or a positive batch size", batch)}
				}
				fixed = n
			}
			if opset < onnx.MinOpset || opset > onnx.MaxOpset {
				return usageError{fmt.Errorf("--opset %d: fnlab writes opsets %d to %d", opset, onnx.MinOpset, onnx.MaxOpset)}
			}
			sf.input, sf.batch = input, fixed
			s, g, err := sf.load(args[0])
			if err != nil {
				return err
			}
			w, err := mf.weightsFor(g)
			if err != nil {
				return err
			}
			wname := weightsName(mf)
			m, err := onnx.Export(g, w, onnx.Options{Opset: opset, KeepBN: keepBN, Batch: fixed, Producer: fnlabVersion(),
				Metadata: onnx.SpecMetadata(s, sf.sets, wname, fnlabVersion())})
			if err != nil {
				return err
			}
			if err := onnx.WriteFile(out, m, force); err != nil {
				if errors.Is(err, onnx.ErrNotOurs) {
					return fmt.Errorf("--out %v (--force replaces it)", err)
				}
				return fmt.Errorf("--out %v", err)
			}
			st, err := os.Stat(out)
			if err != nil {
				return err
			}
			doc := onnx.FileDoc{Model: s.Name, SpecHash: arch.Hash(s), Sets: append([]string{}, sf.sets...), Path: out,
				Bytes: int(st.Size()), Batch: batch, KeepBN: keepBN, Weights: wname, Params: g.NumParams(), Summary: m.Summary()}
			return printDoc(cmd, format, doc, func(w io.Writer) error { return exportText(w, doc) })
		},
	}
	sf.registerSets(c)
	c.Flags().StringVar(&input, "input", "", "input size CxHxW or HxW (default: the spec's, 3x224x224 for presets)")
	mf.registerWeights(c)
	c.Flags().StringVar(&out, "out", "", "the ONNX file to write (required)")
	c.Flags().StringVar(&batch, "batch", "dynamic", "batch dimension: dynamic or a fixed size N")
	c.Flags().IntVar(&opset, "opset", onnx.DefaultOpset, "ONNX operator set (13-21; 20 and later write GELU as the Gelu operator)")
	c.Flags().BoolVar(&keepBN, "keep-bn", false, "keep BatchNormalization nodes instead of folding them into the convs")
	c.Flags().BoolVar(&force, "force", false, "replace --out even if it is not an ONNX model fnlab wrote")
	formatFlag(c, &format, "table", "json")
	return c
}

// exportText prints an exported model file: its settings, inputs and
// outputs, node histogram and initializers.
func exportText(w io.Writer, d onnx.FileDoc) error {
	s := d.Summary
	bn := "BN folded"
	if d.KeepBN {
		bn = "BN kept"
	}
	fmt.Fprintf(w, "%s (spec %s) -> %s: %s, opset %d, IR %d, %s, weights %s\n",
		d.Model, d.SpecHash, d.Path, report.Bytes(int64(d.Bytes)), s.Opset, s.IRVersion, bn, d.Weights)
	for _, io := range s.Inputs {
		fmt.Fprintf(w, "  input   %-8s [%s]\n", io.Name, strings.Join(io.Shape, ", "))
	}
	for _, io := range s.Outputs {
		fmt.Fprintf(w, "  output  %-8s [%s]\n", io.Name, strings.Join(io.Shape, ", "))
	}
	fmt.Fprintf(w, "  %d nodes: %s\n", s.Nodes, s.Histogram())
	_, err := fmt.Fprintf(w, "  %d initializers holding %s numbers (the model has %s parameters; folding BN changes the count)\n",
		s.Initializers, report.Comma(s.Elements), report.Comma(d.Params))
	return err
}
