package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fnlab/fnlab/search"
	"github.com/fnlab/fnlab/search/lut"
	"github.com/fnlab/fnlab/search/study"
)

// studyFlags are the flags of a search shared through PostgreSQL.
type studyFlags struct {
	storage, study string
	lease          time.Duration
}

func addStudyFlags(fl *pflag.FlagSet, f *studyFlags) {
	fl.StringVar(&f.storage, "storage", "", "share the search through PostgreSQL: postgres://USER@HOST:PORT/DB (password from PGPASSWORD or ~/.pgpass); every worker with the same arguments joins")
	fl.StringVar(&f.study, "study", "", "with --storage: the study's name (default: the space's name)")
	fl.DurationVar(&f.lease, "lease", 30*time.Second, "with --storage: how long a claimed candidate stays claimed without renewal (a killed worker's candidates are redone after it)")
}

// openStore connects to --storage; a bad URL is a bad invocation.
func openStore(ctx context.Context, url string) (*study.Store, error) {
	if url == "" {
		return nil, usageError{errors.New("--storage: required (postgres://USER@HOST:PORT/DB)")}
	}
	s, err := study.Open(ctx, url, study.Options{})
	if err != nil {
		var ue *study.URLError
		if errors.As(err, &ue) {
			return nil, usageError{fmt.Errorf("--storage %v", err)}
		}
		return nil, fmt.Errorf("--storage %v", err)
	}
	return s, nil
}

// runStudy is `fnlab search SPACE --storage URL`: this process joins the
// study as one worker; the worker that completes it writes the report.
func runStudy(cmd *cobra.Command, sp *search.Space, ev *search.Evaluator, h search.Header, jpath, out string, f *searchFlags, sf *studyFlags, table *lut.Table) error {
	if h.Shard != "0/1" {
		return usageError{errors.New("--shard with --storage: a study shares its candidates between workers as they go; drop --shard")}
	}
	if sf.lease < time.Second {
		return usageError{fmt.Errorf("--lease %s: expected at least 1s", sf.lease)}
	}
	name := sf.study
	if name == "" {
		name = sp.Name
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := openStore(ctx, sf.storage)
	if err != nil {
		return err
	}
	defer s.Close()
	id := study.IdentityOf(h, f.population)
	st, created, err := s.Join(ctx, name, sp, id)
	if err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	workerID := study.DefaultWorkerID()
	verb := "joined"
	if created {
		verb = "created"
	}
	fmt.Fprintf(stderr, "study %s at %s: %s; worker %s (%s, seed %d, budget %d)\n", name, s.URL(), verb, workerID, h.Strategy, h.Seed, h.Budget)
	parallel := f.workers
	if parallel <= 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	o := study.WorkerOptions{ID: workerID, Lease: sf.lease, Parallel: parallel,
		Evaluate: func(_ context.Context, g search.Genome) (search.Record, error) { return ev.Evaluate(g) }}
	o.Progress = studyProgress(stderr, name)
	res, err := st.Work(ctx, o)
	o.Progress(study.Progress{Total: -1}) // finish the bar
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted: study %s at %s keeps every finished trial (this worker finished %d); rerun the same command to continue, any number of workers may join", name, s.URL(), res.Evaluated)
		}
		return err
	}
	if !res.Completed {
		done := study.WorkerDone{Study: name, Storage: s.URL(), Complete: true, CompletedBy: res.CompletedBy, Evaluated: res.Evaluated}
		return printDoc(cmd, f.format, done, func(w io.Writer) error {
			_, err := fmt.Fprintf(w, "study %s complete; this worker finished %d trials. Worker %s completed the study and wrote the report to its --out.\nexport the study: fnlab search export --storage %s --study %s --out journal.jsonl\n",
				name, res.Evaluated, res.CompletedBy, s.URL(), name)
			return err
		})
	}
	hdr, recs, err := s.WriteJournal(ctx, name, jpath)
	var je *search.JournalError
	if errors.Is(err, search.ErrJournalOther) && errors.As(err, &je) {
		return fmt.Errorf("--journal %s: %s; choose another --out or --journal for the study's report", je.Path, je.Msg)
	}
	if err != nil {
		return err
	}
	hdr.Shard = "study " + name
	return searchReport(cmd, sp, recs, hdr, jpath, out, f, table)
}

