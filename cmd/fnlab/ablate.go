package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/fnlab/fnlab/ablate"
	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/charts"
	"github.com/fnlab/fnlab/fit"
	"github.com/fnlab/fnlab/internal/atomicfile"
	"github.com/fnlab/fnlab/internal/inputfile"
	"github.com/fnlab/fnlab/internal/outdir"
	"github.com/fnlab/fnlab/report"
)

func init() { extraCommands = append(extraCommands, newAblateCmd) }

func newAblateCmd() *cobra.Command {
	var (
		sf            specFlags
		mixers, ndivs string
		threads, runs int
		seeds         int
		quick, resume bool
		force         bool
		out, format   string
		maxIter       int
	)
	c := &cobra.Command{
		Use:   "ablate [SPEC]",
		Short: "Every mixer and n_div variant of SPEC: params, MACs, bytes, latency, GFLOPS and reconstruction loss, with report and charts",
		Long: `ablate is fnlab's main experiment. For SPEC (default t0) it builds every
mixer variant (--mixers: pconv, conv, dwconv, gconv) and a PConv n_div sweep
(--n-div), and for each reports parameters, MACs, bytes moved, latency (median
and p10-p90 on fnlab's kernels, batch 1), achieved GFLOPS (2 x MACs / median)
and the reconstruction loss of that mixer + PWConv against a full 3x3 conv at
the spec's own stage widths (fnlab fit's method, generated data, mean over
stages of the normalised test MSE, spread over seeds).

It writes report.md (the summary table, the charts and answers to the seed
analysis' questions with this machine's numbers), results.json and the charts
(PNG and SVG) to --out, and prints the summary table. results.json is rewritten
(atomically) after every measurement: an interrupted run keeps what it measured
and --resume continues it, skipping what is done.

--quick: fewer timed runs, one seed less and smaller fits (T0 in under a
minute; the fits grow with the cube of the widest stage's channels, so
T2, 768 channels at 7x7, takes about 3 minutes on 2 cores).`,
		Example: `  fnlab ablate
  fnlab ablate --quick --out /tmp/ablate
  fnlab ablate t1 --mixers pconv,dwconv --n-div 2,4,8,16 --threads 1
  fnlab ablate --out results/t0 --resume`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError{fmt.Errorf("%s: expected at most one SPEC, got %d arguments (see %s --help)", cmd.CommandPath(), len(args), cmd.CommandPath())}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			ref := "t0"
			if len(args) == 1 {
				ref = args[0]
			}
			if threads < 0 {
				return usageError{fmt.Errorf("--threads %d: expected 0 (all cores) or more", threads)}
			}
			if runs < 0 || seeds < 0 || maxIter < 0 {
				return usageError{fmt.Errorf("--runs %d, --seeds %d, --max-iter %d: expected positive numbers (0: default)", runs, seeds, maxIter)}
			}
			var mix []string
			for _, m := range splitList(mixers) {
				if !containsStr([]string{"pconv", "conv", "dwconv", "gconv"}, m) {
					return usageError{fmt.Errorf("--mixers: unknown mixer %q: expected pconv, conv, dwconv or gconv", m)}
				}
				mix = append(mix, m)
			}
			var nd []int
			for _, f := range splitList(ndivs) {
				n, err := strconv.Atoi(f)
				if err != nil || n < 1 {
					return usageError{fmt.Errorf("--n-div %q: %q is not a positive integer", ndivs, f)}
				}
				nd = append(nd, n)
			}
			if len(mix) == 0 && len(nd) == 0 {
				return usageError{fmt.Errorf("--mixers and --n-div: nothing to compare")}
			}
			if out == "" {
				out = "ablate_" + strings.TrimSuffix(filepath.Base(ref), filepath.Ext(ref))
			}
			s, _, err := sf.load(ref)
			if err != nil {
				return err
			}
			if runs == 0 {
				runs = 60
				if quick {
					runs = 15
				}
			}
			if seeds == 0 {
				seeds = 3
				if quick {
					seeds = 2
				}
			}
			if maxIter == 0 {
				maxIter = 20
				if quick {
					maxIter = 8
				}
			}
			od, err := openOutDir(out, force)
			if err != nil {
				return err
			}
			defer od.Close()
			// Refuse a user's results.json or report.md before any work.
			for _, n := range []string{"results.json", "report.md"} {
				if err := od.Check(n); err != nil {
					return outFileErr(err)
				}
			}
			resPath := od.Join("results.json")
			resumeCmd := commandLine(cmd, args, "resume", "format") + " --resume"
			// What the last save holds, for an interrupted run's note.
			var saved atomic.Value
			saved.Store("nothing was saved yet")
			onInterrupt(func() string { return saved.Load().(string) + "; continue with: " + resumeCmd })
			savedNote := func(d *ablate.Doc) string {
				measured, fitted := 0, 0
				for _, v := range d.Variants {
					if v.Measured {
						measured++
					}
					if v.Fitted {
						fitted++
					}
				}
				stages := 0
				if d.Fit != nil {
					stages = len(d.Fit.Rows)
				}
				return fmt.Sprintf("%s keeps %d of %d variants timed and %d fitted (%d student-stage fits)", resPath, measured, len(d.Variants), fitted, stages)
			}
			cfg := ablate.Config{"spec": specHash(s), "runs": strconv.Itoa(runs), "max_iter": strconv.Itoa(maxIter), "seeds": strconv.Itoa(seeds),
				"quick": strconv.FormatBool(quick), "mixers": strings.Join(mix, ","), "n_div": joinInts(nd), "threads": strconv.Itoa(threadsOf(threads))}
			doc := &ablate.Doc{Format: ablate.Format, Config: cfg, ConfigHash: cfg.Hash(), Spec: s.Name, Quick: quick, Seeds: seeds, Command: commandLine(cmd, args, "resume", "format")}
			if resume {
				old, err := readAblate(resPath)
				if err != nil {
					return err
				}
				if old != nil {
					if was, now := old.Config["spec"], cfg["spec"]; was != now {
						return usageError{fmt.Errorf("--resume: %s holds a run of another spec or other --set values (%s, spec hash %s; this run has %s, hash %s); use the same SPEC and --set, or another --out", resPath, old.Spec, was, s.Name, now)}
					}
					if k, was, now := old.Config.Diff(cfg); k != "" {
						flag := strings.ReplaceAll(k, "_", "-") // config keys are the flags' names in snake_case
						return usageError{fmt.Errorf("--resume: %s was made with --%s %s, this run has --%s %s; use the same options or another --out", resPath, flag, was, flag, now)}
					}
					doc = old
				} else {
					return usageError{fmt.Errorf("--resume: nothing to resume in %s (no results.json); run without --resume to start", out)}
				}
			} else if _, err := os.Lstat(resPath); err == nil {
				return usageError{fmt.Errorf("--out %s already holds results.json: pass --resume to continue it or choose another --out", out)}
			}
			vars, err := ablate.Variants(s, mix, nd)
			if err != nil {
				return usageError{fmt.Errorf("--n-div: %v", err)}
			}
			doc.Variants = ablate.Merge(doc.Variants, vars)
			start := time.Now()
			prev := doc.Seconds
			save := func() error {
				doc.Seconds = prev + time.Since(start).Seconds()
				if err := od.Claim("results.json"); err != nil {
					return outFileErr(err)
				}
				if err := writeJSONFile(resPath, doc); err != nil {
					return err
				}
				saved.Store(savedNote(doc))
				return nil
			}
			stderr := cmd.ErrOrStderr()
			var bar *progressbar.ProgressBar
			if isTerminal(stderr) {
				bar = progressbar.NewOptions(len(doc.Variants), progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("ablate"),
					progressbar.OptionClearOnFinish(), progressbar.OptionShowCount())
				defer bar.Finish()
			}
			step := func(what string) {
				if bar != nil {
					bar.Describe("ablate " + what)
					_ = bar.Add(1)
				}
			}
			// Phase 1: costs and latency, one variant at a time.
			for _, v := range doc.Variants {
				if v.Measured {
					step(v.Name)
					continue
				}
				f := sf
				f.sets = append(append([]string(nil), sf.sets...), v.Sets...)
				_, g, err := f.load(ref)
				if err != nil {
					return fmt.Errorf("variant %s: %v", v.Name, err)
				}
				if err := ablate.Measure(v, g, threads, runs); err != nil {
					return err
				}
				doc.Threads = threadsOf(threads)
				doc.Machine = analyze.ThisMachine(doc.Threads)
				if err := save(); err != nil {
					return err
				}
				step(v.Name)
			}
			// Phase 2: reconstruction loss at the spec's stage widths, with a
			// bar that follows the fits' estimated work (fit.Work).
			fo := ablate.FitOptions{Seeds: seeds, MaxIter: maxIter, Threads: threads, Quick: quick}
			if bar != nil {
				_ = bar.Finish()
				fbar := progressbar.NewOptions(1000, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("ablate fit"),
					progressbar.OptionClearOnFinish(), progressbar.OptionSetPredictTime(true))
				defer fbar.Finish()
				fo.Step = func(st fit.FitStep) {
					if st.Total > 0 {
						_ = fbar.Set(int(1000 * st.Done / st.Total))
					}
					if st.Student != "" {
						fbar.Describe(fmt.Sprintf("ablate fit: stage %s %s seed %d", st.Stage, st.Student, st.Seed))
					}
				}
			}
			if err := ablate.Fit(doc, s, fo, func(string) {}, save); err != nil {
				return err
			}
			doc.Complete = true
			if err := save(); err != nil {
				return err
			}
			paths, err := ablateCharts(doc, od)
			if err != nil {
				return outFileErr(err)
			}
			if err := od.Claim("report.md"); err != nil {
				return outFileErr(err)
			}
			if err := writeReport(doc, out, paths); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if format == "json" {
				return writeJSON(w, doc)
			}
			if err := ablateTable(w, doc); err != nil {
				return err
			}
			fmt.Fprintf(w, "\nwrote %s, %s and %d chart files\n", filepath.Join(out, "report.md"), resPath, len(paths))
			return nil
		},
	}
	sf.registerSets(c)
	c.Flags().StringVar(&mixers, "mixers", "pconv,conv,dwconv,gconv", "mixer variants, comma-separated")
	c.Flags().StringVar(&ndivs, "n-div", "2,4,8", "PConv n_div sweep, comma-separated")
	c.Flags().IntVar(&threads, "threads", 0, "worker threads (default: all cores)")
	c.Flags().IntVar(&runs, "runs", 0, "timed runs per variant (default 60, --quick 15)")
	c.Flags().IntVar(&seeds, "seeds", 0, "fit seeds (default 3, --quick 2)")
	c.Flags().IntVar(&maxIter, "max-iter", 0, "fit iterations at most (default 20, --quick 8)")
	c.Flags().BoolVar(&quick, "quick", false, "a fast, rougher run (T0 in under a minute)")
	c.Flags().BoolVar(&resume, "resume", false, "continue the run in --out, skipping what results.json already holds")
	c.Flags().StringVar(&out, "out", "", "output directory (default ablate_<SPEC>)")
	c.Flags().BoolVar(&force, "force", false, "replace files in --out that fnlab did not write")
	c.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return c
}

