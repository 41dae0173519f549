package search

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/internal/inputfile"
	"github.com/fnlab/fnlab/internal/yamlx"
	"github.com/fnlab/fnlab/search/proxy"
)

// Limits on what a space file may ask for.
const (
	maxSpaceBytes = 1 << 20
	maxChoices    = 256 // choices of one dimension
	maxGenes      = 64
	maxObjectives = 4
	maxRangeSteps = 4096
)

// Choice is one value a gene can take: a label and the arch --set
// overrides it stands for.
type Choice struct {
	Label string
	Sets  []string
}

// Gene is one searchable dimension: an arch key path (or a tied group of
// them) and its choices.
type Gene struct {
	Name    string // e.g. "stages.2.n_div", "n_div" (tied), "embed_dim"
	Stage   int    // stage index for per-stage genes, -1 otherwise
	Depth   bool   // a stage depth (does not change any step's configuration)
	Choices []Choice
	Where   string // file:line of its definition
}

// Objective is one quantity to minimise or maximise.
type Objective struct {
	Metric   string `json:"metric"`
	Maximize bool   `json:"maximize"`
}

func (o Objective) String() string {
	if o.Maximize {
		return "max " + o.Metric
	}
	return "min " + o.Metric
}

// Constraint is a hard upper bound on a metric.
type Constraint struct {
	Metric string  `json:"metric"`
	Max    float64 `json:"max"`
	Where  string  `json:"-"`
}

// ProxyConfig sets up the training-free accuracy proxy.
type ProxyConfig struct {
	Batch      int    `json:"batch"`
	Resolution int    `json:"resolution"`
	Seed       uint64 `json:"seed"`
}

// ReconConfig chooses how the recon metric scores a stage: "capacity"
// (proxy.Capacity, analytic, free) or "fit" (proxy.Fitted: the mixer's
// measured reconstruction loss at the stage's width and map size, fitted
// once per distinct stage).
type ReconConfig struct {
	Method  string `json:"method"`
	Seeds   int    `json:"seeds,omitempty"`
	MaxIter int    `json:"max_iter,omitempty"`
}

// Space is a validated search space.
type Space struct {
	Name        string
	File        string   // where it was read from
	Base        string   // preset name or absolute spec path
	Sets        []string // fixed overrides for every candidate
	Genes       []Gene
	Objectives  []Objective
	Constraints []Constraint
	Proxy       ProxyConfig
	Recon       ReconConfig
	Stages      int    // stages of the base spec
	Hash        string // sha256 of what decides the candidates' metrics
	baseSpec    *arch.Spec
	reconOnce   sync.Once
	recon       proxy.ReconScorer
	fixedOnce   sync.Once
	fixed       []stageState // each stage's mixer and depth before any gene (Canonical)
}

// ReconScorer is the space's recon scorer, made once and shared by every
// evaluation of the space (a fitted scorer caches its fits).
func (sp *Space) ReconScorer() proxy.ReconScorer {
	sp.reconOnce.Do(func() {
		if sp.Recon.Method == "fit" {
			sp.recon = &proxy.Fitted{Seeds: sp.Recon.Seeds, MaxIter: sp.Recon.MaxIter}
		} else {
			sp.recon = proxy.Capacity{}
		}
	})
	return sp.recon
}

// Metric names a space may optimise (MetricTable).
var metricNames = MetricNames()

// constraintKeys maps constraint keys to metrics (MetricDef.Key).
var constraintKeys = func() map[string]string {
	out := map[string]string{}
	for _, d := range MetricTable {
		if d.Key != "" {
			out[d.Key] = d.Name
		}
	}
	return out
}()

// SafeName reports whether name may form a file name in the working
// directory: [A-Za-z0-9_.-] only, at most 128 bytes, not only dots. A
// space named ../../x or /tmp/x would otherwise make search and lut build
// write outside it.
func SafeName(name string) bool {
	if name == "" || len(name) > 128 || strings.Trim(name, ".") == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// FileLabel makes a label safe for a file name: characters outside
// [A-Za-z0-9_.-] become '_'.
func FileLabel(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

// hash identifies what decides a candidate's identity and metrics: base,
// sets, genes, objectives, constraints and proxy settings.
func (sp *Space) hash() string {
	h := sha256.New()
	fmt.Fprintf(h, "base=%s\n", sp.Base)
	if yamlx.IsPath(sp.Base) {
		if b, err := inputfile.ReadFile(sp.Base, maxSpaceBytes, "a spec"); err == nil {
			h.Write(b)
		}
	}
	for _, s := range sp.Sets {
		fmt.Fprintf(h, "set=%s\n", s)
	}
	for _, g := range sp.Genes {
		fmt.Fprintf(h, "gene=%s", g.Name)
		for _, c := range g.Choices {
			fmt.Fprintf(h, " %s", c.Label)
		}
		h.Write([]byte{'\n'})
	}
	for _, o := range sp.Objectives {
		fmt.Fprintf(h, "obj=%s\n", o)
	}
	for _, c := range sp.Constraints {
		fmt.Fprintf(h, "con=%s<=%g\n", c.Metric, c.Max)
	}
	fmt.Fprintf(h, "proxy=%d/%d/%d\n", sp.Proxy.Batch, sp.Proxy.Resolution, sp.Proxy.Seed)
	if sp.Recon.Method == "fit" { // capacity, the default, leaves older hashes as they were
		fmt.Fprintf(h, "recon=%s\n", sp.ReconScorer().Name())
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Size is the number of candidates (the product of the genes' choice
// counts), saturating at math.MaxInt64.
func (sp *Space) Size() int64 {
	n := int64(1)
	for _, g := range sp.Genes {
		c := int64(len(g.Choices))
		if n > math.MaxInt64/c {
			return math.MaxInt64
		}
		n *= c
	}
	return n
}

// Uses reports whether an objective or a constraint needs metric m.
func (sp *Space) Uses(m string) bool {
	for _, o := range sp.Objectives {
		if o.Metric == m {
			return true
		}
	}
	for _, c := range sp.Constraints {
		if c.Metric == m {
			return true
		}
	}
	return false
}

// setOrigin labels the space's set and vary overrides in arch's errors
// with the space's own key, set.
const setOrigin = arch.DefaultOrigin

// loadSpec resolves the space's base with sets applied.
func (sp *Space) loadSpec(sets []string) (*arch.Spec, error) {
	return arch.LoadOverrides(sp.Base, sets, setOrigin)
}

// BaseSpec is the base spec with the fixed overrides applied.
func (sp *Space) BaseSpec() *arch.Spec { return sp.baseSpec }
