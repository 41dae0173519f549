package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/fnlab/fnlab/arch"
	"github.com/spf13/cobra"
)

// version is set by the build (-ldflags "-X main.version=...") or read from
// the module information.
var version = ""

func fnlabVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// usageError marks errors in how the command was called (exit status 2).
type usageError struct{ error }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || strings.HasPrefix(err.Error(), "unknown command ") {
		return 2
	}
	return 1
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "fnlab",
		Short: "Design fast CNNs: FasterNet variants from YAML specs, exact costs, native-kernel latency",
		Long: `fnlab compiles YAML architecture specs into FasterNet variants with swappable
spatial mixers (pconv, conv, dwconv, gconv) and measures them: parameters,
MACs and FLOPs (separately), fvcore-compatible counts, memory traffic and,
on its own Go kernels, latency and achieved FLOPS.

SPEC is a preset (` + strings.Join(arch.Presets(), ", ") + `) or a YAML file.`,
		Version:       fnlabVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%s: %v (see %s --help)", c.CommandPath(), err, c.CommandPath())}
	})
	root.AddCommand(newAnalyzeCmd(), newInferCmd(), newBenchCmd(), newSpecsCmd())
	for _, mk := range extraCommands {
		root.AddCommand(mk())
	}
	return root
}

// extraCommands are added by the files that define them (in init), so
// each command lives in its own file.
var extraCommands []func() *cobra.Command

// specFlags are the flags every command that takes a SPEC shares.
type specFlags struct {
	sets  []string
	input string
	batch int
}

func (f *specFlags) register(c *cobra.Command) {
	f.registerSets(c)
	c.Flags().StringVar(&f.input, "input", "", "input size CxHxW or HxW (default: the spec's, 3x224x224 for presets)")
	c.Flags().IntVar(&f.batch, "batch", 0, "batch size (default: the spec's, 1 for presets)")
}

func (f *specFlags) registerSets(c *cobra.Command) {
	c.Flags().StringArrayVar(&f.sets, "set", nil, "override a spec key, value in YAML (repeatable): --set n_div=8 --set depths=[1,1,1,1] --set stages.2.mixer=dwconv")
}

// load resolves a spec with the flags' overrides applied after --set.
func (f *specFlags) load(ref string) (*arch.Spec, *arch.Graph, error) {
	sets := append([]string(nil), f.sets...)
	if f.input != "" {
		sets = append(sets, "input="+f.input)
	}
	if f.batch != 0 {
		if f.batch < 0 {
			return nil, nil, usageError{fmt.Errorf("--batch %d: expected a positive batch size", f.batch)}
		}
		sets = append(sets, fmt.Sprintf("input.batch=%d", f.batch))
	}
	s, err := arch.Load(ref, sets)
	if err != nil {
		// A bad --set (or --input, given to arch as --set input=...) is a
		// bad invocation, exit status 2; errors in spec files are not.
		msg := err.Error()
		if rest, ok := strings.CutPrefix(msg, "--set input"); ok && f.input != "" {
			return nil, nil, usageError{fmt.Errorf("--input %s%s", f.input, rest)}
		}
		if strings.HasPrefix(msg, "--set ") || strings.HasPrefix(msg, "--set:") {
			return nil, nil, usageError{err}
		}
		return nil, nil, err
	}
	g, err := arch.Compile(s)
	if err != nil {
		return nil, nil, err
	}
	return s, g, nil
}

// checkFormat validates --format against the allowed values.
func checkFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return usageError{fmt.Errorf("--format %q: expected %s", format, strings.Join(allowed, ", "))}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