func threadsOf(t int) int {
	if t > 0 {
		return t
	}
	return analyze.ThisMachine(0).Cores
}

// maxResultsBytes bounds a results.json read by --resume (a full ablation
// is a few hundred kilobytes).
const maxResultsBytes = 64 << 20

func readAblate(path string) (*ablate.Doc, error) {
	data, err := inputfile.ReadFile(path, maxResultsBytes, "an ablate results file")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--resume: %v", err)
	}
	d, err := ablate.ParseDoc(path, data)
	if err != nil {
		return nil, fmt.Errorf("--resume: %v", err)
	}
	return d, nil
}

func ablateTable(w io.Writer, d *ablate.Doc) error {
	fmt.Fprintf(w, "%s · machine: %s · %s\n", d.Spec, d.Machine, map[bool]string{true: "quick run", false: "full run"}[d.Quick])
	fmt.Fprintf(w, "loss: normalised test MSE of mixer+PWConv fitting a 3x3 conv at stages %s, mean over stages (± mean std over %d seeds)\n\n", strings.Join(d.Stages, ", "), d.Seeds)
	t := &report.Table{Header: []string{"variant", "params", "MACs", "bytes", "ms", "p10-p90", "GFLOPS", "loss"},
		Right: []bool{false, true, true, true, true, true, true, true}}
	for _, v := range sortedVariants(d) {
		t.Add(v.Name, report.SI(v.Params), report.SI(v.MACs), report.Bytes(v.Bytes), fmt.Sprintf("%.3f", v.MedianMS),
			fmt.Sprintf("%.3f-%.3f", v.P10MS, v.P90MS), fmt.Sprintf("%.1f", v.GFLOPS), fmt.Sprintf("%.4f ± %.4f", v.LossMean, v.LossStd))
	}
	return t.Write(w)
}

