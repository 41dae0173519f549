package ablate

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
	"github.com/fnlab/fnlab/fit"
)

// Variant is one mixer / n_div variant of the spec, with what was measured of it.
type Variant struct {
	Name   string     `json:"name"` // e.g. "pconv n_div=4", "dwconv"
	Mixer  arch.Mixer `json:"mixer"`
	NDiv   int        `json:"n_div,omitempty"`
	Groups int        `json:"groups,omitempty"`
	Sets   []string   `json:"sets"`
	// Changed says, for a spec whose stages have their own mixers, what the
	// variant changes stage by stage ("stage 2: gconv groups=4 -> dwconv").
	Changed  []string `json:"changed,omitempty"`
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

// Doc is a run: fnlab ablate writes it as results.json after every
// measurement, and resumes from it.
type Doc struct {
	Format     string          `json:"format"` // Format
	Config     Config          `json:"config"`
	ConfigHash string          `json:"config_hash"`
	Spec       string          `json:"spec"`
	Command    string          `json:"command,omitempty"` // the command line that reproduces the run
	Quick      bool            `json:"quick"`
	Machine    analyze.Machine `json:"machine"`
	Threads    int             `json:"threads"`
	Seeds      int             `json:"seeds"`
	Stages     []string        `json:"stages"`
	Variants   []*Variant      `json:"variants"`
	Fit        *fit.Report     `json:"fit,omitempty"`
	Seconds    float64         `json:"seconds"`
	Complete   bool            `json:"complete"`
}

// Variants lists the variants: every mixer (pconv at the spec's
// n_div) and the n_div sweep.
func Variants(s *arch.Spec, mixers []arch.Mixer, ndivs []int) ([]*Variant, error) {
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
	var out []*Variant
	seen := map[string]bool{}
	add := func(v *Variant) {
		if !seen[v.Name] {
			seen[v.Name] = true
			out = append(out, v)
		}
	}
	for _, m := range mixers {
		v := &Variant{Mixer: m}
		switch m {
		case arch.PConv:
			v.NDiv = s.NDiv
			v.Name = fmt.Sprintf("pconv n_div=%d", s.NDiv)
		case arch.GConv:
			v.Groups = groups
			v.Name = fmt.Sprintf("gconv groups=%d", groups)
		default:
			v.Name = string(m)
		}
		add(v.withSets(s))
	}
	for _, n := range ndivs {
		for i := range s.Depths {
			if n > s.StageDim(i) {
				return nil, fmt.Errorf("n_div %d is larger than stage %d's %d channels", n, i, s.StageDim(i))
			}
		}
		add((&Variant{Mixer: arch.PConv, NDiv: n, Name: fmt.Sprintf("pconv n_div=%d", n)}).withSets(s))
	}
	return out, nil
}

// withSets fills v.Sets so that the variant's mixer (with its n_div or
// groups) is every stage's, per-stage overrides of the spec included, and
// v.Changed with what that changes.
func (v *Variant) withSets(s *arch.Spec) *Variant {
	v.Sets = []string{"mixer=" + string(v.Mixer)}
	if v.NDiv > 0 {
		v.Sets = append(v.Sets, fmt.Sprintf("n_div=%d", v.NDiv))
	}
	if v.Groups > 0 {
		v.Sets = append(v.Sets, fmt.Sprintf("groups=%d", v.Groups))
	}
	uniform := true
	for _, st := range s.Stages {
		uniform = uniform && st.Mixer == s.Mixer && st.NDiv == s.NDiv && st.Groups == s.Groups
	}
	for i, st := range s.Stages {
		if !uniform {
			v.Sets = append(v.Sets, fmt.Sprintf("stages.%d.mixer=%s", i, v.Mixer))
			if v.NDiv > 0 {
				v.Sets = append(v.Sets, fmt.Sprintf("stages.%d.n_div=%d", i, v.NDiv))
			}
			if v.Groups > 0 {
				v.Sets = append(v.Sets, fmt.Sprintf("stages.%d.groups=%d", i, v.Groups))
			}
		}
		if was, now := mixerLabel(st.Mixer, st.NDiv, st.Groups), mixerLabel(v.Mixer, v.NDiv, v.Groups); !uniform && was != now && st.Depth > 0 {
			v.Changed = append(v.Changed, fmt.Sprintf("stage %d: %s -> %s", i, was, now))
		}
	}
	return v
}

// mixerLabel names a stage's mixer with the setting that matters for it.
func mixerLabel(m arch.Mixer, ndiv, groups int) string {
	switch m {
	case arch.PConv:
		return fmt.Sprintf("pconv n_div=%d", ndiv)
	case arch.GConv:
		return fmt.Sprintf("gconv groups=%d", groups)
	}
	return string(m)
}

// Merge keeps the results of a resumed run (old) for the variants of a resumed run (old) for the variants
// still asked for.
func Merge(old, want []*Variant) []*Variant {
	byName := map[string]*Variant{}
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

// FitStudent is the fit student of v's mixer (+ PWConv).
func (v *Variant) FitStudent() fit.Student {
	// Variants and ParseDoc admit only arch's mixers, which all have a student.
	s, _ := fit.StudentFor(v.Mixer, v.NDiv, v.Groups)
	return s
}

// Measure counts v's costs on g (the spec with v.Sets applied) and times
// it on fnlab's kernels: 5 warm-up and runs timed passes at batch 1 with
// seeded random weights, per step grouped by StepGroup.
func Measure(v *Variant, g *arch.Graph, threads, runs int) error {
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
	in := analyze.BenchInput(g)
	r, err := analyze.Bench(p, in, costs, analyze.BenchOptions{Warmup: 5, Runs: runs, PerLayer: true})
	if err != nil {
		return err
	}
	v.MedianMS, v.P10MS, v.P90MS, v.Runs, v.GFLOPS = r.MedianMS, r.P10MS, r.P90MS, r.Runs, r.GFLOPS
	v.Split = map[string]float64{}
	for i, st := range r.Layers { // one per program step, in order
		v.Split[StepGroup(p.Steps[i].Kind)] += st.MedianMS
	}
	v.Measured = true
	return nil
}

// StepGroup puts a program step of kind k into patch_embed, mixers, mlps,
// merges or head (everything after the last stage).
func StepGroup(k engine.StepKind) string {
	switch k {
	case engine.KindPatchEmbed:
		return "patch_embed"
	case engine.KindMLP:
		return "mlps"
	case engine.KindMixer:
		return "mixers"
	case engine.KindMerge:
		return "merges"
	}
	return "head"
}

// FitOptions sets the reconstruction fits of Fit.
type FitOptions struct {
	Seeds, MaxIter, Threads int
	Quick                   bool // a rougher fit (1.5 training pixels per input dimension)
	// Step, when set, follows the whole fit phase: called before each fit
	// with the work done and to do over every stage (fit.Work units).
	Step func(fit.FitStep)
}

// Fit fits each variant's mixer + PWConv at the spec's stage widths and
// map sizes (fit.Experiment, generated data). It works one stage at a
// time and calls save after each, so an interrupted run keeps the stages
// it fitted and a resumed one fits only the rows doc lacks; step is
// called once per variant as its loss is set.
func Fit(doc *Doc, s *arch.Spec, o FitOptions, step func(string), save func() error) error {
	seeds, maxIter, threads, quick := o.Seeds, o.MaxIter, o.Threads, o.Quick
	var stages []fit.Stage
	for i, sh := range s.StageShapes() {
		stages = append(stages, fit.Stage{Name: strconv.Itoa(i + 1), C: sh.Channels, H: max(1, sh.Height), W: max(1, sh.Width)})
	}
	doc.Stages = nil
	for _, st := range stages {
		doc.Stages = append(doc.Stages, st.String())
	}
	var todo []*Variant
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
	for _, v := range append([]*Variant{{Mixer: arch.Conv}}, todo...) {
		if s := v.FitStudent(); !seen[s.Name()] {
			seen[s.Name()] = true
			students = append(students, s)
		}
	}
	// One stage at a time, saved after each: an interrupted fit phase
	// keeps the stages it finished, and a resumed one fits only what is missing.
	missing := make([][]fit.Student, len(stages))
	var total, base float64
	for i, st := range stages {
		for _, stu := range students {
			if RowOf(doc.Fit, stu.Name(), st) == nil {
				missing[i] = append(missing[i], stu)
				total += float64(seeds) * fit.Work(stu, st)
			}
		}
	}
	for i, st := range stages {
		if len(missing[i]) == 0 {
			continue
		}
		e := &fit.Experiment{Stages: []fit.Stage{st}, Students: missing[i], Seeds: seeds, Redundancy: []float64{gen.Redundancy}, Gen: gen,
			Options: fit.Options{Threads: threads, MaxIter: maxIter}}
		if o.Step != nil {
			at := base
			e.Step = func(s fit.FitStep) {
				s.Done, s.Total = at+s.Done, total
				o.Step(s)
			}
		}
		for _, stu := range missing[i] {
			base += float64(seeds) * fit.Work(stu, st)
		}
		fd, err := e.Run()
		if err != nil {
			return err
		}
		doc.Fit = mergeFit(doc.Fit, fd)
		if err := save(); err != nil {
			return err
		}
	}
	for _, v := range todo {
		name := v.FitStudent().Name()
		v.Student = name
		v.StageLosses, v.StageStds, v.LossMean, v.LossStd = nil, nil, 0, 0
		for _, st := range stages {
			r := RowOf(doc.Fit, name, st)
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

// RowOf finds the row of student at stage (name and shape), or nil.
func RowOf(d *fit.Report, student string, st fit.Stage) *fit.Row {
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
