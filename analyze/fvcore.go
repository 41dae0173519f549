package analyze

import (
	"fmt"
	"strconv"
	"strings"
)

// fvcore's table columns.
const (
	colParams = "#parameters or shape"
	colFlops  = "#flops"
	colActs   = "#activations"
)

var fvColumns = []string{colParams, colFlops, colActs}

// fvStat is one row of fvcore's statistics: a module or a parameter.
type fvStat struct {
	name  string
	vals  map[string]string // formatted; a missing column is absent
	shape string            // for parameter rows
}

// FormatFvcore formats n as fvcore does in its tables: above 1e8 "G",
// above 1e5 "M", above 1e2 "K" (likewise T, P), three decimals with
// trailing zeros stripped; 947652608 -> "0.948G", 49152 -> "49.152K".
func FormatFvcore(n int64) string {
	x := float64(n)
	abs := x
	if abs < 0 {
		abs = -abs
	}
	f := func(v float64, unit string) string {
		s := strconv.FormatFloat(v, 'f', 3, 64)
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
		return s + unit
	}
	switch {
	case abs > 1e14:
		return f(x/1e15, "P")
	case abs > 1e11:
		return f(x/1e12, "T")
	case abs > 1e8:
		return f(x/1e9, "G")
	case abs > 1e5:
		return f(x/1e6, "M")
	case abs > 1e2:
		return f(x/1e3, "K")
	}
	return strconv.FormatInt(n, 10)
}

// FvcoreTable renders the report as fvcore's flop_count_table(FlopCountAnalysis,
// activations=ActivationCountAnalysis) prints it for the reference model:
// the same rows, order, merged single-child rows, indentation and number
// format, so the two can be compared line by line. maxDepth is fvcore's
// max_depth (3 by default).
func (r *Report) FvcoreTable(maxDepth int) string {
	type raw struct {
		name string
		vals map[string]int64
	}
	var order []string
	byName := map[string]*raw{}
	get := func(name string) *raw {
		if e, ok := byName[name]; ok {
			return e
		}
		e := &raw{name: name, vals: map[string]int64{}}
		byName[name] = e
		order = append(order, name)
		return e
	}
	// parameter_count: every prefix of every trainable parameter's name, in
	// named_parameters order.
	shapes := map[string]string{}
	for _, p := range r.graph.Params() {
		if p.Buffer {
			continue
		}
		parts := strings.Split(p.Name, ".")
		for k := 0; k <= len(parts); k++ {
			e := get(strings.Join(parts[:k], "."))
			e.vals[colParams] += p.Shape.Numel()
		}
		shapes[p.Name] = pyTuple(p.Shape)
	}
	// by_module for flops, then activations: every module, zeros included.
	for _, col := range []string{colFlops, colActs} {
		for _, m := range r.graph.Modules {
			c := r.modules[m.Path]
			v := c.FvcoreFLOPs
			if col == colActs {
				v = c.Activations
			}
			get(m.Path).vals[col] = v
		}
	}
	// Drop all-zero entries whose children are all dropped (post-order, so
	// siblings keep their order).
	var kept []string
	keep := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		prefix := name
		if name != "" {
			prefix += "."
		}
		trivialChildren := true
		for _, m := range order {
			if m != "" && strings.Count(m, ".") == strings.Count(prefix, ".") && strings.HasPrefix(m, prefix) {
				visit(m)
				if keep[m] {
					trivialChildren = false
				}
			}
		}
		nonzero := false
		for _, v := range byName[name].vals {
			if v != 0 {
				nonzero = true
			}
		}
		if nonzero || !trivialChildren {
			keep[name] = true
			kept = append(kept, name)
		}
	}
	visit("")
	stats := map[string]*fvStat{}
	for _, name := range kept {
		st := &fvStat{name: name, vals: map[string]string{}}
		for col, v := range byName[name].vals {
			st.vals[col] = FormatFvcore(v)
		}
		if sh, ok := shapes[name]; ok {
			st.vals[colParams] = sh
		}
		stats[name] = st
	}
	children := func(name string) []string {
		prefix := name
		if name != "" {
			prefix += "."
		}
		var out []string
		for _, m := range kept {
			if m != "" && strings.Count(m, ".") == strings.Count(prefix, ".") && strings.HasPrefix(m, prefix) {
				out = append(out, m)
			}
		}
		return out
	}
	var fastforward func(name string) (string, map[string]string)
	fastforward = func(name string) (string, map[string]string) {
		ch := children(name)
		if len(ch) != 1 {
			return name, stats[name].vals
		}
		combined, ok := tryCombine(stats[name].vals, stats[ch[0]].vals)
		if !ok {
			return name, stats[name].vals
		}
		stats[ch[0]].vals = combined
		return fastforward(ch[0])
	}
	var rows [][]string
	row := func(name string, vals map[string]string, lvl int) {
		ind := strings.Repeat(" ", lvl)
		cells := []string{ind + name}
		for _, col := range fvColumns {
			if v, ok := vals[col]; ok {
				cells = append(cells, ind+v)
			} else {
				cells = append(cells, "")
			}
		}
		rows = append(rows, cells)
	}
	rootName, rootVals := fastforward("")
	if rootName == "" {
		row("model", rootVals, 0)
	} else {
		row(rootName, rootVals, 0)
	}
	rootPrefix := ""
	if rootName != "" {
		rootPrefix = rootName + "."
	}
	var fill func(lvl int, prefix string)
	fill = func(lvl int, prefix string) {
		if lvl > maxDepth {
			return
		}
		for _, m := range kept {
			if m != "" && strings.Count(m, ".") == strings.Count(prefix, ".") && strings.HasPrefix(m, prefix) {
				name, vals := fastforward(m)
				pretty := name
				if rootPrefix != "" {
					pretty = strings.TrimPrefix(name, rootPrefix)
				}
				row(pretty, vals, lvl)
				fill(lvl+1, name+".")
			}
		}
	}
	fill(1, rootPrefix)
	return pipeTable(append([]string{"module"}, fvColumns...), rows)
}

func tryCombine(a, b map[string]string) (map[string]string, bool) {
	if len(a) != len(b) {
		return nil, false
	}
	out := map[string]string{}
	for k, v1 := range a {
		v2, ok := b[k]
		if !ok {
			return nil, false
		}
		if v1 != v2 && v1 != "" && v2 != "" {
			return nil, false
		}
		if v1 != "" {
			out[k] = v1
		} else {
			out[k] = v2
		}
	}
	return out, true
}

// pyTuple formats a shape as Python prints a tuple: (96, 3, 4, 4), (96,).
func pyTuple(s []int) string {
	if len(s) == 1 {
		return fmt.Sprintf("(%d,)", s[0])
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// pipeTable renders a Markdown pipe table with left-aligned columns, each
// at least two wider than its header, as the tabulate package does.
func pipeTable(headers []string, rows [][]string) string {
	w := make([]int, len(headers))
	for i, h := range headers {
		w[i] = len(h) + 2
	}
	for _, r := range rows {
		for i, c := range r {
			w[i] = max(w[i], len(c))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for i, c := range cells {
			b.WriteString(" " + c + strings.Repeat(" ", w[i]-len(c)) + " |")
		}
		b.WriteString("\n")
	}
	line(headers)
	b.WriteString("|")
	for i := range headers {
		b.WriteString(":" + strings.Repeat("-", w[i]+1) + "|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		line(r)
	}
	return b.String()
}