func sortedVariants(d *ablate.Doc) []*ablate.Variant {
	vs := append([]*ablate.Variant(nil), d.Variants...)
	sort.SliceStable(vs, func(a, b int) bool { return vs[a].MedianMS < vs[b].MedianMS })
	return vs
}

func ablateCharts(d *ablate.Doc, od *outdir.Dir) ([]string, error) {
	var paths []string
	save := func(p chartPlot, err error, name string) error {
		if err != nil {
			return err
		}
		if err := claimChart(od, name); err != nil {
			return err
		}
		ps, err := charts.Save(p, od.Path(), name)
		paths = append(paths, ps...)
		return err
	}
	vs := sortedVariants(d)
	var names []string
	lat := charts.Series{Name: "latency"}
	var pts []charts.Point
	for _, v := range vs {
		names = append(names, v.Name)
		lat.Values, lat.Lo, lat.Hi = append(lat.Values, v.MedianMS), append(lat.Lo, v.P10MS), append(lat.Hi, v.P90MS)
		pts = append(pts, charts.Point{Label: v.Name, X: float64(v.MACs) / 1e6, Y: v.MedianMS})
	}
	thr := fmt.Sprintf("%d thread(s)", d.Threads)
	p, err := charts.Bars(charts.BarSpec{Title: d.Spec + ": latency per variant, batch 1, " + thr + " (median, p10-p90)", XLabel: "variant (fastest first)",
		YLabel: "latency (ms)", Categories: names, Series: []charts.Series{lat}})
	if err := save(p, err, "ablate_latency"); err != nil {
		return paths, err
	}
	p, err = charts.Scatter(charts.ScatterSpec{Title: d.Spec + ": latency against MACs per variant, " + thr, XLabel: "MACs (M)", YLabel: "median latency (ms)", Points: pts})
	if err := save(p, err, "ablate_latency_vs_macs"); err != nil {
		return paths, err
	}
	// Time split of every variant, in the table's order (fastest first),
	// so each chart lists the variants the same way.
	groups := []string{"patch_embed", "mixers", "mlps", "merges", "head"}
	var split []charts.Series
	for _, v := range vs {
		se := charts.Series{Name: v.Name}
		for _, g := range groups {
			se.Values = append(se.Values, v.Split[g])
		}
		split = append(split, se)
	}
	p, err = charts.Bars(charts.BarSpec{Title: d.Spec + ": where the time goes (median per part), " + thr, XLabel: "part of the model",
		YLabel: "latency (ms)", Categories: groups, Series: split})
	if err := save(p, err, "ablate_time_split"); err != nil {
		return paths, err
	}
	loss := charts.Series{Name: "loss"}
	var lnames []string
	for _, v := range vs {
		if v.Mixer == "conv" {
			continue // ~0 by construction
		}
		lnames = append(lnames, v.Name)
		loss.Values = append(loss.Values, v.LossMean)
		loss.Lo, loss.Hi = append(loss.Lo, v.LossMean-v.LossStd), append(loss.Hi, v.LossMean+v.LossStd)
	}
	if len(lnames) > 0 {
		p, err = charts.Bars(charts.BarSpec{Title: d.Spec + ": reconstruction loss of mixer+PWConv vs a 3x3 conv (mean over stages, ± std)",
			XLabel: "variant (fastest first)", YLabel: "normalised test MSE", Categories: lnames, Series: []charts.Series{loss}})
		if err := save(p, err, "ablate_loss"); err != nil {
			return paths, err
		}
	}
	if d.Fit != nil {
		ps, err := fitCharts(d.Fit, od, "ablate_")
		paths = append(paths, ps...)
		if err != nil {
			return paths, err
		}
	}
	return paths, nil
}

