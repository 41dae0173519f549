package main

import (
	"fmt"
	"strings"
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
			if format == "json" {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"model": g.Spec.Name, "spec": arch.NewRef(s, sf.sets), "sets_from_weights": inferred, "forward_ms": ms, "threads": p.Threads(),
					"weights": weightsName(mf), "outputs": outs})
			}
			w := cmd.OutOrStdout()
			if len(inferred) > 0 {
				fmt.Fprintf(w, "spec from the weights' shapes: %s\n", strings.Join(inferred, " "))
			}
			fmt.Fprintf(w, "%s: forward pass %.2f ms on %d thread(s), weights %s\n", arch.NewRef(s, sf.sets), ms, p.Threads(), weightsName(mf))
			for _, o := range outs {
				fmt.Fprintf(w, "wrote %s %v", o.Path, o.Shape)
				if o.Top5 != nil {
					fmt.Fprintf(w, "  top-5 classes of image 0: %v", o.Top5)
				}
				fmt.Fprintln(w)
			}
			return nil
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
