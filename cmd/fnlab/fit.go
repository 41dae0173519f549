package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/fnlab/fnlab/fit"
	"github.com/fnlab/fnlab/fit/fitreport"
	"github.com/fnlab/fnlab/internal/outdir"
)

func init() { extraCommands = append(extraCommands, newFitCmd) }

// loadRealData reads --features X.npy and --teacher FILE:KEY into e.
func loadRealData(e *fit.Experiment, features, teacher string) error {
	var x *fit.Data
	if features != "" {
		var err error
		if x, err = fit.LoadFeatures(features); err != nil {
			return fmt.Errorf("--features: %w", err)
		}
	}
	var w []float32
	if teacher != "" {
		file, key, ok := strings.Cut(teacher, ":")
		if !ok || file == "" || key == "" {
			return usageError{fmt.Errorf("--teacher %q: expected FILE:KEY, e.g. resnet50.pth:layer1.0.conv2.weight", teacher)}
		}
		var err error
		if w, err = fit.LoadTeacher(file, key); err != nil {
			return fmt.Errorf("--teacher: %w", err)
		}
	}
	if err := e.UseRealData(x, features, w, teacher); err != nil {
		return fmt.Errorf("--teacher: %w", err)
	}
	return nil
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
			e := &fit.Experiment{Seeds: seeds, Gen: fit.DefaultGen, Options: fit.Options{Threads: threads, MaxIter: iters}}
			var err error
			if e.Stages, err = fit.ParseStages(stages); err != nil {
				return flagErr("--stages", err)
			}
			if e.Students, err = fit.ParseStudents(students); err != nil {
				return usageError{fmt.Errorf("--students: %v", err)}
			}
			if e.Redundancy, err = fit.ParseRedundancies(reds); err != nil {
				return flagErr("--redundancy", err)
			}
			if seeds < 1 || seeds > 100 {
				return usageError{fmt.Errorf("--seeds %d: expected 1 to 100 (3 or more for a spread)", seeds)}
			}
			if err := checkThreads(threads); err != nil {
				return err
			}
			if samples <= 0 || samples > 100 {
				return usageError{fmt.Errorf("--samples %g: expected more than 0, at most 100", samples)}
			}
			if iters < 1 {
				return usageError{fmt.Errorf("--max-iter %d: expected at least 1", iters)}
			}
			e.Gen.Samples = samples
			if err := loadRealData(e, features, teacher); err != nil {
				return err
			}
			if err := e.Check(); err != nil {
				return usageError{fmt.Errorf("--students %v", err)}
			}
			var od *outdir.Dir
			if out != "" {
				if od, err = openOutDir(out, force); err != nil {
					return err
				}
				defer od.Close()
			}
			// The bar follows fit.Work, not the count of fits: a 320-channel
			// stage takes about six times a 160-channel one.
			bar := newBar(cmd.ErrOrStderr(), 1000, "fit", progressbar.OptionShowElapsedTimeOnFinish(), progressbar.OptionSetPredictTime(true))
			e.Step = fitBar(bar, "fit stage")
			defer finishBar(bar)
			rerun := commandLine(cmd, args)
			onInterrupt(func() string {
				return "fit writes its results when every fit is done, so nothing of this run was saved; rerun with: " + rerun
			})
			doc, err := e.Run()
			if err != nil {
				return err
			}
			if out != "" {
				if err := fitreport.Save(doc, od); err != nil {
					return outFileErr(err)
				}
			}
			return printDoc(cmd, format, doc, func(w io.Writer) error { return fitreport.Table(w, doc) },
				func(w io.Writer) error { return fitreport.CSV(w, doc) })
		},
	}
	c.Flags().StringVar(&stages, "stages", "1,2,3,4", "stages: paper stage numbers 1-4 (64x56x56 ... 512x7x7) or CxHxW, comma-separated")
	c.Flags().StringVar(&students, "students", "pconv,gconv,dwconv,pwconv,conv", "students: pconv[:n_div], gconv[:groups], dwconv, pwconv, conv")
	c.Flags().IntVar(&seeds, "seeds", 3, "seeds (data, split and initialisation)")
	c.Flags().StringVar(&reds, "redundancy", "0.5", "channel redundancy of the generated features in [0, 1), comma-separated for a sweep")
	c.Flags().Float64Var(&samples, "samples", fit.DefaultGen.Samples, "generated training pixels per input dimension (9C)")
	c.Flags().StringVar(&teacher, "teacher", "", "teacher conv weight FILE:KEY (.safetensors or .pth; default: a seeded random conv)")
	c.Flags().StringVar(&features, "features", "", "input features .npy, N x C x H x W (default: generated)")
	threadsFlag(c, &threads, 0, "")
	c.Flags().IntVar(&iters, "max-iter", 25, "alternating iterations at most")
	formatFlag(c, &format, "table", "json", "csv")
	c.Flags().StringVar(&out, "out", "", "directory for fit.json and the loss chart (PNG and SVG)")
	c.Flags().BoolVar(&force, "force", false, "replace files in --out that fnlab did not write")
	return c
}

// fitBar follows a fit phase's work (fit.Work units) on bar, describing
// each fit after stage ("fit stage"); nil without a bar.
func fitBar(bar *progressbar.ProgressBar, stage string) func(fit.FitStep) {
	if bar == nil {
		return nil
	}
	return func(s fit.FitStep) {
		if s.Total > 0 {
			_ = bar.Set(int(1000 * s.Done / s.Total))
		}
		if s.Student != "" {
			bar.Describe(fmt.Sprintf("%s %s %s seed %d", stage, s.Stage, s.Student, s.Seed))
		}
	}
}
