package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

// formatFlag registers --format with the allowed values (the first is the
// default) and checks it before the command runs.
func formatFlag(c *cobra.Command, p *string, allowed ...string) {
	list := strings.Join(allowed[:len(allowed)-1], ", ") + " or " + allowed[len(allowed)-1]
	c.Flags().StringVar(p, "format", allowed[0], "output format: "+list)
	c.PreRunE = func(*cobra.Command, []string) error { return checkFormat(*p, allowed...) }
}

// printDoc prints doc as JSON with --format json, with csv (if given)
// with --format csv, else as text.
func printDoc(cmd *cobra.Command, format string, doc any, text func(io.Writer) error, csv ...func(io.Writer) error) error {
	switch {
	case format == "json":
		return writeJSON(cmd.OutOrStdout(), doc)
	case format == "csv" && len(csv) > 0:
		return csv[0](cmd.OutOrStdout())
	}
	return text(cmd.OutOrStdout())
}

// newBar is a progress bar on w, cleared when finished, if w is a
// terminal; nil otherwise (the helpers below accept nil).
func newBar(w io.Writer, max int, desc string, opts ...progressbar.Option) *progressbar.ProgressBar {
	if !isTerminal(w) {
		return nil
	}
	base := []progressbar.Option{progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(desc), progressbar.OptionClearOnFinish()}
	return progressbar.NewOptions(max, append(base, opts...)...)
}

// barSetter is a progress callback that moves bar to done (nil: none).
func barSetter(bar *progressbar.ProgressBar) func(done, total int) {
	if bar == nil {
		return nil
	}
	return func(done, _ int) { _ = bar.Set(done) }
}

// finishBar ends bar, if there is one.
func finishBar(bar *progressbar.ProgressBar) {
	if bar != nil {
		_ = bar.Finish()
	}
}

// atMostOneSpec accepts an optional SPEC argument.
func atMostOneSpec(cmd *cobra.Command, args []string) error {
	if len(args) > 1 {
		return usageError{fmt.Errorf("%s: expected at most one SPEC, got %d arguments (see %s --help)", cmd.CommandPath(), len(args), cmd.CommandPath())}
	}
	return nil
}

// specOr is the SPEC argument, or def without one.
func specOr(args []string, def string) string {
	if len(args) == 1 {
		return args[0]
	}
	return def
}

// checkRunsWarmup refuses fewer than one timed run or negative warm-ups.
func checkRunsWarmup(runs, warmup int) error {
	if runs < 1 || warmup < 0 {
		return usageError{fmt.Errorf("--runs %d --warmup %d: expected at least 1 run and 0 or more warm-ups", runs, warmup)}
	}
	return nil
}

// exactArgs is cobra.ExactArgs with a message naming the arguments.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s: expected %s, got %d argument(s) (see %s --help)", cmd.CommandPath(), names, len(args), cmd.CommandPath())}
		}
		return nil
	}
}

// noArgs refuses positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) != 0 {
		return usageError{fmt.Errorf("%s: takes no arguments, got %q (see %s --help)", cmd.CommandPath(), args, cmd.CommandPath())}
	}
	return nil
}

// flagErr is a usage error naming flag in a library's error about the
// flag's value: `--flag "VALUE": ...` when the message starts with the
// quoted value, else `--flag: ...`.
func flagErr(flag string, err error) error {
	if strings.HasPrefix(err.Error(), `"`) {
		return usageError{fmt.Errorf("%s %v", flag, err)}
	}
	return usageError{fmt.Errorf("%s: %v", flag, err)}
}