// writeReport writes report.md: the table, the charts and the seed's
// three questions answered with this run's numbers.
func writeReport(d *ablate.Doc, dir string, charts []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# fnlab ablate: %s\n\n", d.Spec)
	regen := d.Command
	if regen == "" {
		regen = "fnlab ablate " + d.Spec + map[bool]string{true: " --quick", false: ""}[d.Quick]
	}
	fmt.Fprintf(&b, "Machine: %s. %s run, %.0f s in total. Regenerate with `%s`.\n\n", d.Machine,
		map[bool]string{true: "Quick", false: "Full"}[d.Quick], d.Seconds, regen)
	b.WriteString("Latency: batch 1, median of the timed runs with p10-p90; GFLOPS = 2 x MACs / median. Loss: normalised test MSE of the variant's mixer + a 1x1 conv fitted to a random 3x3 conv on generated features at the spec's stage shapes " +
		strings.Join(d.Stages, ", ") + fmt.Sprintf(", mean over stages ± mean std over %d seeds (`fnlab fit` method).\n\n", d.Seeds))
	b.WriteString("| variant | params | MACs | bytes | median ms | p10-p90 ms | GFLOPS | loss |\n|---|---|---|---|---|---|---|---|\n")
	for _, v := range sortedVariants(d) {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.3f | %.3f-%.3f | %.1f | %.4f ± %.4f |\n", v.Name, report.SI(v.Params), report.SI(v.MACs),
			report.Bytes(v.Bytes), v.MedianMS, v.P10MS, v.P90MS, v.GFLOPS, v.LossMean, v.LossStd)
	}
	for _, v := range sortedVariants(d) {
		if len(v.Changed) > 0 {
			fmt.Fprintf(&b, "\n%s changes the spec's own stage mixers: %s.", v.Name, strings.Join(v.Changed, "; "))
		}
	}
	b.WriteString("\n\n## The seed's questions, with this machine's numbers\n\n")
	b.WriteString(d.Answers())
	b.WriteString("## Charts\n\n")
	for _, c := range charts {
		if strings.HasSuffix(c, ".png") {
			name := strings.TrimSuffix(filepath.Base(c), ".png")
			fmt.Fprintf(&b, "![%s](%s)\n\n", name, filepath.Base(c))
		}
	}
	if math.IsNaN(d.Seconds) {
		return fmt.Errorf("ablate: bad timing")
	}
	return atomicfile.Write(filepath.Join(dir, "report.md"), func(w io.Writer) error {
		_, err := io.WriteString(w, b.String())
		return err
	})
}
