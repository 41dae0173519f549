package search

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fnlab/fnlab/internal/yamlx"
)

func (p *spaceParser) constraints(n *yaml.Node, sp *Space) error {
	keys := make([]string, 0, len(constraintKeys))
	for k := range constraintKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return p.mapping(n, "constraints", keys, func(k string, kn, v *yaml.Node) error {
		kp := "constraints." + k
		s, err := p.Scalar(v, kp, "a positive number")
		if err != nil {
			return err
		}
		var f float64
		if k == "latency_ms" || k == "recon" {
			f, err = strconv.ParseFloat(s, 64)
		} else {
			f, err = parseAmount(s)
		}
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 {
			want := "a positive number with an optional K, M, G suffix (e.g. 4M)"
			if k == "peak_memory" || k == "bytes" {
				want = "a positive byte count with an optional suffix (e.g. 8MiB, 20MB)"
			} else if k == "latency_ms" || k == "recon" {
				want = "a positive number"
			}
			return p.Errf(v, kp, "expected %s, found %q", want, s)
		}
		sp.Constraints = append(sp.Constraints, Constraint{Metric: constraintKeys[k], Max: f, Where: p.Where(v)})
		return nil
	})
}

// parseAmount reads 4000000, 4M, 4e6, 8MiB, 20MB, 1.5G.
func parseAmount(s string) (float64, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimSuffix(t, "B")
	mult := 1.0
	units := []struct {
		suf string
		m   float64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"K", 1e3}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}}
	for _, u := range units {
		if strings.HasSuffix(t, u.suf) {
			t, mult = strings.TrimSuffix(t, u.suf), u.m
			break
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil {
		return 0, err
	}
	return f * mult, nil
}

func (p *spaceParser) objectives(n *yaml.Node, sp *Space) error {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		found := yamlx.Kind(n)
		if n.Kind == yaml.SequenceNode {
			found = "an empty list"
		}
		return p.Errf(n, "objectives", "expected a list of one or more objectives such as [{min: latency}, {max: naswot}], found %s", found)
	}
	if len(n.Content) > maxObjectives {
		return p.Errf(n, "objectives", "%d objectives, at most %d", len(n.Content), maxObjectives)
	}
	seen := map[string]bool{}
	for i, e := range n.Content {
		kp := fmt.Sprintf("objectives[%d]", i)
		var o Objective
		var metricNode *yaml.Node
		switch {
		case e.Kind == yaml.ScalarNode:
			metricNode = e
			o.Metric = e.Value
			o.Maximize = e.Value == "naswot"
		case e.Kind == yaml.MappingNode && len(e.Content) == 2:
			dir := e.Content[0].Value
			if dir != "min" && dir != "max" {
				return p.Errf(e.Content[0], kp, "expected min or max as the key, found %q", dir)
			}
			metricNode = e.Content[1]
			s, err := p.Scalar(metricNode, kp+"."+dir, "a metric ("+strings.Join(metricNames, ", ")+")")
			if err != nil {
				return err
			}
			o = Objective{Metric: s, Maximize: dir == "max"}
		default:
			return p.Errf(e, kp, "expected an objective such as {min: latency} or {max: naswot}, found %s", yamlx.Kind(e))
		}
		ok := false
		for _, m := range metricNames {
			ok = ok || m == o.Metric
		}
		if !ok {
			return p.Errf(metricNode, kp, "unknown metric %q (expected %s)", o.Metric, strings.Join(metricNames, ", "))
		}
		if seen[o.Metric] {
			return p.Errf(metricNode, kp, "%s is already an objective", o.Metric)
		}
		seen[o.Metric] = true
		sp.Objectives = append(sp.Objectives, o)
	}
	return nil
}
