package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
	"github.com/fnlab/fnlab/tensorio"
)

func newInferCmd() *cobra.Command {
	var (
		sf     specFlags
		mf     modelFlags
		input  string
		output string
		format string
	)
	c := &cobra.Command{
		Use:   "infer SPEC --input X.npy --output Y.npy",
		Short: "Run one forward pass from a .npy input to .npy outputs on fnlab's kernels",
		Long: `infer runs SPEC on X.npy (float32 or float64, C order, NCHW or CHW) and writes
the output as float32 .npy: logits [N, classes], or for fork_feat specs one file
per feature map (Y_out0.npy ... Y_out3.npy, NCHW). The input's shape sets the
model's batch, channels and size; --set changes the rest of the spec.`,
		Example: `  fnlab infer t0 --weights fasternet_t0.pth --input image.npy --output logits.npy
  fnlab infer detector.yaml --weights w.safetensors --input batch.npy --output feats.npy --threads 2`,
		Args: exactArgs(1, "SPEC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if input == "" || output == "" {
				return usageError{fmt.Errorf("--input X.npy and --output Y.npy are required")}
			}
			x, shape, err := tensorio.ReadImagesNPY(input)
			if err != nil {
				return err
			}
			// Without --set, the spec's keys that the weights' shapes
			// imply are read from them (embed_dim, depths, mixers, ...).
			var inferred []string
			if mf.weights != "" && len(sf.sets) == 0 {
				if mf.loaded, inferred, err = engine.WeightsSpecSets(mf.weights, args[0]); err != nil {
					return err
				}
			}
			s, err := arch.LoadOverrides(args[0], append(append([]string(nil), sf.sets...), inferred...), "--set")
			if err != nil {
				return fmt.Errorf("%s: the spec its shapes imply: %v", mf.weights, err)
			}
			if err := s.SetInput(shape[1], shape[2], shape[3], shape[0]); err != nil {
				return fmt.Errorf("%s: shape %v: %v", input, x.Shape, err)
			}
			g, err := arch.Compile(s)
			if err != nil {
				return err
			}
			p, err := mf.build(g, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer p.Close()
			t0 := time.Now()
			if err := p.Forward(x.Data); err != nil {
				return err
			}
			ms := float64(time.Since(t0).Microseconds()) / 1e3
			outs, err := engine.WriteOutputs(p, output, g.Spec.ForkFeat)
			if err != nil {
				return fmt.Errorf("--output %v", err)
			}
			doc := &engine.InferDoc{ForwardMS: ms, Model: g.Spec.Name, Outputs: outs, SetsFromWeights: inferred, Spec: arch.NewRef(s, sf.sets),
				Threads: p.Threads(), Weights: weightsName(mf)}
			return printDoc(cmd, format, doc, doc.WriteText)
		},
	}
	sf.registerSets(c)
	mf.register(c)
	c.Flags().StringVar(&input, "input", "", "input .npy file (NCHW or CHW); its shape sets the model's input")
	c.Flags().StringVar(&output, "output", "", "output .npy path")
	formatFlag(c, &format, "table", "json")
	return c
}

func weightsName(mf modelFlags) string {
	if mf.weights == "" {
		return fmt.Sprintf("random (seed %d)", mf.seed)
	}
	return mf.weights
}
