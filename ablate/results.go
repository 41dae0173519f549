package ablate

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/fnlab/fnlab/arch"
)

// Format identifies a results.json written by fnlab ablate.
const Format = "fnlab-ablate-results"

// maxVariants bounds the variants of a results file (a run has one per
// mixer and per n_div value).
const maxVariants = 4096

// Config is every setting that changes a result of a run: the hash of the
// resolved spec and the options (runs, max_iter, seeds, quick, mixers,
// n_div, threads; the flags' names in snake_case). A resumed run must have the same Config; otherwise it
// would mix rows of two experiments in one file.
type Config map[string]string

// Hash is a digest of the config (keys sorted), stored beside it so that a
// hand-edited config is noticed.
func (c Config) Hash() string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%q=%q\n", k, c[k])
	}
	return fmt.Sprintf("%x", h.Sum(nil))[:16]
}

// Diff names the first setting (in key order) in which o differs from c,
// with both values, or returns "" if they are equal.
func (c Config) Diff(o Config) (key, was, now string) {
	keys := map[string]bool{}
	for k := range c {
		keys[k] = true
	}
	for k := range o {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if c[k] != o[k] {
			return k, c[k], o[k]
		}
	}
	return "", "", ""
}

// ParseDoc reads a results.json as strictly as search reads a journal: the
// format marker, a config whose hash matches, and every variant present,
// named once, with a known mixer and finite, non-negative measurements.
// Errors name the file and the field.
func ParseDoc(name string, data []byte) (*Doc, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var d Doc
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%s: not an ablate results file: %v", name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: not an ablate results file: data after the JSON object", name)
	}
	if d.Format != Format {
		return nil, fmt.Errorf("%s: format %q, expected %q (a results.json written by fnlab ablate)", name, d.Format, Format)
	}
	if len(d.Config) == 0 || d.ConfigHash != d.Config.Hash() {
		return nil, fmt.Errorf("%s: config missing or changed by hand (config_hash %q does not match)", name, d.ConfigHash)
	}
	if len(d.Variants) > maxVariants {
		return nil, fmt.Errorf("%s: %d variants, more than %d", name, len(d.Variants), maxVariants)
	}
	seen := map[string]bool{}
	for i, v := range d.Variants {
		at := fmt.Sprintf("%s: variants[%d]", name, i)
		if v == nil {
			return nil, fmt.Errorf("%s: null, expected a variant", at)
		}
		if v.Name == "" || seen[v.Name] {
			return nil, fmt.Errorf("%s: name %q is empty or repeated", at, v.Name)
		}
		seen[v.Name] = true
		if !slices.Contains(arch.Mixers, v.Mixer) {
			return nil, fmt.Errorf("%s (%s): mixer %q, expected pconv, conv, dwconv or gconv", at, v.Name, v.Mixer)
		}
		nums := map[string]float64{"median_ms": v.MedianMS, "p10_ms": v.P10MS, "p90_ms": v.P90MS, "gflops": v.GFLOPS,
			"normalised_loss_mean": v.LossMean, "normalised_loss_std": v.LossStd, "params": float64(v.Params), "macs": float64(v.MACs),
			"bytes": float64(v.Bytes), "runs": float64(v.Runs), "n_div": float64(v.NDiv), "groups": float64(v.Groups)}
		for k, x := range v.Split {
			nums["time_split_ms."+k] = x
		}
		for j, x := range v.StageLosses {
			nums[fmt.Sprintf("stage_normalised_loss[%d]", j)] = x
		}
		for j, x := range v.StageStds {
			nums[fmt.Sprintf("stage_normalised_loss_std[%d]", j)] = x
		}
		for k, x := range nums {
			if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
				return nil, fmt.Errorf("%s (%s): %s is %v, expected a finite number >= 0", at, v.Name, k, x)
			}
		}
		if len(v.StageStds) != len(v.StageLosses) {
			return nil, fmt.Errorf("%s (%s): %d stage losses but %d stds", at, v.Name, len(v.StageLosses), len(v.StageStds))
		}
		for _, s := range v.Sets {
			if !strings.Contains(s, "=") {
				return nil, fmt.Errorf("%s (%s): set %q, expected key=value", at, v.Name, s)
			}
		}
	}
	if d.Fit != nil {
		for i, r := range d.Fit.Rows {
			if r.Student == "" {
				return nil, fmt.Errorf("%s: fit.rows[%d]: expected a student", name, i)
			}
		}
	}
	if math.IsNaN(d.Seconds) || d.Seconds < 0 {
		return nil, fmt.Errorf("%s: seconds is %v, expected >= 0", name, d.Seconds)
	}
	return &d, nil
}
