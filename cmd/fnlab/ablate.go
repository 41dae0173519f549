package main

import (
	"encoding/json"
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
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/charts"
	"github.com/fnlab/fnlab/engine"
	"github.com/fnlab/fnlab/fit"
	"github.com/fnlab/fnlab/report"
)

func init() { extraCommands = append(extraCommands, newAblateCmd) }

// ablateVariant is one mixer / n_div variant of the spec.
type ablateVariant struct {
	Name     string   `json:"name"` // e.g. "pconv n_div=4", "dwconv"
	Mixer    string   `json:"mixer"`
	NDiv     int      `json:"n_div,omitempty"`
	Groups   int      `json:"groups,omitempty"`
	Sets     []string `json:"sets"`
	Params   int64    `json:"params"`
	MACs     int64    `json:"macs"`
	Bytes    int64    `json:"bytes"`
	MixerMem int64    `json:"mixer_paper_mem_access"` // paper formula, elements, summed over mixer convs
	MixerMAC int64    `json:"mixer_macs"`
	Measured bool     `json:"measured"`
	MedianMS float64  `json:"median_ms"`
	P10MS    float64  `json:"p10_ms"`
	P90MS    float64  `json:"p90_ms"`
	Runs     int      `json:"runs"`
	GFLOPS   float64  `json:"gflops"`
	// Per-step split of the time, grouped (patch_embed, mixers, mlps, merges, head).
	Split map[string]float64 `json:"time_split_ms,omitempty"`
	// Reconstruction loss of this mixer (+PWConv) at the spec's stage widths.
	Fitted      bool      `json:"fitted"`
	Student     string    `json:"student"`
	LossMean    float64   `json:"normalised_loss_mean"` // mean over stages of the per-stage mean over seeds
	LossStd     float64   `json:"normalised_loss_std"`  // mean over stages of the per-stage std over seeds
	StageLosses []float64 `json:"stage_normalised_loss"`
	StageStds   []float64 `json:"stage_normalised_loss_std"`
}

// ablateDoc is results.json: written after every measurement.
type ablateDoc struct {
	Spec     string           `json:"spec"`
	Quick    bool             `json:"quick"`
	Machine  analyze.Machine  `json:"machine"`
	Threads  int              `json:"threads"`
	Seeds    int              `json:"seeds"`
	Stages   []string         `json:"stages"`
	Variants []*ablateVariant `json:"variants"`
	Fit      *fit.Report      `json:"fit,omitempty"`
	Seconds  float64          `json:"seconds"`
	Complete bool             `json:"complete"`
}

