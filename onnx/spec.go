package onnx

import (
	"strings"

	"github.com/fnlab/fnlab/arch"
)

// SpecMetadata is the metadata a model exported from spec s carries: the
// fnlab version, the resolved spec (YAML), its name, source and hash, the
// overrides applied to it (one a line) and the weights' name.
func SpecMetadata(s *arch.Spec, sets []string, weights, version string) []Meta {
	return []Meta{
		{Key: "fnlab_version", Value: version},
		{Key: "spec_name", Value: s.Name},
		{Key: "spec_source", Value: s.Source},
		{Key: "spec_hash", Value: arch.Hash(s)},
		{Key: "spec_sets", Value: strings.Join(sets, "\n")},
		{Key: "spec", Value: string(arch.Marshal(s))},
		{Key: "weights", Value: weights},
	}
}

// FileDoc describes a model file exported from a spec.
type FileDoc struct {
	Model    string   `json:"model"`
	SpecHash string   `json:"spec_hash"`
	Sets     []string `json:"sets"`
	Path     string   `json:"path"`
	Bytes    int      `json:"bytes"`
	Batch    string   `json:"batch"` // "dynamic" or the fixed size
	KeepBN   bool     `json:"keep_bn"`
	Weights  string   `json:"weights"`
	Params   int64    `json:"params"`
	Summary  Summary  `json:"graph"`
}
