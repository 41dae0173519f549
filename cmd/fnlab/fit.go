package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/fnlab/fnlab/charts"
	"github.com/fnlab/fnlab/fit"
	"github.com/fnlab/fnlab/internal/outdir"
	"github.com/fnlab/fnlab/report"
	"github.com/fnlab/fnlab/tensorio"
)

func init() { extraCommands = append(extraCommands, newFitCmd) }

// fitConfig holds the parsed flags of fit; experiment turns it into a fit.Experiment.
type fitConfig struct {
	stages      []fit.Stage
	students    []fit.Student
	seeds       int
	redundancy  []float64
	gen         fit.GenOptions
	teacher     string // FILE:KEY or ""
	features    string // .npy or ""
	threads     int
	progress    func(fit.FitStep)
	teacherData []float32
	featureData *fit.Data
}

func parseStages(s string) ([]fit.Stage, error) {
	var out []fit.Stage
	for _, f := range splitList(s) {
		if n, err := strconv.Atoi(f); err == nil {
			if n < 1 || n > len(fit.PaperStages) {
				return nil, usageError{fmt.Errorf("--stages %q: stage %d: expected 1 to 4 or CxHxW", s, n)}
			}
			out = append(out, fit.PaperStages[n-1])
			continue
		}
		sz, err := parseSizes(f)
		if err != nil {
			return nil, usageError{fmt.Errorf("--stages %q: %q: expected a paper stage 1-4 or CxHxW", s, f)}
		}
		out = append(out, fit.Stage{Name: sz[0].String(), C: sz[0].C, H: sz[0].H, W: sz[0].W})
	}
	if len(out) == 0 {
		return nil, usageError{fmt.Errorf("--stages: expected at least one stage")}
	}
	return out, nil
}

func parseStudents(s string) ([]fit.Student, error) {
	var out []fit.Student
	for _, f := range splitList(s) {
		st, err := fit.ParseStudent(f)
		if err != nil {
			return nil, usageError{fmt.Errorf("--students: %v", err)}
		}
		out = append(out, st)
	}
	if len(out) == 0 {
		return nil, usageError{fmt.Errorf("--students: expected at least one student")}
	}
	return out, nil
}

func parseFloats(flag, s string) ([]float64, error) {
	var out []float64
	for _, f := range splitList(s) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || v < 0 || v >= 1 {
			return nil, usageError{fmt.Errorf("%s %q: %q is not a number in [0, 1)", flag, s, f)}
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, usageError{fmt.Errorf("%s: expected at least one value", flag)}
	}
	return out, nil
}

// loadRealData reads --teacher FILE:KEY and --features X.npy.
func (c *fitConfig) loadRealData() error {
	if c.features == "" && c.teacher == "" {
		return nil
	}
	if c.features != "" {
		t, err := tensorio.ReadNPYFile(c.features)
		if err != nil {
			return fmt.Errorf("--features: %v", err)
		}
		if len(t.Shape) != 4 || t.Shape[0] < 3 || t.Shape[2] < 1 || t.Shape[3] < 1 {
			return fmt.Errorf("--features %s: expected an N x C x H x W array with N >= 3 images, got shape %v", c.features, t.Shape)
		}
		c.featureData = &fit.Data{N: t.Shape[0], C: t.Shape[1], H: t.Shape[2], W: t.Shape[3], X: t.Data}
		c.stages = []fit.Stage{{Name: "features", C: t.Shape[1], H: t.Shape[2], W: t.Shape[3]}}
	}
	if c.teacher != "" {
		file, key, ok := strings.Cut(c.teacher, ":")
		if !ok || file == "" || key == "" {
			return usageError{fmt.Errorf("--teacher %q: expected FILE:KEY, e.g. resnet50.pth:layer1.0.conv2.weight", c.teacher)}
		}
		// Only the teacher tensor is read; the others' names are kept
		// for the message if it is missing.
		var names []string
		st, err := tensorio.LoadExpect(file, func(name string, _ []int) error {
			if name == key {
				return nil
			}
			names = append(names, name)
			return tensorio.ErrSkip
		})
		if err != nil {
			return fmt.Errorf("--teacher: %v", err)
		}
		t, ok := st.Tensors[key]
		if !ok {
			if len(names) > 5 {
				names = append(names[:5:5], "...")
			}
			return fmt.Errorf("--teacher %s: no tensor %q (the file has %s)", file, key, strings.Join(names, ", "))
		}
		if len(t.Shape) != 4 || t.Shape[0] != t.Shape[1] || t.Shape[2] != 3 || t.Shape[3] != 3 {
			return fmt.Errorf("--teacher %s: %s has shape %v, expected a 3x3 conv weight [c, c, 3, 3]", file, key, t.Shape)
		}
		c.teacherData = t.Data
		if c.featureData != nil && c.featureData.C != t.Shape[0] {
			return fmt.Errorf("--teacher %s: %s has %d channels, --features %s has %d", file, key, t.Shape[0], c.features, c.featureData.C)
		}
		if c.featureData == nil {
			// Generated features at the teacher's width, at each stage's size.
			for i := range c.stages {
				c.stages[i].C = t.Shape[0]
				c.stages[i].Name = fmt.Sprintf("%dx%dx%d", t.Shape[0], c.stages[i].H, c.stages[i].W)
			}
		}
	}
	return nil
}