func newAblateCmd() *cobra.Command {
	var (
		sf            specFlags
		mixers, ndivs string
		threads, runs int
		seeds         int
		quick, resume bool
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

--quick: fewer timed runs, one seed less and smaller fits (under a minute).`,
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
			if err := os.MkdirAll(out, 0o755); err != nil {
				return fmt.Errorf("--out %s: %v", out, err)
			}
			resPath := filepath.Join(out, "results.json")
			doc := &ablateDoc{Spec: s.Name, Quick: quick, Seeds: seeds}
			if resume {
				old, err := readAblate(resPath)
				if err != nil {
					return err
				}
				if old != nil {
					if old.Spec != s.Name || old.Quick != quick || old.Seeds != seeds {
						return usageError{fmt.Errorf("--resume: %s holds a run of %s (quick %v, %d seeds), not %s (quick %v, %d seeds); use another --out", resPath, old.Spec, old.Quick, old.Seeds, s.Name, quick, seeds)}
					}
					doc = old
				}
			} else if _, err := os.Stat(resPath); err == nil {
				return usageError{fmt.Errorf("--out %s already holds results.json: pass --resume to continue it or choose another --out", out)}
			}
			vars, err := ablateVariants(s, mix, nd)
			if err != nil {
				return err
			}
			doc.Variants = mergeVariants(doc.Variants, vars)
			start := time.Now()
			prev := doc.Seconds
			save := func() error {
				doc.Seconds = prev + time.Since(start).Seconds()
				return writeJSONFile(resPath, doc)
			}
			stderr := cmd.ErrOrStderr()
			var bar *progressbar.ProgressBar
			if isTerminal(stderr) {
				bar = progressbar.NewOptions(2*len(doc.Variants), progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("ablate"),
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
				if err := measureVariant(&sf, ref, v, threads, runs); err != nil {
					return err
				}
				doc.Threads = threadsOf(threads)
				doc.Machine = analyze.ThisMachine(doc.Threads)
				if err := save(); err != nil {
					return err
				}
				step(v.Name)
			}
			// Phase 2: reconstruction loss at the spec's stage widths.
			if err := fitVariants(doc, s, seeds, maxIter, threads, quick, step, save); err != nil {
				return err
			}
			doc.Complete = true
			if err := save(); err != nil {
				return err
			}
			paths, err := ablateCharts(doc, out)
			if err != nil {
				return err
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
	c.Flags().BoolVar(&quick, "quick", false, "a fast, rougher run (under a minute)")
	c.Flags().BoolVar(&resume, "resume", false, "continue the run in --out, skipping what results.json already holds")
	c.Flags().StringVar(&out, "out", "", "output directory (default ablate_<SPEC>)")
	c.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return c
}

func threadsOf(t int) int {
	if t > 0 {
		return t
	}
	return analyze.ThisMachine(0).Cores
}

func readAblate(path string) (*ablateDoc, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--resume: %v", err)
	}
	var d ablateDoc
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("--resume: %s is not an ablate results file: %v", path, err)
	}
	return &d, nil
}

// ablateVariants lists the variants: every mixer (pconv at the spec's
// n_div) and the n_div sweep.
func ablateVariants(s *arch.Spec, mixers []string, ndivs []int) ([]*ablateVariant, error) {
	groups := s.Groups
	for _, g := range []int{groups, 16, 8, 4, 2, 1} {
		ok := g > 0
		for i := range s.Depths {
			ok = ok && s.StageDim(i)%g == 0
		}
		if ok {
			groups = g
			break
		}
	}
	var out []*ablateVariant
	seen := map[string]bool{}
	add := func(v *ablateVariant) {
		if !seen[v.Name] {
			seen[v.Name] = true
			out = append(out, v)
		}
	}
	for _, m := range mixers {
		v := &ablateVariant{Mixer: m, Sets: []string{"mixer=" + m}}
		switch m {
		case "pconv":
			v.NDiv = s.NDiv
			v.Name = fmt.Sprintf("pconv n_div=%d", s.NDiv)
			v.Sets = append(v.Sets, fmt.Sprintf("n_div=%d", s.NDiv))
		case "gconv":
			v.Groups = groups
			v.Name = fmt.Sprintf("gconv groups=%d", groups)
			v.Sets = append(v.Sets, fmt.Sprintf("groups=%d", groups))
		default:
			v.Name = m
		}
		add(v)
	}
	for _, n := range ndivs {
		for i := range s.Depths {
			if n > s.StageDim(i) {
				return nil, usageError{fmt.Errorf("--n-div %d is larger than stage %d's %d channels", n, i, s.StageDim(i))}
			}
		}
		add(&ablateVariant{Mixer: "pconv", NDiv: n, Name: fmt.Sprintf("pconv n_div=%d", n), Sets: []string{"mixer=pconv", fmt.Sprintf("n_div=%d", n)}})
	}
	return out, nil
}

// mergeVariants keeps measured results of a resumed run for the variants
// still asked for.
func mergeVariants(old, want []*ablateVariant) []*ablateVariant {
	byName := map[string]*ablateVariant{}
	for _, v := range old {
		byName[v.Name] = v
	}
	for i, v := range want {
		if o, ok := byName[v.Name]; ok {
			want[i] = o
		}
	}
	return want
}

func (v *ablateVariant) student() fit.Student {
	switch v.Mixer {
	case "pconv":
		return fit.Student{Kind: "pconv", NDiv: v.NDiv}
	case "gconv":
		return fit.Student{Kind: "gconv", Groups: v.Groups}
	}
	return fit.Student{Kind: v.Mixer}
}

func measureVariant(sf *specFlags, ref string, v *ablateVariant, threads, runs int) error {
	f := *sf
	f.sets = append(append([]string(nil), sf.sets...), v.Sets...)
	_, g, err := f.load(ref)
	if err != nil {
		return fmt.Errorf("variant %s: %v", v.Name, err)
	}
	costs := analyze.Count(g, analyze.BNFused)
	v.Params, v.MACs, v.Bytes = costs.Totals.Params, costs.Totals.MACs, costs.Totals.Bytes()
	v.MixerMem, v.MixerMAC = 0, 0
	for _, l := range costs.Layers {
		if l.Role == arch.RoleMixer && l.Op == string(arch.OpConv) {
			v.MixerMem += l.PaperMemAccess
			v.MixerMAC += l.MACs
		}
	}
	p, err := engine.Build(g, engine.RandomWeights(g, 1), engine.Options{Threads: threads})
	if err != nil {
		return fmt.Errorf("variant %s: %v", v.Name, err)
	}
	defer p.Close()
	in := make([]float32, g.Shape(g.Input).Numel())
	for i := range in {
		in[i] = float32((i*7919)%255)/127.5 - 1
	}
	r, err := analyze.Bench(p, in, costs, analyze.BenchOptions{Warmup: 5, Runs: runs, PerLayer: true})
	if err != nil {
		return err
	}
	v.MedianMS, v.P10MS, v.P90MS, v.Runs, v.GFLOPS = r.MedianMS, r.P10MS, r.P90MS, r.Runs, r.GFLOPS
	v.Split = map[string]float64{}
	for _, st := range r.Layers {
		v.Split[stepGroup(st.Name)] += st.MedianMS
	}
	v.Measured = true
	return nil
}

// stepGroup puts a program step into patch_embed, mixers, mlps, merges or head.
func stepGroup(name string) string {
	switch {
	case name == "patch_embed":
		return "patch_embed"
	case strings.HasSuffix(name, ".mlp"):
		return "mlps"
	case strings.Contains(name, "spatial_mixing"):
		return "mixers"
	case strings.HasPrefix(name, "stages."):
		return "merges"
	}
	return "head"
}

// fitVariants fits each variant's mixer + PWConv at the spec's stage
// widths and map sizes. Losses of a variant are saved once all its stages
// are fitted.
func fitVariants(doc *ablateDoc, s *arch.Spec, seeds, maxIter, threads int, quick bool, step func(string), save func() error) error {
	var stages []fit.Stage
	h, w := s.Input.Height/s.PatchStride, s.Input.Width/s.PatchStride
	for i := range s.Depths {
		stages = append(stages, fit.Stage{Name: strconv.Itoa(i + 1), C: s.StageDim(i), H: max(1, h), W: max(1, w)})
		h, w = h/s.PatchStride2, w/s.PatchStride2
	}
	doc.Stages = nil
	for _, st := range stages {
		doc.Stages = append(doc.Stages, st.String())
	}
	var todo []*ablateVariant
	for _, v := range doc.Variants {
		if v.Fitted {
			step(v.Name + " fit")
		} else {
			todo = append(todo, v)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	gen := fit.DefaultGen
	if quick {
		gen.Samples = 1.5
	}
	var students []fit.Student
	seen := map[string]bool{}
	for _, v := range append([]*ablateVariant{{Mixer: "conv"}}, todo...) {
		if s := v.student(); !seen[s.Name()] {
			seen[s.Name()] = true
			students = append(students, s)
		}
	}
	// One stage at a time, saved after each: an interrupted fit phase
	// keeps the stages it finished, and --resume fits only what is missing.
	for _, st := range stages {
		var missing []fit.Student
		for _, stu := range students {
			if fitRowOf(doc.Fit, stu.Name(), st) == nil {
				missing = append(missing, stu)
			}
		}
		if len(missing) == 0 {
			continue
		}
		cfg := &fitConfig{stages: []fit.Stage{st}, students: missing, seeds: seeds, redundancy: []float64{gen.Redundancy}, gen: gen, threads: threads}
		fd, err := runFit(cfg, fit.Options{Threads: threads, MaxIter: maxIter})
		if err != nil {
			return err
		}
		doc.Fit = mergeFit(doc.Fit, fd)
		if err := save(); err != nil {
			return err
		}
	}
	for _, v := range todo {
		name := v.student().Name()
		v.Student = name
		v.StageLosses, v.StageStds, v.LossMean, v.LossStd = nil, nil, 0, 0
		for _, st := range stages {
			r := fitRowOf(doc.Fit, name, st)
			v.StageLosses = append(v.StageLosses, r.Normalised)
			v.StageStds = append(v.StageStds, r.NormalisedStd)
			v.LossMean += r.Normalised / float64(len(stages))
			v.LossStd += r.NormalisedStd / float64(len(stages))
		}
		v.Fitted = true
		step(v.Name + " fit")
	}
	return save()
}

// fitRowOf finds the row of student at stage (name and shape), or nil.
func fitRowOf(d *fit.Report, student string, st fit.Stage) *fit.Row {
	if d == nil {
		return nil
	}
	shape := fmt.Sprintf("%dx%dx%d", st.C, st.H, st.W)
	for i := range d.Rows {
		if r := &d.Rows[i]; r.Student == student && r.Stage == st.Name && r.Shape == shape {
			return &d.Rows[i]
		}
	}
	return nil
}

// mergeFit adds the rows of part (one stage's fit) to d and ranks that
// stage again over all its rows.
func mergeFit(d, part *fit.Report) *fit.Report {
	if d == nil {
		return part
	}
	d.Rows = append(d.Rows, part.Rows...)
	for k, v := range part.Pixels {
		d.Pixels[k] = v
	}
	d.Seconds += part.Seconds
	for key := range part.Rankings {
		stage, _, _ := strings.Cut(key, "@")
		var rows []fit.Row
		for _, r := range d.Rows {
			if r.Stage == stage {
				rows = append(rows, r)
			}
		}
		sort.SliceStable(rows, func(a, b int) bool { return rows[a].TestMSEMean < rows[b].TestMSEMean })
		rank := make([]string, len(rows))
		for i, r := range rows {
			rank[i] = r.Student
		}
		d.Rankings[key] = rank
	}
	return d
}

func ablateTable(w io.Writer, d *ablateDoc) error {
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

func sortedVariants(d *ablateDoc) []*ablateVariant {
	vs := append([]*ablateVariant(nil), d.Variants...)
	sort.SliceStable(vs, func(a, b int) bool { return vs[a].MedianMS < vs[b].MedianMS })
	return vs
}

func ablateCharts(d *ablateDoc, dir string) ([]string, error) {
	var paths []string
	save := func(p chartPlot, err error, name string) error {
		if err != nil {
			return err
		}
		ps, err := charts.Save(p, dir, name)
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
	p, err := charts.Bars(charts.BarSpec{Title: d.Spec + ": latency per variant, batch 1, " + thr + " (median, p10-p90)", XLabel: "variant (sorted)",
		YLabel: "latency (ms)", Categories: names, Series: []charts.Series{lat}})
	if err := save(p, err, "ablate_latency"); err != nil {
		return paths, err
	}
	p, err = charts.Scatter(charts.ScatterSpec{Title: d.Spec + ": latency against MACs per variant, " + thr, XLabel: "MACs (millions)", YLabel: "median latency (ms)", Points: pts})
	if err := save(p, err, "ablate_latency_vs_macs"); err != nil {
		return paths, err
	}
	// Time split of the spec's own mixer variant (the first) and of the others, grouped.
	groups := []string{"patch_embed", "mixers", "mlps", "merges", "head"}
	var split []charts.Series
	for _, v := range d.Variants {
		se := charts.Series{Name: v.Name}
		for _, g := range groups {
			se.Values = append(se.Values, v.Split[g])
		}
		split = append(split, se)
		if len(split) == 4 {
			break
		}
	}
	p, err = charts.Bars(charts.BarSpec{Title: d.Spec + ": where the time goes (median ms per part), " + thr, XLabel: "part of the model",
		YLabel: "ms", Categories: groups, Series: split})
	if err := save(p, err, "ablate_time_split"); err != nil {
		return paths, err
	}
	loss := charts.Series{Name: "loss"}
	var lnames []string
	for _, v := range d.Variants {
		if v.Mixer == "conv" {
			continue // ~0 by construction
		}
		lnames = append(lnames, v.Name)
		loss.Values = append(loss.Values, v.LossMean)
		loss.Lo, loss.Hi = append(loss.Lo, v.LossMean-v.LossStd), append(loss.Hi, v.LossMean+v.LossStd)
	}
	if len(lnames) > 0 {
		p, err = charts.Bars(charts.BarSpec{Title: d.Spec + ": reconstruction loss of mixer+PWConv vs a 3x3 conv (mean over stages, ± std)",
			XLabel: "variant", YLabel: "normalised test MSE", Categories: lnames, Series: []charts.Series{loss}})
		if err := save(p, err, "ablate_loss"); err != nil {
			return paths, err
		}
	}
	if d.Fit != nil {
		ps, err := fitCharts(d.Fit, dir, "ablate_")
		paths = append(paths, ps...)
		if err != nil {
			return paths, err
		}
	}
	return paths, nil
}

func findVariant(d *ablateDoc, pred func(*ablateVariant) bool) *ablateVariant {
	for _, v := range d.Variants {
		if pred(v) {
			return v
		}
	}
	return nil
}

// writeReport writes report.md: the table, the charts and the seed's
// three questions answered with this run's numbers.
func writeReport(d *ablateDoc, dir string, charts []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# fnlab ablate: %s\n\n", d.Spec)
	fmt.Fprintf(&b, "Machine: %s. %s run, %.0f s in total. Regenerate with `fnlab ablate %s%s`.\n\n", d.Machine,
		map[bool]string{true: "Quick", false: "Full"}[d.Quick], d.Seconds, d.Spec, map[bool]string{true: " --quick", false: ""}[d.Quick])
	b.WriteString("Latency: batch 1, median of the timed runs with p10-p90; GFLOPS = 2 x MACs / median. Loss: normalised test MSE of the variant's mixer + a 1x1 conv fitted to a random 3x3 conv on generated features at the spec's stage shapes " +
		strings.Join(d.Stages, ", ") + fmt.Sprintf(", mean over stages ± mean std over %d seeds (`fnlab fit` method).\n\n", d.Seeds))
	b.WriteString("| variant | params | MACs | bytes | median ms | p10-p90 ms | GFLOPS | loss |\n|---|---|---|---|---|---|---|---|\n")
	for _, v := range sortedVariants(d) {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.3f | %.3f-%.3f | %.1f | %.4f ± %.4f |\n", v.Name, report.SI(v.Params), report.SI(v.MACs),
			report.Bytes(v.Bytes), v.MedianMS, v.P10MS, v.P90MS, v.GFLOPS, v.LossMean, v.LossStd)
	}
	b.WriteString("\n## The seed's questions, with this machine's numbers\n\n")
	pc := findVariant(d, func(v *ablateVariant) bool { return v.Mixer == "pconv" && v.NDiv == 4 })
	if pc == nil {
		pc = findVariant(d, func(v *ablateVariant) bool { return v.Mixer == "pconv" })
	}
	dw := findVariant(d, func(v *ablateVariant) bool { return v.Mixer == "dwconv" })
	cv := findVariant(d, func(v *ablateVariant) bool { return v.Mixer == "conv" })
	if pc != nil && dw != nil {
		faster := "slower"
		if dw.MedianMS < pc.MedianMS {
			faster = "faster"
		}
		better := "a higher (worse)"
		if dw.LossMean < pc.LossMean {
			better = "a lower (better)"
		}
		fmt.Fprintf(&b, "**Would DWConv beat PConv inside FasterNet?** The DWConv variant runs in %.3f ms against %.3f ms for %s (%s, %.2fx), with %s MACs against %s, and has %s reconstruction loss: %.4f ± %.4f against %.4f ± %.4f. ",
			dw.MedianMS, pc.MedianMS, pc.Name, faster, pc.MedianMS/dw.MedianMS, report.SI(dw.MACs), report.SI(pc.MACs), better, dw.LossMean, dw.LossStd, pc.LossMean, pc.LossStd)
		b.WriteString("Loss here is a proxy (how well the mixer + 1x1 conv can imitate a 3x3 conv on generated features), not ImageNet accuracy.\n\n")
	}
	if pc != nil && cv != nil && pc.Split != nil {
		var tot float64
		for _, v := range pc.Split {
			tot += v
		}
		fmt.Fprintf(&b, "**Is the speed only the patch embedding?** In %s the patch embedding takes %.3f ms of %.3f ms (%.0f%%), the spatial mixers %.3f ms (%.0f%%), the MLPs %.3f ms (%.0f%%). Swapping PConv for a full 3x3 conv, with the same embedding, takes the model from %.3f ms to %.3f ms (%.2fx) and the mixers from %.3f ms to %.3f ms: the mixer choice, not the embedding, decides that difference.\n\n",
			pc.Name, pc.Split["patch_embed"], tot, 100*pc.Split["patch_embed"]/tot, pc.Split["mixers"], 100*pc.Split["mixers"]/tot, pc.Split["mlps"], 100*pc.Split["mlps"]/tot,
			pc.MedianMS, cv.MedianMS, cv.MedianMS/pc.MedianMS, pc.Split["mixers"], cv.Split["mixers"])
	}
	if pc != nil && cv != nil && cv.MixerMem > 0 {
		fmt.Fprintf(&b, "**Is PConv's memory access really 1/4 of Conv's?** By the paper's formula (h·w·2c_p + 9c_p² against h·w·2c + 9c², summed over the mixers of the model) PConv's mixers access %s elements against Conv's %s: %.3f (the paper's 1/4 holds where the feature-map term h·w·2c dominates, early stages; where the weight term 9c² dominates, late stages, the ratio tends to 1/16, so the model as a whole is %s 1/4). Their MACs: %s against %s (%.4f, 1/16 = 0.0625). Counting all bytes the model moves (fnlab analyze: inputs, weights, outputs of every layer, including split_cat's copy of the untouched channels), the whole model moves %s against %s (%.2f): the MLP dominates the traffic of both.\n\n",
			report.SI(pc.MixerMem), report.SI(cv.MixerMem), float64(pc.MixerMem)/float64(cv.MixerMem), map[bool]string{true: "below", false: "above"}[float64(pc.MixerMem)/float64(cv.MixerMem) < 0.25],
			report.SI(pc.MixerMAC), report.SI(cv.MixerMAC), float64(pc.MixerMAC)/float64(cv.MixerMAC),
			report.Bytes(pc.Bytes), report.Bytes(cv.Bytes), float64(pc.Bytes)/float64(cv.Bytes))
	}
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
	return os.WriteFile(filepath.Join(dir, "report.md"), []byte(b.String()), 0o644)
}
