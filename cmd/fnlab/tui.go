package main

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spf13/cobra"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/tui"
)

func init() { extraCommands = append(extraCommands, newTUICmd) }

func newTUICmd() *cobra.Command {
	var (
		sets    []string
		journal string
		threads int
		warmup  int
		runs    int
		seed    uint64
	)
	c := &cobra.Command{
		Use:   "tui [SPEC]",
		Short: "Interactive explorer: edit a model and watch its costs, bench it, browse a search",
		Long: `tui opens a terminal workbench on SPEC (default t0) with three screens:

  1 Model   edit embed_dim, mlp_ratio, input size and, per stage, depth, mixer
            and n_div (groups for gconv); the stage and layer tables (params,
            MACs, bytes, share of MACs) and totals are recounted at each key,
            with the change against the starting model; s saves a spec YAML,
            o opens a preset, a spec file or a search journal.
  2 Bench   measure the current model's latency in the background, then per
            program step the share of time next to the share of MACs.
  3 Search  follow a running search's journal (--journal: the explorer starts
            here) or open a finished one: the Pareto front as a scatter plot,
            a sortable, filterable candidate list; enter opens a candidate on
            the model screen.

Keys are shown at the bottom; ? shows all of them; q quits, asking first
when the edited model is not saved; ctrl+c quits at once.
The bench uses seeded random weights (the weights do not change the time).`,
		Example: `  fnlab tui
  fnlab tui t2 --set stages.2.n_div=8
  fnlab tui my_spec.yaml --threads 1 --runs 200
  fnlab tui --journal runs/t0_ndiv.jsonl`,
		Args: atMostOneSpec,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkThreads(threads); err != nil {
				return err
			}
			if err := checkRunsWarmup(runs, warmup); err != nil {
				return err
			}
			ref := specOr(args, "t0")
			// The spec is checked here first so that errors name --set.
			if _, err := arch.LoadOverrides(ref, sets, "--set"); err != nil {
				return err
			}
			start, err := tui.LoadModel(ref, sets, "")
			if err != nil {
				return err
			}
			src, err := tui.OpenJournal(journal)
			if err != nil {
				return journalFlagErr(err)
			}
			if !isTerminal(cmd.OutOrStdout()) || !isTerminal(cmd.InOrStdin()) {
				return fmt.Errorf("%s: needs an interactive terminal on stdin and stdout", cmd.CommandPath())
			}
			cfg := tui.BenchConfig{Threads: threads, Warmup: warmup, Runs: runs, Seed: seed}
			app := tui.New(tui.Options{
				Start:       start,
				Bench:       tui.NativeBench(cfg),
				BenchConfig: cfg.String(),
				Search:      src,
			})
			p := tea.NewProgram(app, tea.WithAltScreen(), tea.WithInput(cmd.InOrStdin()), tea.WithOutput(cmd.OutOrStdout()))
			_, err = p.Run()
			return err
		},
	}
	c.Flags().StringArrayVar(&sets, "set", nil, "override a spec key of the starting model, value in YAML (repeatable): --set stages.2.n_div=8")
	c.Flags().StringVar(&journal, "journal", "", "search journal (JSONL) to follow; the explorer opens on the search screen")
	threadsFlag(c, &threads, 0, "bench worker threads (default: all cores)")
	c.Flags().IntVar(&warmup, "warmup", 10, "bench warm-up passes")
	c.Flags().IntVar(&runs, "runs", 100, "bench timed passes")
	c.Flags().Uint64Var(&seed, "seed", 0, "seed of the bench's random weights")
	return c
}
