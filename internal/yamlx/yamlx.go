package yamlx

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Decoder reads values from the nodes of one YAML file.
type Decoder struct {
	File   string                // names the file in errors
	Origin map[*yaml.Node]string // optional: nodes placed by something other than File
}

// Where formats a node's location: its Origin entry, "file:line" or the file.
func (d *Decoder) Where(n *yaml.Node) string {
	if o, ok := d.Origin[n]; ok {
		return o
	}
	if n != nil && n.Line > 0 {
		return fmt.Sprintf("%s:%d", d.File, n.Line)
	}
	return d.File
}

// Errf is an error "where: key: message".
func (d *Decoder) Errf(n *yaml.Node, key, format string, args ...any) error {
	return errors.New(OneLine(fmt.Sprintf("%s: %s: %s", d.Where(n), key, fmt.Sprintf(format, args...))))
}

// OneLine escapes line breaks (a YAML key or value may hold them), so that
// every error stays one line.
func OneLine(s string) string {
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
}

// Kind describes what a node is, for "found ..." in errors.
func Kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return strconv.Quote(n.Value)
	}
	return "nothing"
}

// Scalar returns the text of a non-null scalar (following an alias); want
// says what was expected.
func (d *Decoder) Scalar(n *yaml.Node, key, want string) (string, error) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", d.Errf(n, key, "expected %s, found %s", want, Kind(n))
	}
	return n.Value, nil
}

// IntIn reads an integer in [lo, hi].
func (d *Decoder) IntIn(n *yaml.Node, key string, lo, hi int) (int, error) {
	want := fmt.Sprintf("an integer from %d to %d", lo, hi)
	s, err := d.Scalar(n, key, want)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64)
	if err != nil {
		// 4.0 is an integer in YAML configs written by Python.
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, d.Errf(n, key, "expected %s, found %q", want, s)
		}
		v = int64(f)
	}
	if v < int64(lo) || v > int64(hi) {
		return 0, d.Errf(n, key, "expected %s, found %d", want, v)
	}
	return int(v), nil
}

// FloatIn reads a finite number in [lo, hi], or (lo, hi] with openLo.
func (d *Decoder) FloatIn(n *yaml.Node, key string, lo, hi float64, openLo bool) (float64, error) {
	want := fmt.Sprintf("a number from %g to %g", lo, hi)
	if openLo {
		want = fmt.Sprintf("a number above %g and at most %g", lo, hi)
	}
	s, err := d.Scalar(n, key, want)
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, d.Errf(n, key, "expected %s, found %q", want, s)
	}
	if f < lo || f > hi || (openLo && f == lo) {
		return 0, d.Errf(n, key, "expected %s, found %g", want, f)
	}
	return f, nil
}

// Bool reads true/yes/on or false/no/off, in any case.
func (d *Decoder) Bool(n *yaml.Node, key string) (bool, error) {
	s, err := d.Scalar(n, key, "true or false")
	if err != nil {
		return false, err
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true, nil
	case "false", "no", "off":
		return false, nil
	}
	return false, d.Errf(n, key, "expected true or false, found %q", s)
}

// Enum reads one of options (case-insensitively with fold) and returns
// the option as spelled in options.
func (d *Decoder) Enum(n *yaml.Node, key string, fold bool, options ...string) (string, error) {
	want := "one of " + strings.Join(options, ", ")
	s, err := d.Scalar(n, key, want)
	if err != nil {
		return "", err
	}
	for _, o := range options {
		if s == o || (fold && strings.EqualFold(s, o)) {
			return o, nil
		}
	}
	return "", d.Errf(n, key, "expected %s, found %q", want, s)
}