// studyProgress shows the whole study's progress: a bar on a terminal, a
// line every 10 s otherwise (logs of a Kubernetes Job, say). Total -1
// ends it.
func studyProgress(w io.Writer, name string) func(study.Progress) {
	var mu sync.Mutex
	if isTerminal(w) {
		var bar *progressbar.ProgressBar
		return func(p study.Progress) {
			mu.Lock()
			defer mu.Unlock()
			if p.Total < 0 {
				finishBar(bar)
				return
			}
			if bar == nil {
				bar = newBar(w, p.Total, "study "+name, progressbar.OptionShowCount(), progressbar.OptionThrottle(100e6))
			}
			if bar.GetMax() != p.Total {
				bar.ChangeMax(p.Total)
			}
			bar.Describe(fmt.Sprintf("study %s (%d running, this worker %d)", name, p.Running, p.Mine))
			_ = bar.Set(p.Done)
		}
	}
	var last time.Time
	return func(p study.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if p.Total < 0 || time.Since(last) < 10*time.Second {
			return
		}
		last = time.Now()
		fmt.Fprintf(w, "study %s: %d/%d done, %d running, %d pending; this worker %d\n", name, p.Done, p.Total, p.Running, p.Pending, p.Mine)
	}
}

func newSearchExportCmd() *cobra.Command {
	var storage, name, out, format string
	c := &cobra.Command{
		Use:   "export --storage URL [--study NAME] --out JOURNAL",
		Short: "Write a study's finished trials as a search journal (JSONL)",
		Long: `export writes the finished trials of a study in PostgreSQL as a search journal:
the header of the study's search and one record per candidate, in index order,
as "fnlab search" writes it on one machine. tui, "search merge" and the charts
read it. A study still running exports what is finished so far.`,
		Example: `  fnlab search export --storage postgres://fnlab@db:5432/fnlab --study t0_ndiv_depth --out study.jsonl
  fnlab tui --journal study.jsonl`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{errors.New("--out: required (the journal file to write)")}
			}
			ctx := cmd.Context()
			s, err := openStore(ctx, storage)
			if err != nil {
				return err
			}
			defer s.Close()
			if name, err = pickStudy(ctx, s, name); err != nil {
				return err
			}
			doc, err := s.ExportJournal(ctx, name, out)
			if errors.Is(err, study.ErrFileExists) {
				return fmt.Errorf("--out %s: already exists; remove it or choose another file", out)
			}
			if err != nil {
				return err
			}
			return printDoc(cmd, format, doc, doc.WriteText)
		},
	}
	c.Flags().StringVar(&storage, "storage", "", "the study's PostgreSQL: postgres://USER@HOST:PORT/DB")
	c.Flags().StringVar(&name, "study", "", "the study (default: the only one)")
	c.Flags().StringVar(&out, "out", "", "journal file to write (JSONL)")
	formatFlag(c, &format, "table", "json")
	return c
}

// pickStudy is name, or the store's only study.
func pickStudy(ctx context.Context, s *study.Store, name string) (string, error) {
	name, err := s.Pick(ctx, name)
	var ce *study.ChoiceError
	switch {
	case errors.Is(err, study.ErrNoStudy):
		return "", fmt.Errorf("--storage %s: holds no study yet", s.URL())
	case errors.As(err, &ce):
		return "", usageError{fmt.Errorf("--study: required, %s holds %s", s.URL(), strings.Join(ce.Names, ", "))}
	}
	return name, err
}

func newSearchStatusCmd() *cobra.Command {
	var storage, name, format string
	c := &cobra.Command{
		Use:   "status --storage URL [--study NAME]",
		Short: "Show a study's done, running and pending trials and its workers",
		Long: `status reads studies in PostgreSQL: for each, its search, how many trials are
done, running (claimed, lease current), expired (claimed by a worker that
stopped renewing: claimable again) and pending, and its workers (live: it
renewed its heartbeat within its lease and has not stopped).`,
		Example: `  fnlab search status --storage postgres://fnlab@db:5432/fnlab
  fnlab search status --storage postgres://fnlab@db:5432/fnlab --study t0_ndiv_depth --format json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := openStore(ctx, storage)
			if err != nil {
				return err
			}
			defer s.Close()
			var names []string
			if name != "" {
				names = []string{name}
			}
			doc, err := s.Statuses(ctx, names...)
			if err != nil {
				return err
			}
			return printDoc(cmd, format, doc, doc.WriteText)
		},
	}
	c.Flags().StringVar(&storage, "storage", "", "PostgreSQL holding the studies: postgres://USER@HOST:PORT/DB")
	c.Flags().StringVar(&name, "study", "", "one study (default: all)")
	formatFlag(c, &format, "table", "json")
	return c
}
