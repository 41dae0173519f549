package tui

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
)

// Model is a counted model: where it came from and what it costs.
type Model struct {
	Ref    string   // preset or spec file
	Sets   []string // overrides applied to Ref ("key.path=yaml")
	Label  string   // how screens name it
	Spec   *arch.Spec
	Graph  *arch.Graph
	Report *analyze.Report
}

// countBN is how the model screen counts BatchNorm (as `fnlab analyze`).
const countBN = analyze.BNEval

// LoadModel resolves ref with sets, compiles and counts it. Errors are
// arch's one-line errors.
func LoadModel(ref string, sets []string, label string) (*Model, error) {
	s, err := arch.Load(ref, sets)
	if err != nil {
		return nil, err
	}
	g, err := arch.Compile(s)
	if err != nil {
		return nil, err
	}
	if label == "" {
		label = refLabel(ref)
	}
	return &Model{Ref: ref, Sets: sets, Label: label, Spec: s, Graph: g, Report: analyze.Count(g, countBN)}, nil
}

// refLabel names a preset by itself and a file by its base name.
func refLabel(ref string) string {
	if strings.ContainsAny(ref, `/\`) || strings.HasSuffix(ref, ".yaml") || strings.HasSuffix(ref, ".yml") {
		return filepath.Base(ref)
	}
	return ref
}

// stageCost sums the blocks of each stage (merges, embedding and head are
// not in a stage).
func stageCost(r *analyze.Report, n int) []analyze.Cost {
	out := make([]analyze.Cost, n)
	for _, l := range r.Layers {
		if l.Block >= 0 && l.Stage >= 0 && l.Stage < n {
			out[l.Stage] = out[l.Stage].Add(l.Cost)
		}
	}
	return out
}

// shortName abbreviates the stage/block prefix of a reference layer name:
// "stages.4.blocks.7.mlp.0" -> "s4.b7.mlp.0" (the stage index is the
// reference's module index, 2 x stage).
func shortName(name string) string {
	if !strings.HasPrefix(name, "stages.") {
		return name
	}
	parts := strings.Split(name, ".")
	out := "s" + parts[1]
	rest := parts[2:]
	if len(rest) >= 2 && rest[0] == "blocks" {
		out += ".b" + rest[1]
		rest = rest[2:]
	}
	if len(rest) > 0 {
		out += "." + strings.Join(rest, ".")
	}
	return out
}

// pct formats a fraction as a percentage with one decimal.
func pct(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }
