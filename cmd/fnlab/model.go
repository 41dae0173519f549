package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
	"github.com/fnlab/fnlab/kernels"
)

// modelFlags select weights, threads and the SIMD level of a runnable model.
type modelFlags struct {
	weights string
	seed    uint64
	threads int
	simd    string
	loaded  engine.Weights // weights already read (infer reads them to infer the spec)
}

func (f *modelFlags) register(c *cobra.Command) {
	f.registerWeights(c)
	threadsFlag(c, &f.threads, 0, "")
	c.Flags().StringVar(&f.simd, "simd", "", "kernel level: avx512, avx2 or generic (default: the best this CPU has)")
}

// registerWeights adds --weights and --seed (export takes only these).
func (f *modelFlags) registerWeights(c *cobra.Command) {
	c.Flags().StringVar(&f.weights, "weights", "", "weights: .safetensors or PyTorch .pth/.pt (reference key names); default: seeded random weights")
	c.Flags().Uint64Var(&f.seed, "seed", 0, "seed of the random weights used without --weights")
}

// weightsFor loads the weights for g (checked strictly), or makes the
// seeded random ones.
func (f *modelFlags) weightsFor(g *arch.Graph) (engine.Weights, error) {
	switch {
	case f.loaded != nil:
		if err := f.loaded.Check(g); err != nil {
			return nil, fmt.Errorf("%s: %v", f.weights, err)
		}
		return f.loaded, nil
	case f.weights != "":
		return engine.LoadWeights(f.weights, g)
	}
	return engine.RandomWeights(g, f.seed), nil
}

// build loads weights (or makes random ones) and compiles the program.
func (f *modelFlags) build(g *arch.Graph, stderr io.Writer) (*engine.Program, error) {
	if err := checkThreads(f.threads); err != nil {
		return nil, err
	}
	if f.simd != "" {
		l, err := kernels.ParseLevel(f.simd)
		if err != nil {
			return nil, usageError{fmt.Errorf("--simd: %v", err)}
		}
		if err := kernels.SetLevel(l); err != nil {
			return nil, err
		}
	}
	w, err := f.weightsFor(g)
	if err != nil {
		return nil, err
	}
	return engine.Build(g, w, engine.Options{Threads: f.threads})
}

// isTerminal reports whether the stream (a writer for progress bars, or
// the tui's stdin) is an interactive terminal.
func isTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