// experiment is the fit.Experiment cfg describes.
func (c *fitConfig) experiment(opt fit.Options) *fit.Experiment {
	return &fit.Experiment{Stages: c.stages, Students: c.students, Seeds: c.seeds, Redundancy: c.redundancy, Gen: c.gen,
		Features: c.featureData, FeaturesName: c.features, Teacher: c.teacherData, TeacherName: c.teacher,
		Options: opt, Step: c.progress}
}

// runFit runs the experiment cfg describes.
func runFit(cfg *fitConfig, opt fit.Options) (*fit.Report, error) {
	return cfg.experiment(opt).Run()
}

func newFitCmd() *cobra.Command {
	var (
		stages, students, reds string
		seeds, threads, iters  int
		teacher, features      string
		samples                float64
		format, out            string
		force                  bool
	)
	c := &cobra.Command{
		Use:   "fit",
		Short: "Paper Table 2: how well PConv/GConv/DWConv (+PWConv) students reconstruct a 3x3 conv",
		Long: `fit reproduces the paper's reconstruction experiment. A teacher 3x3 conv
(c -> c) is applied to input features; students are fitted to its output by
MSE on 70% of the images, 10% validate, 20% test:
  pconv[:n_div]  PConv (n_div 4) + PWConv      gconv[:groups]  GConv (16 groups) + PWConv
  dwconv         DWConv + PWConv               pwconv          PWConv alone
  conv           a full 3x3 conv (must reach ~0: the check that fitting works)
Training is exact alternating least squares on the split's second moments
(see the fit package doc for the formulas): the PWConv is solved in closed
form, the mixer takes block-Newton steps with an exact line search; the
training loss after each iteration is in the JSON (train_curve_seed0).
Each number is a mean +- standard deviation over --seeds seeds (data,
split and initialisation all change with the seed); normalised_mse divides
by the variance of the teacher's output on the test split.

Default data runs anywhere offline: the paper's four stage shapes (64/128/256/512
channels at 56/28/14/7) with seeded synthetic features (smooth Gaussian fields,
mixed into channels from C*(1-redundancy) latent maps, noise, ReLU) and a
random centre-heavy teacher. --redundancy takes a list to show how the
ranking moves. Real data: --teacher FILE:KEY (.safetensors or .pth, a
[c, c, 3, 3] weight) and --features X.npy (N x C x H x W).`,
		Example: `  fnlab fit
  fnlab fit --stages 1,2 --redundancy 0,0.5,0.9 --seeds 3
  fnlab fit --students pconv:2,pconv:4,pconv:8,conv --stages 3
  fnlab fit --teacher resnet50.safetensors:layer1.0.conv2.weight --features layer1_in.npy --format json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json", "csv"); err != nil {
				return err
			}
			cfg := &fitConfig{seeds: seeds, teacher: teacher, features: features, threads: threads, gen: fit.DefaultGen}
			var err error
			if cfg.stages, err = parseStages(stages); err != nil {
				return err
			}
			if cfg.students, err = parseStudents(students); err != nil {
				return err
			}
			if cfg.redundancy, err = parseFloats("--redundancy", reds); err != nil {
				return err
			}
			if seeds < 1 || seeds > 100 {
				return usageError{fmt.Errorf("--seeds %d: expected 1 to 100 (3 or more for a spread)", seeds)}
			}
			if threads < 0 {
				return usageError{fmt.Errorf("--threads %d: expected 0 (all cores) or more", threads)}
			}
			if samples <= 0 || samples > 100 {
				return usageError{fmt.Errorf("--samples %g: expected more than 0, at most 100", samples)}
			}
			if iters < 1 {
				return usageError{fmt.Errorf("--max-iter %d: expected at least 1", iters)}
			}
			cfg.gen.Samples = samples
			if err := cfg.loadRealData(); err != nil {
				return err
			}
			for _, st := range cfg.stages {
				for _, s := range cfg.students {
					if (s.Kind == "pconv" && s.NDiv > st.C) || (s.Kind == "gconv" && st.C%s.Groups != 0) {
						return usageError{fmt.Errorf("--students %s does not fit stage %s (%d channels)", s.Name(), st.Name, st.C)}
					}
				}
			}
			var od *outdir.Dir
			if out != "" {
				if od, err = openOutDir(out, force); err != nil {
					return err
				}
				defer od.Close()
			}
			if isTerminal(cmd.ErrOrStderr()) {
				// The bar follows fit.Work, not the count of fits: a 320-channel
				// stage takes about six times a 160-channel one.
				bar := progressbar.NewOptions(1000, progressbar.OptionSetWriter(cmd.ErrOrStderr()), progressbar.OptionSetDescription("fit"),
					progressbar.OptionClearOnFinish(), progressbar.OptionShowElapsedTimeOnFinish(), progressbar.OptionSetPredictTime(true))
				cfg.progress = func(s fit.FitStep) {
					if s.Total > 0 {
						_ = bar.Set(int(1000 * s.Done / s.Total))
					}
					if s.Student != "" {
						bar.Describe(fmt.Sprintf("fit stage %s %s seed %d", s.Stage, s.Student, s.Seed))
					}
				}
				defer bar.Finish()
			}
			rerun := commandLine(cmd, args)
			onInterrupt(func() string {
				return "fit writes its results when every fit is done, so nothing of this run was saved; rerun with: " + rerun
			})
			doc, err := runFit(cfg, fit.Options{Threads: threads, MaxIter: iters})
			if err != nil {
				return err
			}
			if out != "" {
				if doc.Charts, err = fitCharts(doc, od, ""); err != nil {
					return outFileErr(err)
				}
				if err := od.Claim("fit.json"); err != nil {
					return outFileErr(err)
				}
				if err := writeJSONFile(od.Join("fit.json"), doc); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			switch format {
			case "json":
				return writeJSON(w, doc)
			case "csv":
				return fitCSV(w, doc)
			}
			return fitTable(w, doc)
		},
	}
	c.Flags().StringVar(&stages, "stages", "1,2,3,4", "stages: paper stage numbers 1-4 (64x56x56 ... 512x7x7) or CxHxW, comma-separated")
	c.Flags().StringVar(&students, "students", "pconv,gconv,dwconv,pwconv,conv", "students: pconv[:n_div], gconv[:groups], dwconv, pwconv, conv")
	c.Flags().IntVar(&seeds, "seeds", 3, "seeds (data, split and initialisation)")
	c.Flags().StringVar(&reds, "redundancy", "0.5", "channel redundancy of the generated features in [0, 1), comma-separated for a sweep")
	c.Flags().Float64Var(&samples, "samples", fit.DefaultGen.Samples, "generated training pixels per input dimension (9C)")
	c.Flags().StringVar(&teacher, "teacher", "", "teacher conv weight FILE:KEY (.safetensors or .pth; default: a seeded random conv)")
	c.Flags().StringVar(&features, "features", "", "input features .npy, N x C x H x W (default: generated)")
	c.Flags().IntVar(&threads, "threads", 0, "worker threads (default: all cores)")
	c.Flags().IntVar(&iters, "max-iter", 25, "alternating iterations at most")
	c.Flags().StringVar(&format, "format", "table", "output format: table, json or csv")
	c.Flags().StringVar(&out, "out", "", "directory for fit.json and the loss chart (PNG and SVG)")
	c.Flags().BoolVar(&force, "force", false, "replace files in --out that fnlab did not write")
	return c
}

func pm(m, s float64) string { return fmt.Sprintf("%.4g ± %.2g", m, s) }

func fitTable(w io.Writer, d *fit.Report) error {
	fmt.Fprintf(w, "data: %s · teacher: %s", d.Data, d.Teacher)
	if d.Gen != nil {
		fmt.Fprintf(w, " · generator: corr. length %.1f px, noise %.2f, %.1f train pixels per input dim", d.Gen.CorrLen, d.Gen.Noise, d.Gen.Samples)
	}
	fmt.Fprintf(w, "\ntest MSE mean ± std over seeds; normalised = test MSE / variance of the teacher output (test split); %.1f s\n\n", d.Seconds)
	t := &report.Table{Header: []string{"stage", "redund.", "student", "params", "test MSE", "normalised", "iters", "paper MSE"},
		Right: []bool{false, true, false, true, true, true, true, true}}
	for _, r := range d.Rows {
		red, paper := "-", "-"
		if r.Redundancy != nil {
			red = fmt.Sprintf("%g", *r.Redundancy)
		}
		if r.PaperTestMSE != nil {
			paper = fmt.Sprintf("%.4f", *r.PaperTestMSE)
		}
		t.Add(r.Stage+" "+r.Shape, red, r.Student, report.SI(r.Params), pm(r.TestMSEMean, r.TestMSEStd), pm(r.Normalised, r.NormalisedStd),
			fmt.Sprintf("%.0f", r.ItersMean), paper)
	}
	if err := t.Write(w); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nranking by test MSE (best first):")
	keys := make([]string, 0, len(d.Rankings))
	for k := range d.Rankings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  stage %s: %s\n", k, strings.Join(d.Rankings[k], " < "))
	}
	if len(d.Charts) > 0 {
		fmt.Fprintf(w, "\ncharts: %s\n", strings.Join(d.Charts, ", "))
	}
	return nil
}

func fitCSV(w io.Writer, d *fit.Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"student", "stage", "shape", "redundancy", "seeds", "test_mse_mean", "test_mse_std", "normalised_mse", "normalised_mse_std",
		"val_mse_mean", "train_mse_mean", "iters_mean", "params", "paper_test_mse"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	for _, r := range d.Rows {
		red, paper := "", ""
		if r.Redundancy != nil {
			red = f(*r.Redundancy)
		}
		if r.PaperTestMSE != nil {
			paper = f(*r.PaperTestMSE)
		}
		_ = cw.Write([]string{r.Student, r.Stage, r.Shape, red, strconv.Itoa(r.Seeds), f(r.TestMSEMean), f(r.TestMSEStd), f(r.Normalised),
			f(r.NormalisedStd), f(r.ValMSEMean), f(r.TrainMSEMean), f(r.ItersMean), strconv.FormatInt(r.Params, 10), paper})
	}
	cw.Flush()
	return cw.Error()
}

// fitCharts draws normalised test MSE per student and stage, error bars
// +- one standard deviation over seeds, one chart per redundancy.
func fitCharts(d *fit.Report, od *outdir.Dir, prefix string) ([]string, error) {
	type key struct{ red string }
	byRed := map[string][]fit.Row{}
	var reds []string
	for _, r := range d.Rows {
		k := "-"
		if r.Redundancy != nil {
			k = fmt.Sprintf("%g", *r.Redundancy)
		}
		if _, ok := byRed[k]; !ok {
			reds = append(reds, k)
		}
		byRed[k] = append(byRed[k], r)
	}
	var paths []string
	for _, red := range reds {
		rows := byRed[red]
		var stages, students []string
		for _, r := range rows {
			if !containsStr(stages, r.Stage) {
				stages = append(stages, r.Stage)
			}
			if !containsStr(students, r.Student) {
				students = append(students, r.Student)
			}
		}
		// Students sorted by their mean normalised loss over stages.
		score := map[string]float64{}
		for _, r := range rows {
			score[r.Student] += r.Normalised
		}
		sort.SliceStable(students, func(a, b int) bool { return score[students[a]] < score[students[b]] })
		var series []charts.Series
		for _, s := range students {
			se := charts.Series{Name: s}
			for _, st := range stages {
				v := math.NaN()
				lo, hi := 0.0, 0.0
				for _, r := range rows {
					if r.Student == s && r.Stage == st {
						v, lo, hi = r.Normalised, r.Normalised-r.NormalisedStd, r.Normalised+r.NormalisedStd
					}
				}
				se.Values, se.Lo, se.Hi = append(se.Values, math.Max(v, 1e-9)), append(se.Lo, math.Max(lo, 1e-9)), append(se.Hi, hi)
			}
			series = append(series, se)
		}
		title := "Reconstruction of a 3x3 conv: normalised test MSE (mean ± std over seeds)"
		name := prefix + "fit_loss"
		if red != "-" {
			title += ", redundancy " + red
			if len(reds) > 1 {
				name += "_r" + red
			}
		}
		p, err := charts.Bars(charts.BarSpec{Title: title, XLabel: "stage", YLabel: "test MSE / teacher output variance (log)",
			Categories: stages, Series: series, LogY: true})
		if err != nil {
			return paths, err
		}
		if err := claimChart(od, name); err != nil {
			return paths, err
		}
		ps, err := charts.Save(p, od.Path(), name)
		paths = append(paths, ps...)
		if err != nil {
			return paths, err
		}
	}
	return paths, nil
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
