package arch

import (
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
