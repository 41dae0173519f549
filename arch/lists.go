package arch

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// SplitList splits a comma-separated list, trimming spaces and dropping
// empty items.
func SplitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// ParseMixers parses a comma-separated list of mixers, e.g. "pconv,dwconv".
func ParseMixers(s string) ([]Mixer, error) {
	var out []Mixer
	for _, m := range SplitList(s) {
		if !slices.Contains(Mixers, Mixer(m)) {
			return nil, fmt.Errorf("unknown mixer %q: expected pconv, conv, dwconv or gconv", m)
		}
		out = append(out, Mixer(m))
	}
	return out, nil
}

// ParseNDivs parses a comma-separated list of n_div values (positive).
func ParseNDivs(s string) ([]int, error) {
	var out []int
	for _, f := range SplitList(s) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q: %q is not a positive integer", s, f)
		}
		out = append(out, n)
	}
	return out, nil
}

// ErrNotCHW: a size is not three dimensions CxHxW.
var ErrNotCHW = errors.New("expected CxHxW")

// DimError: a dimension of a size is not a number from 1 to 4096.
type DimError struct{ Dim string }

func (e *DimError) Error() string { return fmt.Sprintf("%q is not a positive size up to 4096", e.Dim) }

// ParseCHW parses a feature map size CxHxW, each dimension 1 to 4096
// (ErrNotCHW, *DimError).
func ParseCHW(s string) (c, h, w int, err error) {
	parts := strings.Split(s, "x")
	if len(parts) != 3 {
		return 0, 0, 0, ErrNotCHW
	}
	var v [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 4096 {
			return 0, 0, 0, &DimError{Dim: p}
		}
		v[i] = n
	}
	return v[0], v[1], v[2], nil
}
