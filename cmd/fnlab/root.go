package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/kernels"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
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
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if err := kernels.EnvError(); err != nil {
			return usageError{err}
		}
		return nil
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
	cmd   *cobra.Command // the command whose --batch flag says whether it was given
}

func (f *specFlags) register(c *cobra.Command) {
	f.registerSets(c)
	f.cmd = c
	c.Flags().StringVar(&f.input, "input", "", "input size CxHxW or HxW (default: the spec's, 3x224x224 for presets)")
	c.Flags().IntVar(&f.batch, "batch", 0, "batch size (default: the spec's, 1 for presets)")
}

func (f *specFlags) registerSets(c *cobra.Command) {
	c.Flags().StringArrayVar(&f.sets, "set", nil, "override a spec key, value in YAML (repeatable): --set n_div=8 --set depths=[1,1,1,1] --set stages.2.mixer=dwconv")
}

// load resolves a spec, applies --set, then --input and --batch (in any
// combination, whatever form the spec's own input key has).
func (f *specFlags) load(ref string) (*arch.Spec, *arch.Graph, error) {
	var c, h, w, batch int
	if f.input != "" {
		var err error
		if c, h, w, err = arch.ParseSize(f.input); err != nil {
			return nil, nil, usageError{fmt.Errorf("--input %v", err)}
		}
	}
	if f.cmd != nil && f.cmd.Flags().Changed("batch") || f.batch != 0 {
		if err := arch.CheckBatch(f.batch); err != nil {
			return nil, nil, usageError{fmt.Errorf("--batch %v", err)}
		}
		batch = f.batch
	}
	s, err := arch.LoadOverrides(ref, f.sets, "--set")
	if err != nil {
		// A bad --set is a bad invocation, exit status 2; errors in spec
		// files are not.
		if msg := err.Error(); strings.HasPrefix(msg, "--set ") || strings.HasPrefix(msg, "--set:") {
			return nil, nil, usageError{err}
		}
		return nil, nil, err
	}
	if err := s.SetInput(c, h, w, batch); err != nil {
		switch {
		case f.input != "" && batch > 0:
			return nil, nil, usageError{fmt.Errorf("--input %s --batch %d: %v", f.input, batch, err)}
		case f.input != "":
			return nil, nil, usageError{fmt.Errorf("--input %s: %v", f.input, err)}
		case batch > 0:
			return nil, nil, usageError{fmt.Errorf("--batch %d: %v", batch, err)}
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

// commandLine is the command line that reproduces this invocation: the
// command path, its arguments as given and every flag that was set
// (excluding those in skip), shell-quoted where needed.
func commandLine(c *cobra.Command, args []string, skip ...string) string {
	parts := []string{c.CommandPath()}
	for _, a := range args {
		parts = append(parts, shellQuote(a))
	}
	c.Flags().Visit(func(f *pflag.Flag) {
		if slices.Contains(skip, f.Name) {
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				parts = append(parts, "--"+f.Name, shellQuote(v))
			}
			return
		}
		if f.Value.Type() == "bool" {
			if f.Value.String() == "true" {
				parts = append(parts, "--"+f.Name)
			} else {
				parts = append(parts, "--"+f.Name+"=false")
			}
			return
		}
		parts = append(parts, "--"+f.Name, shellQuote(f.Value.String()))
	})
	return strings.Join(parts, " ")
}

// shellQuote quotes s for a POSIX shell unless it is plainly safe.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_./=:,+-@%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// threadsFlag registers the --threads flag of the commands that run
// kernels; usage "" is the usual text, 0 (the default) means all cores.
func threadsFlag(c *cobra.Command, p *int, def int, usage string) {
	if usage == "" {
		usage = "worker threads (default: all cores)"
	}
	c.Flags().IntVar(p, "threads", def, usage)
}

// checkThreads refuses a negative --threads.
func checkThreads(n int) error {
	if n < 0 {
		return usageError{fmt.Errorf("--threads %d: expected 0 (all cores) or more", n)}
	}
	return nil
}
